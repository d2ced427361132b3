#!/usr/bin/env bash
# Extract every user-facing string (templates, _()/_l() calls, and the messages of domain errors, which stay
# free of Flask), merge them into the English catalog, and compile it. Run after adding or changing strings:
#   scripts/translations.sh          # extract + update + compile
#   scripts/translations.sh compile  # compile only
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "compile" ]; then
  pybabel extract -F babel.cfg --no-location --sort-output \
    -k _l -k lazy_gettext -k N_ \
    -k DomainError:2 -k IllegalTransition:2 -k PermissionDenied:2 -k NotFound:2 -k Conflict:2 \
    -k TooMany:2 -k TooManyFromSource:2 -k BadJSON:2 -k ImportError_:2 -k _bad:2 \
    -o /tmp/moderator-messages.pot .
  pybabel update -i /tmp/moderator-messages.pot -d moderator/translations --no-fuzzy-matching --ignore-obsolete
fi
pybabel compile -d moderator/translations --statistics

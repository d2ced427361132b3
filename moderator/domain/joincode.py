"""Meeting join codes: short codes read off the projector and typed on a phone.

* Generation uses ``ALPHABET``: upper-case letters and digits without the ones that are confused
  when read from 20 m or typed on a phone (``0``/``O``, ``1``/``I``/``L``, and ``U`` next to
  ``V``). 30 symbols, so a 5-character code has 30**5 ≈ 24 million values.
* Validation is wider on purpose: any stored code of 3–12 characters ``[A-Z0-9]`` is valid, so
  codes chosen by an organiser (the demo meeting ``DEMO``, which contains ``O``) keep working.
* ``normalize_join_code`` turns what a person typed into the canonical form: surrounding space
  removed, upper case, inner spaces/dashes/dots/underscores dropped (``" ab-c2 d "`` -> ``"ABC2D"``).
  It does not map look-alikes (``O`` -> ``0``): both are outside the alphabet, and stored codes may
  legitimately contain either.

Only the standard library is used.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

__all__ = [
    "ALPHABET",
    "MIN_LENGTH",
    "MAX_LENGTH",
    "generate_join_code",
    "normalize_join_code",
    "is_valid_join_code",
    "parse_join_code",
]

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
MIN_LENGTH = 3
MAX_LENGTH = 12

_VALID_RE = re.compile(r"[A-Z0-9]{%d,%d}" % (MIN_LENGTH, MAX_LENGTH))
_DROPPED = re.compile(r"[\s\-\u2010-\u2015._]+")


def generate_join_code(length: int = 5, rng=secrets) -> str:
    """A random code of ``length`` symbols from ``ALPHABET``.

    ``rng`` is anything with a ``choice(seq)`` method: the ``secrets`` module (default) or a seeded
    ``random.Random`` in tests. Uniqueness against stored codes is the caller's job (retry on clash).
    """
    if not isinstance(length, int) or not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"join code length must be {MIN_LENGTH}..{MAX_LENGTH}, got {length!r}")
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def normalize_join_code(s: str | None) -> str:
    """Canonical form of a typed code: NFKC, strip, upper case, no spaces/dashes/dots/underscores.

    Never raises; the result may still be invalid (check with ``is_valid_join_code``).
    """
    if not s:
        return ""
    text = unicodedata.normalize("NFKC", str(s))
    return _DROPPED.sub("", text).upper()


def is_valid_join_code(s: str | None) -> bool:
    """True when ``s`` is already a canonical code: 3–12 characters, each ``A``–``Z`` or ``0``–``9``.

    Checks the string as given (no normalisation), so a value that passes can be used as a lookup
    key directly. For raw user input use ``parse_join_code``.
    """
    return isinstance(s, str) and _VALID_RE.fullmatch(s) is not None


def parse_join_code(s: str | None) -> str | None:
    """Normalise user input and return the canonical code, or ``None`` if it cannot be a code."""
    code = normalize_join_code(s)
    return code if is_valid_join_code(code) else None

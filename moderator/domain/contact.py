"""E-mail addresses a citizen types to be told about the answer. Deliberately simple: one @, a dotted domain,
no spaces; the SMTP server is the real judge. Lower-cased domain, at most 200 characters."""
from __future__ import annotations

import re

_EMAIL = re.compile(r"[^@\s<>,;\"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                    r"[A-Za-z0-9])?)+")
MAX_LENGTH = 200


class EmailError(ValueError):
    pass


def normalize_email(text: str | None) -> str:
    value = (text or "").strip()
    if not value or len(value) > MAX_LENGTH or not _EMAIL.fullmatch(value):
        raise EmailError(value)
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"

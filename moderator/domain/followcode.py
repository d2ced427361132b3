"""Follow-up codes: the short code printed on a paper slip (and behind the ticket link on the phone) with which
a citizen follows a request after the meeting, without an account and on any device.

8 symbols from an alphabet without look-alikes (no 0/O, 1/I/L, U/V): 29**8 ≈ 5e11 values, so guessing one
among thousands of requests takes hundreds of millions of tries — the lookup is rate limited far below that.
Shown as ``ABCD-2345``; typed any way (lower case, spaces, dashes, O for 0 is not mapped: those are not in the
alphabet and simply fail).
"""
from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"   # joincode's alphabet without V (read as U on a slip)
LENGTH = 8
_DROPPED = re.compile(r"[\s\-\u2010-\u2015._]+")
_VALID = re.compile("[%s]{%d}" % (ALPHABET, LENGTH))


def new_follow_code(rng=secrets) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def normalize_follow_code(text: str | None) -> str | None:
    """The canonical code for what a person typed, or None if it cannot be one."""
    code = _DROPPED.sub("", (text or "").strip()).upper()
    return code if _VALID.fullmatch(code) else None


def display_follow_code(code: str | None) -> str:
    return f"{code[:4]}-{code[4:]}" if code and len(code) == LENGTH else (code or "")

"""Vietnamese phone numbers: normalise what delegates type, mask what staff see.

Accepted numbers (normalised national form, digits only):

* mobile:   ``0`` + one of ``3 5 7 8 9`` + 8 digits  -> 10 digits, e.g. ``0912345678``
* landline: ``02`` + 9 digits (area code ``02x``/``02xx`` + subscriber number) -> 11 digits,
  e.g. ``02438251234`` (Hà Nội, ``024 3825 1234``) or ``02283123456`` (``(0228) 3123 456``)

Accepted ways of typing them: any mix of spaces (also non-breaking), dots, dashes and
parentheses between the digits; full-width digits (NFKC); the country code as ``+84``, ``(+84)``,
``84`` or ``0084``, with or without the trunk ``0`` kept after it (``+84 (0) 912 345 678``).

Rejected (``PhoneError``, ``code == "phone_invalid"``): letters or other symbols, a ``+`` that is not
the first character, foreign country codes, the old 11-digit mobile numbers ``01xx…`` (retired in
2018), any other prefix (``00``, ``01``, ``04``, ``06`` ...), and wrong lengths. A number typed
without its leading ``0`` (``912345678``) is rejected as well: it is rare and easily a typo.

Only the standard library is used.
"""

from __future__ import annotations

import re
import unicodedata

from moderator.domain.errors import DomainError

__all__ = ["PhoneError", "normalize_phone", "is_valid_phone", "mask_phone"]

PHONE_INVALID = "phone_invalid"

_MOBILE_RE = re.compile(r"0[35789]\d{8}")
_LANDLINE_RE = re.compile(r"02\d{9}")
# Characters people put between digits. "+" is handled separately (only as the first character).
_SEPARATORS = frozenset(" \t.-()\u2010\u2011\u2012\u2013\u2014\u2212")


class PhoneError(DomainError, ValueError):
    """The text is not a Vietnamese mobile or landline number. ``code`` is ``"phone_invalid"``."""

    status = 400

    def __init__(self, message: str = "Số điện thoại không hợp lệ", code: str = PHONE_INVALID):
        # Set the attributes directly (not via DomainError.__init__) so this stays a plain ValueError too.
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.details = {}


def _national(digits: str, international: bool) -> str:
    """Turn the digit string into the national form (leading ``0``) or raise."""
    if digits.startswith("0084"):
        digits, international = digits[4:], True
    elif international:
        if not digits.startswith("84"):
            raise PhoneError("Chỉ nhận số điện thoại Việt Nam (+84)")
        digits = digits[2:]
    elif digits.startswith("84"):
        # "84912345678": the country code without "+". A national number never starts with 8.
        digits, international = digits[2:], True

    if international:
        # "+84 (0) 912 345 678" keeps the trunk 0; otherwise add it.
        if not digits.startswith("0"):
            digits = "0" + digits
    return digits


def normalize_phone(raw: str) -> str:
    """Return ``raw`` as ``0XXXXXXXXX`` (mobile) or ``02XXXXXXXXX`` (landline); raise ``PhoneError``."""
    if not isinstance(raw, str):
        raise PhoneError()
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise PhoneError()

    international = text.startswith("+")
    if international:
        text = text[1:]
    # "(+84) 912 345 678": the plus inside a leading parenthesis.
    elif text.startswith("(+"):
        international = True
        text = "(" + text[2:]

    digits = []
    for ch in text:
        if "0" <= ch <= "9":
            digits.append(ch)
        elif ch in _SEPARATORS or ch.isspace():
            continue
        else:
            raise PhoneError()
    number = _national("".join(digits), international)

    if _MOBILE_RE.fullmatch(number) or _LANDLINE_RE.fullmatch(number):
        return number
    raise PhoneError()


def is_valid_phone(raw: str) -> bool:
    """True when ``normalize_phone(raw)`` would succeed."""
    try:
        normalize_phone(raw)
    except PhoneError:
        return False
    return True


def mask_phone(p: str | None) -> str:
    """Hide the middle of a phone number for staff screens: ``0912345678`` -> ``0912***678``.

    The input is normalised first when possible (``+84 912.345.678`` -> ``0912***678``; a landline
    ``02438251234`` -> ``0243****234``). Text that is not a valid number is still masked, never
    echoed: all its digits but the last two become ``*`` (``""``/``None`` give ``""``).
    """
    if not p:
        return ""
    try:
        number = normalize_phone(p)
    except PhoneError:
        digits = "".join(ch for ch in str(p) if ch.isdigit())
        if len(digits) <= 2:
            return "*" * len(digits)
        return "*" * (len(digits) - 2) + digits[-2:]
    return number[:4] + "*" * (len(number) - 7) + number[-3:]

"""Spreadsheet cells that cannot run: the one rule every CSV and .xlsx writer applies to text.

Excel and LibreOffice read a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in CSV, one that begins
with a tab or carriage return, which they skip before looking) as a formula: ``=HYPERLINK("http://…","bấm vào
đây")`` becomes a link, ``=cmd|' /C calc'!A0`` a DDE call (OWASP, "CSV Injection"). Text typed by delegates and
staff reaches the organisers' spreadsheets, so such text is written so that it is never evaluated:

* CSV has no cell types: the text gets a leading apostrophe ``'`` (OWASP's rule), which the spreadsheet shows
  and which tells a reader this cell was defused.
* .xlsx has cell types: the text is stored as a string cell with the "quote prefix" style (what Excel itself
  does when a person types ``'=…``). The reader sees exactly the text as it was typed, Excel and LibreOffice
  never evaluate it, and editing the cell keeps it text. An apostrophe inside the cell would be shown.

Numbers stay values: a real number (int, float) is written as a number, and text that is only a number
(``-5``, ``-3,5``) or only a phone number (``+84 912 345 678``) is left as it is: nothing in it can call
anything, and an apostrophe would spoil the figure.
"""
from __future__ import annotations

import re

__all__ = ["FORMULA_TRIGGERS", "looks_like_formula", "csv_cell"]

# OWASP: the characters a spreadsheet takes as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A plain (possibly signed) number, "1.000,5" or "-3.5" style; or a phone number "+84 912.345.678".
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)")
_PHONE_NUMBER = re.compile(r"\+\d[\d .]{6,18}\d")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula (and it is not just a number or phone)."""
    if not text:
        return False
    first = text[0]
    if first.isspace() and first not in FORMULA_TRIGGERS:
        # Leading spaces: LibreOffice trims them on import, so look at what follows.
        stripped = text.lstrip()
        return bool(stripped) and stripped[0] in FORMULA_TRIGGERS and looks_like_formula(stripped)
    if first not in FORMULA_TRIGGERS or text == "-":       # a lone dash is the usual "nothing" mark
        return False
    return not (_PLAIN_NUMBER.fullmatch(text) or _PHONE_NUMBER.fullmatch(text))


def csv_cell(value: object) -> object:
    """A value for ``csv.writer``: numbers as they are, text defused with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if looks_like_formula(text) else text

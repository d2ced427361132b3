"""Text helpers shared by the document builders: cleaning, phone redaction, dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

# Characters XML 1.0 cannot hold (python-docx / lxml and openpyxl raise on them):
# C0 controls except tab, newline and carriage return; lone surrogates; U+FFFE/U+FFFF.
# Also dropped: DEL and C1 controls, and the bidi overrides, which only ever
# serve to disguise text.
_INVALID_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff"
    "\u202a-\u202e\u2066-\u2069]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(value: object, *, multiline: bool = True) -> str:
    """Make any user-supplied value safe to put in a .docx or .xlsx.

    Returns a ``str`` (``""`` for None), NFC-normalised (Vietnamese typed with
    combining marks otherwise renders badly in Word), without the characters
    XML cannot hold, with runs of spaces/tabs collapsed and line ends
    normalised to ``\\n``. With ``multiline=False`` line breaks become spaces.
    HTML and the like is kept as literal text: the writers escape it.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _INVALID_XML.sub("", text)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
    else:
        text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
    return text


# Vietnamese phone numbers as people type them: mobiles 0[35789]xxxxxxxx,
# landlines 02x + 8 digits, with +84 / 84 / (+84) instead of the 0, and spaces,
# dots or hyphens anywhere between the digits.
_SEP = r"[ .\-]?"
_PHONE = re.compile(
    r"(?<![\d\w])"
    r"(?:\(?\+?84\)?" + _SEP + r"|0)"
    r"(?:[35789](?:" + _SEP + r"\d){8}|2(?:" + _SEP + r"\d){9})"
    r"(?!\d)"
)
PHONE_PLACEHOLDER = "[số điện thoại đã ẩn]"


def redact_phones(text: str, placeholder: str = PHONE_PLACEHOLDER) -> str:
    """Replace anything that looks like a Vietnamese phone number."""
    if not text:
        return text
    return _PHONE.sub(placeholder, text)


def safe(value: object, *, multiline: bool = True) -> str:
    """``clean_text`` then ``redact_phones``: for text that goes into the minutes or notice."""
    return redact_phones(clean_text(value, multiline=multiline))


# --- dates and times ---------------------------------------------------------------

def _two(n: int) -> str:
    return f"{n:02d}"


def vn_day_month(d: date) -> tuple[str, str]:
    """Day and month as official documents write them (ND 30 / HD 36):
    days below 10 and the months 1 and 2 take a leading zero."""
    day = _two(d.day)
    month = _two(d.month) if d.month < 3 else str(d.month)
    return day, month


def vn_long_date(d: date | None) -> str:
    """"ngày 05 tháng 02 năm 2026"; dotted blanks when unknown."""
    if d is None:
        return "ngày …… tháng …… năm ……"
    day, month = vn_day_month(d)
    return f"ngày {day} tháng {month} năm {d.year}"


def place_date_line(place_name: str, d: date | None) -> str:
    """"Giao Minh, ngày 28 tháng 11 năm 2025"."""
    place = clean_text(place_name, multiline=False) or "……………"
    return f"{place}, {vn_long_date(d)}"


def vn_time(t: datetime | None) -> str:
    """"08 giờ 05 phút"; dotted blanks when unknown."""
    if t is None:
        return "…… giờ …… phút"
    return f"{_two(t.hour)} giờ {_two(t.minute)} phút"


def dmy(d: date | datetime | None) -> str:
    """dd/mm/yyyy, or "" when unknown."""
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def lower_first(text: str) -> str:
    """"Đất đai" -> "đất đai", "Y tế" -> "y tế" for running text; keeps acronyms ("OCOP", "HĐND")."""
    if len(text) >= 2 and text[0].isupper() and (text[1].islower() or text[1] == " "):
        return text[0].lower() + text[1:]
    return text


# Words after which a body's name is a place name, capitalised word by word ("tỉnh Ninh Bình").
_PLACE_WORDS = ("thành phố", "thị xã", "thị trấn", "đặc khu", "tỉnh", "huyện", "quận", "xã", "phường")
_ACRONYMS = {"UBND", "HĐND", "MTTQ", "MTTQVN", "CT-XH", "TW"}


def body_name(text: str) -> str:
    """A body's name from its heading capitals to running text, as official documents write it:
    "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH" -> "Ủy ban nhân dân tỉnh Ninh Bình",
    "ĐẢNG BỘ XÃ GIAO MINH" -> "Đảng bộ xã Giao Minh"; acronyms (UBND, HĐND, MTTQ) stay."""
    words = clean_text(text, multiline=False).split(" ")
    out: list[str] = []
    place = False
    k = 0
    while k < len(words):
        word = words[k]
        pair = " ".join(words[k:k + 2]).lower()
        if pair.endswith(" ủy"):      # Tỉnh ủy, Thành ủy, Đảng ủy: one name; a place follows the first three
            out.extend((word[:1].upper() + word[1:].lower(), "ủy"))
            place, k = place or word.lower() != "đảng", k + 2
            continue
        if pair == "việt nam":
            out.append("Việt Nam")
            k += 2
            continue
        if not place and (pair in _PLACE_WORDS or word.lower() in _PLACE_WORDS):
            n = 2 if pair in _PLACE_WORDS else 1
            out.extend(w.lower() for w in words[k:k + n])
            place, k = True, k + n
            continue
        if word.upper() in _ACRONYMS:
            out.append(word.upper())
        elif place or word.lower() == "đảng":
            out.append(word[:1].upper() + word[1:].lower())
        else:
            out.append(word.lower())
        k += 1
    if out and out[0] not in _ACRONYMS:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` at a word boundary to at most ``limit`` characters, adding "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"

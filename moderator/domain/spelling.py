"""One spelling of a Vietnamese word for comparing texts, never for showing them.

People type the same word in several ways, all accepted:

* precomposed or combining marks: ``Hòa`` as U+00F2 or as ``o`` + U+0300 (phones and old keyboards differ);
* two tone placements for the open syllables ending in ``oa``, ``oe`` and ``uy``: the "old style" puts the tone
  on the first vowel (``hòa``, ``khỏe``, ``thúy``), the "new style" on the second (``hoà``, ``khoẻ``, ``thuý``).
  Both are taught and printed; a delegate and the secretary may each use their own.

``one_spelling`` turns any of them into one form (NFC, then the new-style placement); ``comparison_key`` also
folds case and spaces. Every comparison (import duplicates, names of fields and units, merge suggestions, search,
statistics groups) goes through them; the stored text stays as the person typed it.

A syllable with a final consonant (``hoàng``, ``khuyến``) has one placement only and is left alone, as is a
word that is not Vietnamese (no tone, or several tones).
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["one_spelling", "comparison_key", "TONE_MARKS"]

# grave (huyền), acute (sắc), tilde (ngã), hook above (hỏi), dot below (nặng).
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
# The endings with two accepted placements: plain vowels only (no circumflex, breve or horn on them).
_TWO_PLACEMENTS = ("oa", "oe", "uy")
_WORD = re.compile(r"[^\W\d_]+")


def _split(ch: str) -> tuple[str, str]:
    """A letter as (the letter without its tone, the tone mark or "")."""
    parts = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in parts if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
    return base, tone


def _respell(match: re.Match) -> str:
    word = match.group(0)
    if len(word) < 2:
        return word
    letters = [_split(ch) for ch in word]
    toned = [i for i, (_, tone) in enumerate(letters) if tone]
    if len(toned) != 1:
        return word
    last = len(letters) - 1
    ending = (letters[last - 1][0] + letters[last][0]).lower()
    if ending not in _TWO_PLACEMENTS or toned[0] != last - 1:
        return word
    tone = letters[last - 1][1]
    letters[last - 1] = (letters[last - 1][0], "")
    letters[last] = (letters[last][0], tone)
    return "".join(unicodedata.normalize("NFC", base + mark) for base, mark in letters)


def one_spelling(text: str | None) -> str:
    """NFC, and the tone of ``oa``/``oe``/``uy`` at the end of a syllable on the second vowel; case kept.

    >>> one_spelling("Hòa Bình, khỏe, Thúy") == "Hoà Bình, khoẻ, Thuý"
    True
    """
    text = unicodedata.normalize("NFC", text or "")
    return _WORD.sub(_respell, text)


def comparison_key(text: str | None) -> str:
    """What two texts must share to be "the same": one spelling, case folded, runs of spaces as one."""
    return " ".join(one_spelling(text).casefold().split())

"""Merge suggestions for duplicate speaking requests written in Vietnamese.

Several delegates often raise the same matter (the same potholed road, the same late land
certificate), some typing with diacritics and some without. The chair merges duplicates; this
module only *suggests* pairs, the chair decides.

How two texts are compared
--------------------------
1. ``fold``: NFC, lower case, ``đ`` -> ``d``, every tone and vowel mark removed (NFD, combining
   marks dropped), punctuation and whitespace collapsed to single spaces. For comparison a few
   synonyms and abbreviations are unified first (``sổ đỏ``/``sổ hồng``/``GCN`` -> ``giấy chứng
   nhận``, ``QSDĐ``, ``BHYT``, ``UBND``).
2. Stop words and form formulas (``đề nghị``, ``xin hỏi``, ``cho biết`` ...) are removed. Folding
   makes some of them ambiguous (``đến`` "to" and ``đèn`` "lamp" both fold to ``den``; ``ở`` "at"
   and ``ổ`` in ``ổ gà`` both fold to ``o``), so a word written *with* diacritics is checked against
   the exact Vietnamese list, and a word written without them against the folded list minus the
   ambiguous forms.
3. Features: the set of remaining syllables plus the set of adjacent syllable pairs (Vietnamese
   words are mostly one or two syllables: ``ổ gà``, ``liên thôn``, ``chứng nhận``).
4. Score: set cosine (Ochiai) ``|A ∩ B| / sqrt(|A| · |B|)`` in [0, 1]. Cosine rather than Jaccard
   so that a short request ("duong lien thon nhieu o ga") still scores well against a long one
   saying the same thing with more detail.
5. Place check: when both texts name a hamlet (``xóm 3``, ``thôn Bắc``, ``ấp 2``; ``liên thôn`` is
   not a name) and no hamlet is shared, the score is multiplied by ``PLACE_CONFLICT_FACTOR`` (0.6):
   the same kind of problem in two hamlets is two requests.

Threshold
---------
``DEFAULT_THRESHOLD = 0.35``. On the examples in ``tests/domain/test_similarity.py`` the 14
realistic duplicates (with and without diacritics, shortened, paraphrased, ``sổ đỏ`` for
``giấy chứng nhận``, ``BHYT``) score 0.40–1.0; the 15 pairs of *different* requests chosen to
share words (same field, same road, same hamlet, same kind of request in another hamlet) score
0–0.27; all 276 pairs of the 24 requests in ``demo/recommendations.csv`` score at most 0.27 (0.19
within a field). 0.35 sits in that gap: 0.05 below the lowest duplicate, 0.08 above the highest
different pair. Lower it (say 0.30) to catch looser paraphrases at the cost of more suggestions to
dismiss; a missed duplicate costs more (the chair never sees it) than a wrong suggestion (one click).

Known limit: the method is lexical. Two short requests that differ in one key word only
("duong lien thon nhieu o ga, de nghi sua chua" vs "Đèn đường liên thôn thôn Nam hỏng, đề nghị
sửa chữa": potholes vs lamps, 0.48) can still be suggested; the chair dismisses them.

Only the standard library is used.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from itertools import combinations

from .spelling import one_spelling

__all__ = [
    "DEFAULT_THRESHOLD",
    "Candidate",
    "Suggestion",
    "fold",
    "content_terms",
    "similarity",
    "suggest_merges",
    "PLACE_CONFLICT_FACTOR",
]

DEFAULT_THRESHOLD = 0.35

# Synonyms, matched on the lower-cased text *before* folding (diacritics tell them apart from
# look-alikes: "sổ đỏ" is the land certificate, "so do" may be "sơ đồ", a diagram).
_SYNONYMS_VI = (
    ("sổ đỏ", "giấy chứng nhận"),
    ("sổ hồng", "giấy chứng nhận"),
    ("bìa đỏ", "giấy chứng nhận"),
)
# Abbreviations people write in requests, matched on a folded word.
_ABBREVIATIONS = {
    "gcn": "giay chung nhan",
    "gcnqsdd": "giay chung nhan quyen su dung dat",
    "qsdd": "quyen su dung dat",
    "bhyt": "bao hiem y te",
    "bhxh": "bao hiem xa hoi",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "mttq": "mat tran to quoc",
}

# Function words and the formulas of the request form, with diacritics.
_STOP_WORDS_VI = frozenset(
    """
    xin cho của và các là được có không nhưng thì mà đã sẽ đang này nay tôi rất lắm quá với để vào
    ra từ đến tới trên dưới trong ngoài nhiều ít một những bị tại vì nên còn cũng vẫn chưa rồi xã về đi
    ở hay hoặc nào gì ạ ơi nhé thế vậy nữa đó đây ấy theo như khi lại sự
    """.split()
)
# Multi-word rewrites: (phrase, replacement); an empty replacement removes the phrase.
_PHRASES_VI = (
    ("sửa chữa", "sửa"),  # keeps "chữa" from being read as the stop word "chưa" once folded
    ("đề nghị", ""),
    ("kiến nghị", ""),
    ("đề xuất", ""),
    ("xin hỏi", ""),
    ("cho biết", ""),
    ("khi nào", ""),
    ("bao giờ", ""),
    ("như thế nào", ""),
    ("tại sao", ""),
    ("vì sao", ""),
    ("hay không", ""),
    ("đến nay", ""),
    ("đến giờ", ""),
    ("hiện nay", ""),
    ("gia đình tôi", ""),
    ("chúng tôi", ""),
    ("người dân", ""),
    ("bà con", ""),
    ("nhân dân", ""),
    ("đồng chí", ""),
    ("cảm ơn", ""),
)
# Folded forms of stop words that are also common content words once diacritics are gone. In
# text typed without diacritics they are kept.
_AMBIGUOUS_FOLDED = frozenset(
    {
        "den",  # đến / đèn (lamp)
        "o",  # ở / ổ (ổ gà: pothole)
        "xa",  # xã / xả (discharge) / xa (far)
        "dang",  # đang / Đảng (the Party)
        "lai",  # lại / lãi (interest)
        "cho",  # cho / chợ (market)
        "su",  # sự / sử (quyền sử dụng đất)
        "de",  # để / đê (đường đê: the dike road)
        "tai",  # tại / tải (xe tải: truck)
        "van",  # vẫn / văn (văn hóa)
        "vay",  # vậy / vay (vay vốn: loans)
        "voi",  # với / voi (ổ voi: a big pothole)
        "lam",  # lắm / làm (việc làm, làm đường)
        "trong",  # trong / trồng / trống
        "thi",  # thì / thi (exams)
        "do",  # đó / đỏ / đổ (đổ rác: dumping rubbish)
    }
)

_WORD_RE = re.compile(r"[^\W_]+")


def _strip_marks(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def fold(text: str | None) -> str:
    """Lower case, no diacritics (``đ`` -> ``d``), words separated by single spaces.

    Nothing else changes (no synonyms, no stop words), so it also suits search boxes.

    >>> fold("Đường liên thôn: nhiều ổ gà!!")
    'duong lien thon nhieu o ga'
    """
    text = one_spelling(text).lower()
    return " ".join(_strip_marks(w) for w in _WORD_RE.findall(text))


_STOP_WORDS_FOLDED = frozenset(_strip_marks(w) for w in _STOP_WORDS_VI) - _AMBIGUOUS_FOLDED
_PHRASES = tuple(
    (tuple(p.split()), tuple(_strip_marks(p).split()), tuple(_strip_marks(r).split()))
    for p, r in _PHRASES_VI
)


def _words(text: str | None) -> list[tuple[str, str]]:
    """(word in one spelling, lower case; folded word) pairs, synonyms and abbreviations expanded."""
    text = one_spelling(text).lower()
    for old, new in _SYNONYMS_VI:
        text = text.replace(old, new)
    out: list[tuple[str, str]] = []
    for word in _WORD_RE.findall(text):
        folded = _strip_marks(word)
        expansion = _ABBREVIATIONS.get(folded)
        if expansion:
            out.extend((part, part) for part in expansion.split())
        else:
            out.append((word, folded))
    return out


def _phrase_at(words: list[tuple[str, str]], i: int, written: tuple, folded: tuple) -> bool:
    span = words[i : i + len(written)]
    if len(span) != len(written):
        return False
    if tuple(w for w, _ in span) == written:
        return True
    # Typed without diacritics: compare folded forms, but only if no word in the span has marks
    # (so "đèn này" is not taken for "đến nay").
    return all(w == f for w, f in span) and tuple(f for _, f in span) == folded


def content_terms(text: str | None) -> list[str]:
    """The folded syllables of ``text`` that carry meaning, in order (stop words removed)."""
    words = _words(text)
    terms: list[str] = []
    i = 0
    while i < len(words):
        for written, folded, replacement in _PHRASES:
            if _phrase_at(words, i, written, folded):
                terms.extend(replacement)
                i += len(written)
                break
        else:
            word, folded = words[i]
            i += 1
            if word in _STOP_WORDS_VI:
                continue
            # Written without diacritics: drop only the unambiguous folded stop words. Written with
            # them and not an exact stop word: content (đèn, ổ, xả, Đảng, chợ ...).
            if word == folded and folded in _STOP_WORDS_FOLDED:
                continue
            terms.append(folded)
    return terms


# Hamlet names: "xóm 3", "thôn Bắc", "ấp 2" (not "liên thôn", which means "between hamlets").
_PLACE_WORDS_VI = frozenset({"xóm", "thôn", "ấp"})
_PLACE_WORDS_FOLDED = frozenset({"xom", "thon"})  # plain "ap" is too often "áp" (điện áp)
# Multiplies the score when both texts name hamlets and share none.
PLACE_CONFLICT_FACTOR = 0.6


def _places(text: str | None) -> frozenset[str]:
    words = _words(text)
    places = set()
    for i, (word, folded) in enumerate(words[:-1]):
        is_place = word in _PLACE_WORDS_VI or (word == folded and folded in _PLACE_WORDS_FOLDED)
        if not is_place or (i > 0 and words[i - 1][1] == "lien"):
            continue
        nxt_word, nxt_folded = words[i + 1]
        if nxt_word in _STOP_WORDS_VI or nxt_folded in _STOP_WORDS_FOLDED:
            continue
        places.add(nxt_folded)
    return frozenset(places)


class _Profile:
    __slots__ = ("features", "places")

    def __init__(self, text: str | None):
        terms = content_terms(text)
        bigrams = (f"{a} {b}" for a, b in zip(terms, terms[1:]))
        self.features = frozenset(terms).union(bigrams)
        self.places = _places(text)


def _score(a: _Profile, b: _Profile) -> float:
    if not a.features or not b.features:
        return 0.0
    score = len(a.features & b.features) / math.sqrt(len(a.features) * len(b.features))
    if a.places and b.places and not (a.places & b.places):
        score *= PLACE_CONFLICT_FACTOR
    return min(1.0, max(0.0, score))


def similarity(a: str | None, b: str | None) -> float:
    """How alike two requests are, in [0, 1], ignoring case, diacritics, punctuation and stop words.

    Texts with no content words (empty, or only "đề nghị xin hỏi") score 0 against anything.
    When both texts name a hamlet (``xóm 3``, ``thôn Bắc``) and the hamlets differ, the score is
    multiplied by ``PLACE_CONFLICT_FACTOR``.
    """
    return _score(_Profile(a), _Profile(b))


@dataclass(frozen=True)
class Candidate:
    """A request that may be merged: its id, its field (``None`` = not classified yet), its text."""

    id: int
    field_id: int | None
    content: str


@dataclass(frozen=True)
class Suggestion:
    """Suggest merging requests ``a_id`` and ``b_id`` (``a_id < b_id``: ``a`` is the older one)."""

    a_id: int
    b_id: int
    score: float


def suggest_merges(items: list[Candidate], threshold: float = DEFAULT_THRESHOLD) -> list[Suggestion]:
    """Pairs of requests in the same field whose ``similarity`` is at least ``threshold``.

    Only candidates with equal ``field_id`` are compared (two unclassified requests, both ``None``,
    are compared with each other too). Sorted by score, highest first, then by ``(a_id, b_id)``;
    the result depends only on the input set, not on its order (ids are expected to be unique;
    a pair with equal ids is never suggested). Scores are rounded to 4 decimals; a score of 0 is
    never suggested, whatever the threshold.
    """
    by_field: dict[int | None, list[tuple[int, _Profile]]] = {}
    for item in sorted(items, key=lambda c: (c.id, c.content)):
        by_field.setdefault(item.field_id, []).append((item.id, _Profile(item.content)))

    out: list[Suggestion] = []
    for members in by_field.values():
        for (id_a, fa), (id_b, fb) in combinations(members, 2):
            if id_a == id_b:
                continue
            score = round(_score(fa, fb), 4)
            if score >= threshold and score > 0:
                out.append(Suggestion(a_id=id_a, b_id=id_b, score=score))
    out.sort(key=lambda s: (-s.score, s.a_id, s.b_id))
    return out

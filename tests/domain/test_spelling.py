"""One spelling of a Vietnamese tone (issue 16.3): pairs of each kind compare equal, the text is never changed
for display, and words with a single accepted placement are left alone."""
import unicodedata

import pytest

from moderator.domain import similarity
from moderator.domain.spelling import comparison_key, one_spelling

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731

PAIRS = [
    # old-style / new-style tone placement: oa, oe, uy
    ("Hòa", "Hoà"), ("thúy", "thuý"), ("Khỏe", "Khoẻ"), ("hóa đơn", "hoá đơn"), ("Thủy lợi", "Thuỷ lợi"),
    ("Ủy ban nhân dân", "Uỷ ban nhân dân"), ("xòe", "xoè"), ("tùy", "tuỳ"), ("HÒA", "HOÀ"), ("thỏa thuận", "thoả thuận"),
    # precomposed / combining marks
    ("Nguyễn Văn Hùng", NFD("Nguyễn Văn Hùng")), ("Thôn Đông", NFD("Thôn Đông")),
    # both at once, and case and spaces
    ("Thôn Hòa Bình", NFD("thôn  Hoà Bình")), ("Trần Thị Thúy", NFD("TRẦN THỊ THUÝ")),
]
DIFFERENT = [("Hòa", "Hoa"), ("hòa", "họa"), ("thúy", "thủy"), ("Hoàng", "Hoàn"), ("quý", "quỳ")]
UNCHANGED = ["hoàng", "khuyến", "quý", "Nguyễn", "mía", "của", "thuở", "ngoài", "Hoà", "Khoẻ", "Đường liên thôn",
             "hello world", "", "3 – 5"]


@pytest.mark.parametrize("a, b", PAIRS)
def test_two_spellings_of_one_word_compare_equal(a, b):
    assert comparison_key(a) == comparison_key(b)
    assert similarity.fold(a) == similarity.fold(b)


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_words_stay_different(a, b):
    assert comparison_key(a) != comparison_key(b)


@pytest.mark.parametrize("text", UNCHANGED)
def test_one_spelling_leaves_single_placements_and_new_style_alone(text):
    assert one_spelling(text) == text


def test_one_spelling_keeps_case_and_punctuation():
    assert one_spelling("Hòa Bình, khỏe; THÚY!") == "Hoà Bình, khoẻ; THUÝ!"
    assert one_spelling(NFD("Hòa")) == "Hoà" and unicodedata.is_normalized("NFC", one_spelling(NFD("thủy")))


def test_merge_suggestions_see_one_request_in_two_spellings():
    a = "Đề nghị sửa đường thôn Hòa Bình, nhiều ổ gà, xe đi không an toàn"
    b = NFD("đề nghị sửa đường thôn Hoà Bình nhiều ổ gà xe đi không an toàn")
    assert similarity.similarity(a, b) == 1.0
    got = similarity.suggest_merges([similarity.Candidate(1, None, a), similarity.Candidate(2, None, b)])
    assert [(s.a_id, s.b_id) for s in got] == [(1, 2)]


def test_similaritys_word_lists_are_written_in_the_one_spelling():
    """Words are compared in one spelling, so the exact-Vietnamese lists must be in it too."""
    words = set(similarity._STOP_WORDS_VI) | set(similarity._PLACE_WORDS_VI)
    words |= {w for p, r in similarity._PHRASES_VI + similarity._SYNONYMS_VI for w in f"{p} {r}".split()}
    assert [w for w in words if one_spelling(w) != w] == []

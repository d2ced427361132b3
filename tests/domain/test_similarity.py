"""Merge suggestions for duplicate requests in Vietnamese, typed with or without diacritics."""

import random

import pytest

from moderator.domain.similarity import (
    DEFAULT_THRESHOLD,
    Candidate,
    Suggestion,
    content_terms,
    fold,
    similarity,
    suggest_merges,
)

GIAO_THONG, DAT_DAI, MOI_TRUONG, Y_TE, VAN_HOA, AN_NINH = 1, 2, 3, 4, 5, 6

ROAD = (
    "Đường liên thôn từ thôn Bắc đến trường tiểu học nhiều ổ gà, mùa mưa học sinh đi lại nguy "
    "hiểm; đề nghị đưa vào kế hoạch sửa chữa năm tới."
)
ROAD_NO_DIACRITICS = (
    "Duong lien thon tu thon Bac den truong tieu hoc nhieu o ga, mua mua hoc sinh di lai nguy "
    "hiem; de nghi dua vao ke hoach sua chua nam toi."
)
ROAD_SHORT_PLAIN = "duong lien thon nhieu o ga, de nghi sua chua"
ROAD_PARAPHRASE = (
    "Xin hỏi khi nào xã sửa đường liên thôn thôn Bắc đi trường tiểu học? Đường nhiều ổ gà lắm, "
    "trời mưa các cháu đi học rất nguy hiểm."
)
ROAD_PARAPHRASE_2 = "Đường từ thôn Bắc xuống trường tiểu học xuống cấp, ổ gà nhiều, đề nghị xã sửa."

LAND_CERT = (
    "Hồ sơ cấp Giấy chứng nhận quyền sử dụng đất của gia đình tôi nộp từ tháng 3 đến nay chưa "
    "có kết quả; đề nghị cho biết hồ sơ đang vướng ở khâu nào."
)
LAND_CERT_SO_DO = (
    "Tôi nộp hồ sơ xin cấp sổ đỏ từ tháng 3 mà đến giờ vẫn chưa có kết quả, đề nghị xã cho biết lý do."
)
LAND_CERT_PLAIN = "ho so cap giay chung nhan quyen su dung dat nop tu thang 3 den nay chua co ket qua"
LAND_DONATED = (
    "Gia đình tôi hiến đất mở rộng đường thôn từ năm 2023 nhưng chưa được chỉnh lý lại diện tích "
    "trên giấy chứng nhận."
)
LAND_PLANNING = (
    "Đề nghị công bố bản đồ quy hoạch chung của xã sau sắp xếp để người dân biết thửa đất của mình "
    "có nằm trong quy hoạch hay không."
)

STREET_LIGHTS = "Đèn chiếu sáng trên trục đường chính của xã hỏng nhiều bóng đã lâu; đề nghị thay thế trước Tết."
STREET_LIGHTS_PLAIN = "den duong truc chinh hong lau roi chua thay, de nghi thay bong den"
SPEED_SIGN = "Đề nghị lắp biển báo giảm tốc độ tại ngã ba chợ vì hay xảy ra tai nạn."
TRUCKS = "Xe tải chở cát chạy qua đường thôn Nam làm hỏng mặt đường và bụi bẩn, đề nghị xã xử lý."

PIG_FARM = (
    "Trại chăn nuôi lợn gần xóm 3 xả nước thải ra mương chung, mùi hôi kéo dài nhiều tháng; đề "
    "nghị kiểm tra và xử lý dứt điểm."
)
PIG_FARM_PLAIN = "trai lon xom 3 xa thai ra muong, hoi thoi qua, de nghi xa xu ly"
PIG_FARM_PARAPHRASE = "Đề nghị xử lý trại lợn xóm 3 gây ô nhiễm, nước thải chảy ra mương, mùi hôi thối."
RUBBISH_XOM_4 = (
    "Rác thải sinh hoạt ở bãi tập kết đầu xóm 4 không được thu gom thường xuyên; đề nghị tăng số "
    "chuyến thu gom."
)
RUBBISH_XOM_4_SHORT = "Rác ở bãi tập kết đầu xóm 4 cả tuần không ai thu gom, bốc mùi"
RUBBISH_XOM_3 = "Bãi rác đầu xóm 3 bốc mùi hôi, đề nghị thu gom thường xuyên"

HEALTH_HOURS = (
    "Trạm y tế chỉ khám bảo hiểm y tế buổi sáng; đề nghị bố trí khám cả ngày để người cao tuổi "
    "đỡ phải chờ."
)
HEALTH_HOURS_ABBR = "Đề nghị trạm y tế khám BHYT cả buổi chiều, người già phải chờ lâu."
HEALTH_MEDICINE = "Trạm y tế thiếu thuốc, đề nghị bổ sung."
VACCINATION = "Đề nghị tổ chức tiêm chủng cho trẻ em vào thêm ngày thứ Bảy vì nhiều bố mẹ đi làm xa."

HALL_XOM_8 = "Nhà văn hóa xóm 8 xuống cấp, mái dột; đề nghị hỗ trợ kinh phí sửa chữa để bà con sinh hoạt."
HALL_XOM_8_SHORT = "Nhà văn hóa xóm 8 bị dột, đề nghị xã hỗ trợ sửa mái"
HALL_THON_NAM = "Đề nghị xã hỗ trợ kinh phí mua trang thiết bị cho nhà văn hóa thôn Nam"

RACING = (
    "Tối nào cũng có nhóm thanh niên tụ tập đua xe trên đường đê gây mất an toàn; đề nghị tăng "
    "cường tuần tra."
)
RACING_PLAIN = "thanh nien dua xe tren duong de buoi toi, de nghi cong an tuan tra"
CATTLE_THEFT = "Tình trạng trộm cắp gia súc ở xóm 2 tăng, đề nghị công an xã vào cuộc."

DUPLICATES = [
    (ROAD, ROAD_NO_DIACRITICS),
    (ROAD, ROAD_SHORT_PLAIN),
    (ROAD, ROAD_PARAPHRASE),
    (ROAD, ROAD_PARAPHRASE_2),
    ("Đường liên thôn nhiều ổ gà", "duong lien thon nhieu o ga"),
    (LAND_CERT, LAND_CERT_SO_DO),
    (LAND_CERT, LAND_CERT_PLAIN),
    (PIG_FARM, PIG_FARM_PLAIN),
    (PIG_FARM, PIG_FARM_PARAPHRASE),
    (STREET_LIGHTS, STREET_LIGHTS_PLAIN),
    (HEALTH_HOURS, HEALTH_HOURS_ABBR),
    (RUBBISH_XOM_4, RUBBISH_XOM_4_SHORT),
    (HALL_XOM_8, HALL_XOM_8_SHORT),
    (RACING, RACING_PLAIN),
]

# Different matters that a careless comparison would confuse (same field, shared words).
DIFFERENT = [
    (ROAD, LAND_CERT),
    (ROAD_SHORT_PLAIN, LAND_CERT),
    (ROAD, STREET_LIGHTS),
    (ROAD, SPEED_SIGN),
    (ROAD, TRUCKS),
    (LAND_CERT, LAND_DONATED),  # both about the land certificate, but a different problem
    (LAND_CERT, LAND_PLANNING),
    (LAND_DONATED, LAND_PLANNING),
    (PIG_FARM, RUBBISH_XOM_4),
    (PIG_FARM, RUBBISH_XOM_3),  # same hamlet, both smell, different source
    (RUBBISH_XOM_3, RUBBISH_XOM_4),  # same problem, different hamlets
    (HEALTH_HOURS, VACCINATION),
    (HEALTH_HOURS, HEALTH_MEDICINE),
    (HALL_XOM_8, HALL_THON_NAM),  # same kind of request, different hamlets
    (RACING, CATTLE_THEFT),
]


# --- fold -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Đường liên thôn nhiều ổ gà", "duong lien thon nhieu o ga"),
        ("ĐỀ NGHỊ", "de nghi"),
        ("Giấy chứng nhận quyền sử dụng đất", "giay chung nhan quyen su dung dat"),
        ("  Trạm   y tế!!! (xóm 3);  ", "tram y te xom 3"),
        ("Hội Liên hiệp Phụ nữ - Cựu chiến binh", "hoi lien hiep phu nu cuu chien binh"),
        ("ỵ Ữ ằ ẫ ộ ợ ử đ Đ", "y u a a o o u d d"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_handles_decomposed_input():
    # Some keyboards send base letters plus combining marks (NFD).
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Đường liên thôn nhiều ổ gà")
    assert fold(decomposed) == "duong lien thon nhieu o ga"


def test_content_terms_drop_stop_words_but_keep_folded_look_alikes():
    assert content_terms("Đề nghị xin cho biết khi nào") == []
    assert content_terms("duong lien thon nhieu o ga, de nghi sua chua") == [
        "duong", "lien", "thon", "o", "ga", "sua",
    ]
    # "đèn" (lamp) and "ổ" (pothole) survive although "đến" and "ở" are stop words.
    assert "den" in content_terms("Đèn đường hỏng")
    assert "den" not in content_terms("Đến nay chưa sửa đường")
    assert "o" in content_terms("Đường nhiều ổ gà")
    assert "o" not in content_terms("Đường ở xóm 3 hỏng")


def test_synonyms_and_abbreviations():
    assert content_terms("cấp sổ đỏ") == content_terms("cấp giấy chứng nhận")
    assert content_terms("GCN QSDĐ") == content_terms("giấy chứng nhận quyền sử dụng đất")
    assert content_terms("khám BHYT") == content_terms("khám bảo hiểm y tế")


# --- similarity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", DUPLICATES)
def test_duplicates_score_above_threshold(a, b):
    assert similarity(a, b) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_matters_score_below_threshold(a, b):
    assert similarity(a, b) < DEFAULT_THRESHOLD


def test_threshold_sits_in_the_gap_with_margin():
    lowest_duplicate = min(similarity(a, b) for a, b in DUPLICATES)
    highest_different = max(similarity(a, b) for a, b in DIFFERENT)
    assert lowest_duplicate >= DEFAULT_THRESHOLD + 0.04
    assert highest_different <= DEFAULT_THRESHOLD - 0.05


def test_text_with_and_without_diacritics_is_the_same_text():
    assert similarity("Đường liên thôn nhiều ổ gà", "duong lien thon nhieu o ga") == 1.0
    assert similarity(ROAD, ROAD_NO_DIACRITICS) > 0.85


def test_similarity_properties():
    texts = [ROAD, ROAD_SHORT_PLAIN, LAND_CERT, PIG_FARM, HEALTH_HOURS_ABBR]
    for a in texts:
        assert similarity(a, a) == 1.0
        for b in texts:
            s = similarity(a, b)
            assert 0.0 <= s <= 1.0
            assert s == similarity(b, a)


@pytest.mark.parametrize("empty", ["", None, "   ", "Đề nghị xin cho biết.", "?!"])
def test_texts_without_content_score_zero(empty):
    assert similarity(empty, ROAD) == 0.0
    assert similarity(empty, empty) == 0.0


def test_case_and_punctuation_do_not_matter():
    assert similarity("ĐƯỜNG LIÊN THÔN NHIỀU Ổ GÀ!!!", "đường liên thôn, nhiều ổ gà.") == 1.0


# --- suggest_merges -----------------------------------------------------------------------------


def meeting():
    """A realistic set of requests: three fields with duplicates, and a misfiled land question."""
    return [
        Candidate(1, GIAO_THONG, ROAD),
        Candidate(2, GIAO_THONG, STREET_LIGHTS),
        Candidate(3, GIAO_THONG, SPEED_SIGN),
        Candidate(4, GIAO_THONG, ROAD_SHORT_PLAIN),
        Candidate(5, GIAO_THONG, LAND_CERT),  # a land-certificate question filed under transport
        Candidate(6, DAT_DAI, LAND_CERT),
        Candidate(7, DAT_DAI, LAND_DONATED),
        Candidate(8, DAT_DAI, LAND_CERT_SO_DO),
        Candidate(9, GIAO_THONG, ROAD_PARAPHRASE),
        Candidate(10, MOI_TRUONG, PIG_FARM),
        Candidate(11, MOI_TRUONG, RUBBISH_XOM_4),
        Candidate(12, MOI_TRUONG, PIG_FARM_PLAIN),
        Candidate(13, GIAO_THONG, TRUCKS),
        Candidate(14, Y_TE, HEALTH_HOURS),
        Candidate(15, Y_TE, VACCINATION),
        Candidate(16, GIAO_THONG, STREET_LIGHTS_PLAIN),
    ]


def test_suggest_merges_finds_the_duplicates_and_only_them():
    suggestions = suggest_merges(meeting())
    pairs = {(s.a_id, s.b_id) for s in suggestions}
    assert pairs == {
        (1, 4), (1, 9), (4, 9),  # the potholed road, three ways
        (2, 16),  # the street lights, with and without diacritics
        (6, 8),  # the land certificate, "sổ đỏ"
        (10, 12),  # the pig farm
    }
    # The land-certificate question never matches the road, even in the same field.
    assert not any(5 in (s.a_id, s.b_id) for s in suggestions)


def test_suggestions_are_sorted_and_well_formed():
    suggestions = suggest_merges(meeting())
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    for s in suggestions:
        assert isinstance(s, Suggestion)
        assert s.a_id < s.b_id
        assert DEFAULT_THRESHOLD <= s.score <= 1.0


def test_only_pairs_in_the_same_field():
    items = [
        Candidate(1, GIAO_THONG, ROAD),
        Candidate(2, DAT_DAI, ROAD_NO_DIACRITICS),  # same text, other field
        Candidate(3, None, ROAD_SHORT_PLAIN),
        Candidate(4, None, ROAD_PARAPHRASE),  # two unclassified requests are compared
    ]
    assert [(s.a_id, s.b_id) for s in suggest_merges(items)] == [(3, 4)]


def test_deterministic_whatever_the_input_order():
    items = meeting()
    expected = suggest_merges(items)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert suggest_merges(shuffled) == expected


def test_ties_are_ordered_by_ids():
    items = [
        Candidate(30, 1, "Đường liên thôn nhiều ổ gà"),
        Candidate(10, 1, "duong lien thon nhieu o ga"),
        Candidate(20, 1, "ĐƯỜNG LIÊN THÔN NHIỀU Ổ GÀ"),
    ]
    assert suggest_merges(items) == [
        Suggestion(10, 20, 1.0),
        Suggestion(10, 30, 1.0),
        Suggestion(20, 30, 1.0),
    ]


def test_threshold_parameter():
    items = meeting()
    assert len(suggest_merges(items, threshold=0.9)) < len(suggest_merges(items))
    everything = suggest_merges(items, threshold=0.0)
    assert all(s.score > 0 for s in everything)
    assert len(everything) > len(suggest_merges(items))


def test_edge_cases():
    assert suggest_merges([]) == []
    assert suggest_merges([Candidate(1, 1, ROAD)]) == []
    assert suggest_merges([Candidate(1, 1, ""), Candidate(2, 1, "")]) == []
    assert suggest_merges([Candidate(1, 1, ROAD), Candidate(1, 1, ROAD)]) == []

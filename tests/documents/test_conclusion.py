"""The draft conclusion notice (thông báo kết luận)."""

from __future__ import annotations

from docx.shared import Mm, Pt

import pytest

from moderator.documents import build_conclusion_docx

from ._helpers import (
    LOOSE_PHONE_RE,
    PHONE_RE,
    all_xml_text,
    effective,
    full_text,
    make_interventions,
    make_meeting,
    open_docx,
)


@pytest.fixture(scope="module")
def party_bytes():
    return build_conclusion_docx(make_meeting("party"), make_interventions())


@pytest.fixture(scope="module")
def state_bytes():
    return build_conclusion_docx(make_meeting("state"), make_interventions())


@pytest.fixture(scope="module")
def party(party_bytes):
    return open_docx(party_bytes)


@pytest.fixture(scope="module")
def state(state_bytes):
    return open_docx(state_bytes)


def test_heading_per_format(party, state):
    p_right = party.tables[0].columns[1].cells
    assert p_right[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    run = p_right[0].paragraphs[0].runs[0]
    assert run.bold and run.underline and run.font.size == Pt(15)
    p_left = party.tables[0].columns[0].cells
    assert "*" in p_left[0].text and "ĐẢNG ỦY XÃ GIAO MINH" in p_left[0].text
    # a blank number with the same issuer symbol as the minutes, to fill in when issued
    assert p_left[1].text.startswith("Số ") and p_left[1].text.endswith("-TB/ĐU")
    s_right = state.tables[0].columns[1].cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in s_right[0].text
    assert "Độc lập - Tự do - Hạnh phúc" in s_right[0].text
    assert state.tables[0].columns[0].cells[1].text.endswith("/TB-UBND")
    for doc in (party, state):
        date_p = doc.tables[0].rows[1].cells[1].paragraphs[0]
        assert date_p.text == "Giao Minh, ngày 28 tháng 11 năm 2025"
        assert all(r.italic for r in date_p.runs)
        s = doc.sections[0]
        for got, want in ((s.left_margin, 30), (s.right_margin, 15), (s.top_margin, 20), (s.bottom_margin, 20)):
            assert abs(got - Mm(want)) < Mm(0.1)


def test_explicit_notice_number():
    meeting = make_meeting("party")
    meeting.notice_number = "17-TB/ĐU"
    doc = open_docx(build_conclusion_docx(meeting, make_interventions()))
    assert doc.tables[0].rows[1].cells[0].text == "Số 17-TB/ĐU"


def test_summary_conclusion_and_tasks(party):
    paragraphs = [p.text for p in party.paragraphs]
    text = "\n".join(paragraphs)
    assert "THÔNG BÁO KẾT LUẬN" in text
    assert "Ngày 28 tháng 11 năm 2025, tại Hội trường Trụ sở Đảng ủy xã Giao Minh" in text
    assert "Dự hội nghị có 200 đại biểu" in text
    assert "có 6 ý kiến phát biểu, kiến nghị" in text
    assert "3 ý kiến đã được trả lời trực tiếp tại hội nghị" in text
    assert "2 ý kiến được giao trả lời bằng văn bản" in text
    assert "1 ý kiến được chuyển cấp có thẩm quyền" in text
    assert "Đảng ủy ghi nhận, đánh giá cao các ý kiến" in text
    start = next(i for i, t in enumerate(paragraphs) if t.endswith("NHIỆM VỤ"))
    assert text.index("Đảng ủy ghi nhận") < text.index("NHIỆM VỤ")
    tasks = [t for t in paragraphs[start:] if t[:1].isdigit() and ". " in t[:4]]
    expected = [i for i in make_interventions() if i.answer_mode != "hall"]
    assert len(tasks) == len(expected) == 3
    for k, (task, item) in enumerate(zip(tasks, expected), 1):
        assert task.startswith(f"{k}. {item.answer_unit}: ")
        assert item.speaker in task
        assert item.answer_deadline.strftime("thời hạn: %d/%m/%Y") in task
    assert "giải quyết, trả lời kiến nghị của Bà Trần Thị Lan" not in tasks[0]  # forwarded, not answered
    assert "chuyển kiến nghị của Bà Trần Thị Lan (Thôn Bắc) về giải phóng mặt bằng" in tasks[0]
    assert "đến UBND tỉnh Ninh Bình" in tasks[0]
    assert "giải quyết, trả lời kiến nghị của Ông/Bà Phạm Thị Hoa (Xóm 3) về môi trường" in tasks[1]
    # answered-in-the-hall opinions are not tasks
    assert not any("Nguyễn Văn Hùng" in t for t in tasks)


@pytest.mark.parametrize("fmt", ["party", "state"])
def test_recipients_and_signature(fmt, party, state):
    doc = party if fmt == "party" else state
    bottom = doc.tables[-1]
    left, right = bottom.rows[0].cells
    label = left.paragraphs[0]
    assert label.text == "Nơi nhận:"
    items = left.paragraphs[1:]
    texts = [p.text for p in items]
    assert texts[0] == ("- Thường trực Tỉnh ủy (để báo cáo)" + ("," if fmt == "party" else ";"))
    assert texts[-1].startswith("- Lưu") and texts[-1].endswith(".")
    if fmt == "state":  # ND 30: label 12 bold italic, items 11
        assert all(r.bold and r.italic and r.font.size == Pt(12) for r in label.runs)
        sizes = {effective(r, p, "size") for p in items for r in p.runs}
        assert sizes == {Pt(11)}
    else:  # HD 36: label 14 underlined, items 12
        assert all(r.underline and r.font.size == Pt(14) for r in label.runs)
        sizes = {effective(r, p, "size") for p in items for r in p.runs}
        assert sizes == {Pt(12)}
    right_texts = [p.text for p in right.paragraphs]
    assert right_texts[0] == "CHỦ TRÌ HỘI NGHỊ"
    assert right_texts[-1] == "Vũ Xuân Thủy"
    assert all(r.bold for r in right.paragraphs[-1].runs)
    assert sum(1 for t in right_texts if not t.strip()) >= 3


def test_custom_signer_caption():
    meeting = make_meeting("party")
    meeting.notice_signer = "T/M Ban Thường vụ\nBí thư"
    doc = open_docx(build_conclusion_docx(meeting, make_interventions()))
    right = doc.tables[-1].rows[0].cells[1]
    assert [p.text for p in right.paragraphs[:2]] == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ"]


def test_all_answered_in_hall_has_no_tasks():
    items = [i for i in make_interventions() if i.answer_mode == "hall"]
    text = full_text(open_docx(build_conclusion_docx(make_meeting("state"), items)))
    assert "NHIỆM VỤ" in text
    assert "Các ý kiến, kiến nghị đã được trả lời trực tiếp tại hội nghị." in text


@pytest.mark.parametrize("fmt", ["party", "state"])
def test_no_phone_numbers(fmt, party_bytes, state_bytes):
    xml = all_xml_text(party_bytes if fmt == "party" else state_bytes)
    assert not PHONE_RE.search(xml)
    assert not LOOSE_PHONE_RE.search(xml)

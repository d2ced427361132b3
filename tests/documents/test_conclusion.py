"""The draft conclusion notice (thông báo kết luận)."""

from __future__ import annotations

from docx.shared import Mm, Pt

import pytest

from datetime import date

from moderator.documents import DocIntervention, build_conclusion_docx

from ._helpers import (
    FORWARD_DEADLINE,
    LOOSE_PHONE_RE,
    PHONE_RE,
    TICKET_RE,
    all_xml_text,
    effective,
    full_text,
    make_interventions,
    make_meeting,
    notice_lines,
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


def _extra_items() -> list[DocIntervention]:
    """Beyond the six heard opinions: one decided from the inbox (never heard) with an earlier deadline for the
    same unit, one deferred at the close without a deadline, one forwarded to the centre, and a complaint whose
    name, place and content the builder must never print even if given."""
    return [
        DocIntervention(order=7, ticket=40, speaker="Lê Thị Mai", locality="Xóm 5", field="Giao thông",
                        summary="Đường liên xóm 5 xuống cấp.", answer_unit="Phòng Kinh tế", answer_mode="writing",
                        answer_deadline=date(2025, 12, 5), outcome="writing", spoke=False),
        DocIntervention(order=8, ticket=41, speaker="Hà Văn Tú", locality="Xóm 6", field="Y tế",
                        summary="Trạm y tế thiếu bác sĩ.", answer_unit="Phòng Văn hóa - Xã hội",
                        outcome="writing", spoke=False),
        DocIntervention(order=9, ticket=42, speaker="Vi Văn Lộc", locality="Xóm 7", field="Người có công",
                        summary="Chế độ thờ cúng liệt sĩ.", answer_unit="Phòng Văn hóa - Xã hội",
                        answer_mode="forwarded", answer_level="cấp Trung ương", answer_deadline=FORWARD_DEADLINE,
                        outcome="forwarded", spoke=False),
        DocIntervention(order=10, ticket=43, speaker="Đinh Văn Khiếu", locality="Số 9 ngõ 4 thôn Nam",
                        field="Đất đai", summary="Tố cáo cán bộ địa chính Nguyễn Văn Xấu nhận tiền, gọi 0912345678.",
                        answer_unit="Ủy ban Kiểm tra Đảng ủy", outcome="complaint", spoke=False),
    ]


@pytest.mark.parametrize("fmt", ["party", "state"])
def test_every_outcome_listed_once_grouped_with_unit_and_deadline(fmt):
    items = make_interventions() + _extra_items()
    data = build_conclusion_docx(make_meeting(fmt), items)
    doc = open_docx(data)
    text = full_text(doc)
    assert "THÔNG BÁO KẾT LUẬN" in text and "Dự hội nghị có 200 đại biểu" in text
    assert ("Hội nghị đã tiếp nhận 10 ý kiến, kiến nghị của đại biểu (6 ý kiến phát biểu tại hội nghị); trong đó "
            "3 ý kiến đã được trả lời trực tiếp tại hội nghị; 4 ý kiến được giao trả lời bằng văn bản; "
            "2 ý kiến được chuyển cấp có thẩm quyền xem xét, giải quyết; 1 ý kiến được chuyển xử lý theo quy định "
            "của pháp luật về khiếu nại, tố cáo.") in text
    assert text.index("Đảng ủy ghi nhận") < text.index("II. CÁC Ý KIẾN ĐÃ ĐƯỢC TRẢ LỜI") < text.index("III. NHIỆM VỤ")

    lines = notice_lines(doc)
    # Each ticket once in the whole document, in the section of its outcome.
    assert sorted(TICKET_RE.findall(text)) == sorted(str(i.ticket) for i in items)
    assert {line.ticket: line.outcome for line in lines} == {i.ticket: i.outcome or i.answer_mode for i in items}
    by_ticket = {line.ticket: line for line in lines}
    for item in items:
        line = by_ticket[item.ticket]
        if line.outcome == "hall":
            assert line.group is None and item.speaker in line.text
            assert f"{item.answer_unit} ({item.answerer}) đã trả lời: {item.answer_summary.rstrip('.')}" in line.text
        elif line.outcome == "writing":      # grouped by unit, each with its own deadline
            assert line.group == item.answer_unit and item.speaker in line.text
            assert line.text.endswith(f"thời hạn: {item.answer_deadline:%d/%m/%Y}." if item.answer_deadline
                                      else "thời hạn: …….")
        elif line.outcome == "forwarded":    # grouped by level, the unit that forwards first
            assert line.group == f"Chuyển {item.answer_level}"
            assert line.text.startswith(f"{item.answer_unit}: tổng hợp, chuyển đến {item.answer_level}")
            assert line.text.endswith(f"thời hạn: {item.answer_deadline:%d/%m/%Y}.")
        else:
            assert line.text == ("Phiếu số 43 (lĩnh vực đất đai): Ủy ban Kiểm tra Đảng ủy tiếp nhận, xem xét, xử lý "
                                 "theo quy định của pháp luật về khiếu nại, tố cáo; thời hạn: theo quy định của pháp "
                                 "luật.")
    # Inside a unit, the nearest deadline first; a unit's group appears once.
    kinh_te = [line.ticket for line in lines if line.outcome == "writing" and line.group == "Phòng Kinh tế"]
    assert kinh_te == [40, 18, 27]
    groups = [line.group for line in lines if line.outcome == "writing"]
    assert groups == sorted(groups, key=groups.index)
    # The complainant is never named or placed, the content never quoted (not even inside the package).
    xml = all_xml_text(data)
    for secret in ("Đinh Văn Khiếu", "Số 9 ngõ 4", "Nguyễn Văn Xấu", "nhận tiền", "0912345678"):
        assert secret not in xml
    assert "được giữ bí mật theo quy định của pháp luật" in text
    # Forwarded, not answered: the wording says so.
    assert "chuyển đến UBND tỉnh Ninh Bình xem xét, giải quyết kiến nghị của Bà Trần Thị Lan (Thôn Bắc; phiếu số 15) " \
           "và 2 đại biểu cùng kiến nghị về giải phóng mặt bằng" in by_ticket[15].text


def test_outcome_defaults_to_the_answer_mode():
    doc = open_docx(build_conclusion_docx(make_meeting("party"), make_interventions()))
    assert [(line.ticket, line.outcome) for line in notice_lines(doc)] == [
        (12, "hall"), (21, "hall"), (24, "hall"), (18, "writing"), (27, "writing"), (15, "forwarded")]


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
    assert {line.outcome for line in notice_lines(open_docx(build_conclusion_docx(make_meeting("state"), items)))} \
        == {"hall"}


@pytest.mark.parametrize("fmt", ["party", "state"])
def test_no_phone_numbers(fmt, party_bytes, state_bytes):
    xml = all_xml_text(party_bytes if fmt == "party" else state_bytes)
    assert not PHONE_RE.search(xml)
    assert not LOOSE_PHONE_RE.search(xml)

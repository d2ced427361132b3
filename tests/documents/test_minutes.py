"""The minutes (biên bản): heading per format, page, fonts, content in order, signatures."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

import pytest

from moderator.documents import DocMeeting, build_minutes_docx

from ._helpers import (
    LOOSE_PHONE_RE,
    PHONE_RE,
    SCRIPT,
    all_paragraphs,
    all_xml_text,
    effective,
    full_text,
    has_bottom_border,
    make_interventions,
    make_meeting,
    open_docx,
)

TNR = "Times New Roman"


@pytest.fixture(scope="module")
def party_bytes():
    return build_minutes_docx(make_meeting("party"), make_interventions())


@pytest.fixture(scope="module")
def state_bytes():
    return build_minutes_docx(make_meeting("state"), make_interventions())


@pytest.fixture(scope="module")
def party(party_bytes):
    return open_docx(party_bytes)


@pytest.fixture(scope="module")
def state(state_bytes):
    return open_docx(state_bytes)


def _runs_with_text(paragraph):
    return [r for r in paragraph.runs if r.text.strip()]


def _find(paragraphs, text):
    for p in paragraphs:
        if text in p.text:
            return p
    raise AssertionError(f"{text!r} not found in {[p.text for p in paragraphs]}")


# --- heading -------------------------------------------------------------------------

def test_party_heading_layout(party):
    header = party.tables[0]
    left = [c.paragraphs for c in header.columns[0].cells]
    right = [c.paragraphs for c in header.columns[1].cells]
    left_texts = [p.text for ps in left for p in ps]
    right_texts = [p.text for ps in right for p in ps]
    # Left: parent body, issuing body, "*", number.
    assert left_texts[:4] == ["ĐẢNG BỘ TỈNH NINH BÌNH", "ĐẢNG ỦY XÃ GIAO MINH", "*", "Số 05-BB/ĐU"]
    # Right: the Party title, then place and date.
    assert right_texts[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert "Giao Minh, ngày 28 tháng 11 năm 2025" in right_texts

    title = _find([p for ps in right for p in ps], "ĐẢNG CỘNG SẢN VIỆT NAM")
    for run in _runs_with_text(title):
        assert run.bold and run.underline and run.font.size == Pt(15)
    organiser = _find([p for ps in left for p in ps], "ĐẢNG ỦY XÃ GIAO MINH")
    for run in _runs_with_text(organiser):
        assert run.bold and run.font.size == Pt(14)
    parent = _find([p for ps in left for p in ps], "ĐẢNG BỘ TỈNH NINH BÌNH")
    for run in _runs_with_text(parent):
        assert not run.bold and run.font.size == Pt(14)
    number = _find([p for ps in left for p in ps], "Số 05-BB/ĐU")
    assert number.runs[0].font.size == Pt(14) and not number.runs[0].bold
    date_line = _find([p for ps in right for p in ps], "ngày 28 tháng 11")
    for run in _runs_with_text(date_line):
        assert run.italic and run.font.size == Pt(14)
    # "Số …" and the date are on the same row.
    assert "Số 05-BB/ĐU" in header.rows[-1].cells[0].text
    assert "Giao Minh, ngày" in header.rows[-1].cells[1].text


def test_header_table_is_borderless(party, state):
    for doc in (party, state):
        borders = doc.tables[0]._tbl.tblPr.find(qn("w:tblBorders"))
        assert borders is not None
        assert {el.get(qn("w:val")) for el in borders} == {"nil"}


def test_state_heading_layout(state):
    header = state.tables[0]
    left = [p for c in header.columns[0].cells for p in c.paragraphs]
    right = [p for c in header.columns[1].cells for p in c.paragraphs]
    organiser = _find(left, "ỦY BAN NHÂN DÂN")
    assert organiser.text.replace("\n", " ") == "ỦY BAN NHÂN DÂN XÃ GIAO MINH"
    for run in _runs_with_text(organiser):
        assert run.bold and run.font.size == Pt(13)
    assert _find(left, "Số: 05/BB-UBND").runs[0].font.size == Pt(13)

    national = _find(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    for run in _runs_with_text(national):
        assert run.bold and run.font.size == Pt(13)
    motto = _find(right, "Độc lập - Tự do - Hạnh phúc")
    for run in _runs_with_text(motto):
        assert run.bold and run.font.size == Pt(14)
    # the rule beneath the motto: an underline or a bordered paragraph right after it
    idx = right.index(motto)
    underlined = all(r.underline for r in _runs_with_text(motto))
    assert underlined or has_bottom_border(right[idx + 1]) or has_bottom_border(motto)
    date_line = _find(right, "Giao Minh, ngày 28 tháng 11 năm 2025")
    for run in _runs_with_text(date_line):
        assert run.italic and run.font.size == Pt(14)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in full_text(state)


# --- page and fonts -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["party", "state"])
def test_page_is_a4_with_decree_margins(fmt, party, state):
    doc = party if fmt == "party" else state
    for s in doc.sections:
        assert abs(s.page_width - Mm(210)) < Mm(1) and abs(s.page_height - Mm(297)) < Mm(1)
        assert Mm(20) - Mm(0.1) <= s.top_margin <= Mm(25) + Mm(0.1)
        assert Mm(20) - Mm(0.1) <= s.bottom_margin <= Mm(25) + Mm(0.1)
        assert Mm(30) - Mm(0.1) <= s.left_margin <= Mm(35) + Mm(0.1)
        assert Mm(15) - Mm(0.1) <= s.right_margin <= Mm(20) + Mm(0.1)


@pytest.mark.parametrize("fmt", ["party", "state"])
def test_times_new_roman_everywhere(fmt, party, state):
    doc = party if fmt == "party" else state
    normal = doc.styles["Normal"]
    assert normal.font.name == TNR
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert rfonts.get(qn(attr)) == TNR
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    d_fonts = defaults.find(qn("w:rFonts"))
    assert d_fonts.get(qn("w:eastAsia")) == TNR and d_fonts.get(qn("w:ascii")) == TNR
    assert d_fonts.get(qn("w:eastAsiaTheme")) is None and d_fonts.get(qn("w:asciiTheme")) is None
    for p in all_paragraphs(doc):
        for run in p.runs:
            if run.text.strip():
                assert effective(run, p, "name") == TNR, (p.text, p.style.name)


@pytest.mark.parametrize("fmt", ["party", "state"])
def test_body_is_13_to_14_pt(fmt, party, state):
    doc = party if fmt == "party" else state
    body_paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    titles = {"BIÊN BẢN"}
    assert body_paragraphs
    seen_body = 0
    for p in body_paragraphs:
        for run in _runs_with_text(p):
            size = effective(run, p, "size")
            if p.text in titles:
                assert Pt(14) <= size <= Pt(16)
            else:
                assert Pt(13) <= size <= Pt(14), (p.text, size)
                seen_body += 1
    assert seen_body > 20


def test_title_and_subtitle(party, state):
    for doc, title_size in ((party, Pt(15)), (state, Pt(14))):
        paragraphs = doc.paragraphs
        title = _find(paragraphs, "BIÊN BẢN")
        assert title.text == "BIÊN BẢN"
        assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER or title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert all(r.bold for r in _runs_with_text(title)) and title.runs[0].font.size == title_size
        sub = paragraphs[paragraphs.index(title) + 1]
        assert sub.text.startswith("Hội nghị đối thoại giữa người đứng đầu cấp ủy")
        assert all(r.bold for r in _runs_with_text(sub))


# --- content ----------------------------------------------------------------------------

def test_time_place_attendance_chairs(party):
    text = full_text(party)
    assert "Vào hồi 08 giờ 00 phút, ngày 28 tháng 11 năm 2025" in text
    assert "Hội trường Trụ sở Đảng ủy xã Giao Minh" in text
    assert "Đồng chí Vũ Xuân Thủy, Bí thư Đảng ủy" in text
    assert "Bí thư chi bộ, trưởng thôn/xóm: 40 người" in text
    assert "Đại diện Nhân dân: 140 người" in text
    assert "Tổng số đại biểu dự hội nghị: 200 người" in text
    assert "Đồng chủ trì hội nghị" in text
    assert "Nguyễn Văn Tâm, Phó Bí thư Đảng ủy, Chủ tịch UBND xã" in text
    assert "Thư ký hội nghị: Đồng chí Trần Thị Hương, Chánh Văn phòng Đảng ủy" in text
    # programme with times
    assert "Thông qua chương trình, giới thiệu chủ trì, cử thư ký (08 giờ 10 phút)" in text
    assert "Hội nghị kết thúc vào hồi 11 giờ 30 phút cùng ngày" in text


def test_interventions_in_order_with_answers(party):
    paragraphs = [p.text for p in party.paragraphs]
    text = "\n".join(paragraphs)
    assert "NỘI DUNG" in text and "KẾT LUẬN CỦA CHỦ TRÌ" in text
    content_start = next(i for i, t in enumerate(paragraphs) if t.endswith("NỘI DUNG"))
    conclusion_start = next(i for i, t in enumerate(paragraphs) if t.endswith("KẾT LUẬN CỦA CHỦ TRÌ"))
    heads = [i for i, t in enumerate(paragraphs) if t.startswith("Ý kiến ")]
    assert len(heads) == len(SCRIPT)
    assert content_start < heads[0] and heads[-1] < conclusion_start
    items = make_interventions()
    bounds = heads + [conclusion_start]
    for k, item in enumerate(items):
        head = paragraphs[bounds[k]]
        block = "\n".join(paragraphs[bounds[k]: bounds[k + 1]])
        assert head.startswith(f"Ý kiến {k + 1} (phiếu số {item.ticket}): ")
        hon = item.honorific or "Ông/Bà"
        assert f"{hon} {item.speaker} – {item.locality}, lĩnh vực " in head
        assert item.summary[:40] in block
        assert f"Đơn vị trả lời: {item.answer_unit}" in block
        if item.answer_mode == "hall":
            assert "Hình thức: Trả lời trực tiếp tại hội nghị" in block
            assert item.answerer in block
            assert "Nội dung trả lời: Đồng chí Trưởng phòng đã giải thích" in block
        elif item.answer_mode == "writing":
            assert "Trả lời bằng văn bản trước ngày 15/12/2025" in block
        else:
            assert "Chuyển cấp có thẩm quyền: UBND tỉnh Ninh Bình" in block
    assert "(cùng kiến nghị: Lê Văn Minh, Hoàng Văn Nam)" in text
    # speaking times to the minute
    assert "(08 giờ 40 phút – 08 giờ 43 phút)" in text
    # the conclusion text, after the heading
    conclusion = "\n".join(paragraphs[conclusion_start:])
    assert "Đảng ủy ghi nhận, đánh giá cao các ý kiến" in conclusion


def test_signature_block(party, state):
    for doc in (party, state):
        sig = doc.tables[-1]
        left, right = sig.rows[0].cells
        left_p = [p for p in left.paragraphs]
        right_p = [p for p in right.paragraphs]
        assert left_p[0].text == "THƯ KÝ" and all(r.bold for r in _runs_with_text(left_p[0]))
        assert "CHỦ TRÌ" in right_p[0].text and all(r.bold for r in _runs_with_text(right_p[0]))
        for ps in (left_p, right_p):
            hint = _find(ps, "(Ký, ghi rõ họ tên)")
            assert all(r.italic for r in _runs_with_text(hint))
            # space to sign, then the name in bold
            blanks = [p for p in ps[ps.index(hint) + 1:-1] if not p.text.strip()]
            assert len(blanks) >= 3
        assert left_p[-1].text == "Trần Thị Hương" and all(r.bold for r in left_p[-1].runs)
        assert right_p[-1].text == "Vũ Xuân Thủy" and all(r.bold for r in right_p[-1].runs)
        # the signature block is the last thing in the document
        assert doc.element.body[-2] is sig._tbl


def test_single_chair_caption():
    meeting = make_meeting("state")
    meeting.chairs = meeting.chairs[:1]
    doc = open_docx(build_minutes_docx(meeting, make_interventions(2)))
    right = doc.tables[-1].rows[0].cells[1]
    assert right.paragraphs[0].text == "CHỦ TRÌ HỘI NGHỊ"
    assert "Chủ trì hội nghị: Đồng chí Vũ Xuân Thủy" in full_text(doc)


def test_page_numbers_from_second_page(party):
    section = party.sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in "".join(section.header._element.itertext())


# --- personal data and hostile text ---------------------------------------------------------

@pytest.mark.parametrize("fmt", ["party", "state"])
def test_no_phone_numbers(fmt, party_bytes, state_bytes):
    data = party_bytes if fmt == "party" else state_bytes
    xml = all_xml_text(data)
    assert not PHONE_RE.search(xml)
    assert not LOOSE_PHONE_RE.search(xml)
    text = full_text(open_docx(data))
    assert "[số điện thoại đã ẩn]" in text  # the ones typed into the content


def test_hostile_text_is_cleaned():
    meeting = make_meeting("party")
    meeting.title = "Đối thoại\x00 năm 2025\x1b"
    meeting.conclusion = "Kết luận <b>in đậm</b> & \"trích dẫn\"\x07\r\nDòng hai\x0b"
    items = make_interventions(2)
    items[0].speaker = "Nguyễn\x01 Văn Hùng"
    items[0].summary = "<script>alert('x')</script>\x00 nội dung\ufffe thật\r\ndòng 2"
    items[1].co_signers = ["Lê\x08 Văn A", ""]
    items[1].answer_summary = "Trả lời\x0c"
    # decomposed Vietnamese (combining marks) comes out composed
    items[1].locality = "Xo\u0301m 7"
    data = build_minutes_docx(meeting, items)
    text = full_text(open_docx(data))
    assert "Hội nghị đối thoại năm 2025" in text
    assert "<script>alert('x')</script> nội dung thật" in text
    assert "Kết luận <b>in đậm</b> & \"trích dẫn\"" in text
    assert "Nguyễn Văn Hùng" in text and "(cùng kiến nghị: Lê Văn A)" in text
    assert "Xóm 7" in text
    for bad in ("\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\ufffe"):
        assert bad not in text


@pytest.mark.parametrize("fmt", ["party", "state"])
def test_minimal_draft_builds(fmt):
    """A meeting with almost nothing filled in still gives a usable draft."""
    meeting = DocMeeting(title="Đối thoại với Nhân dân", doc_format=fmt)
    doc = open_docx(build_minutes_docx(meeting, []))
    text = full_text(doc)
    assert "BIÊN BẢN" in text
    assert "ngày …… tháng …… năm ……" in text
    assert "Vào hồi …… giờ …… phút" in text
    assert "Không có ý kiến phát biểu, kiến nghị." in text
    assert ("-BB/" if fmt == "party" else "/BB-") in doc.tables[0].rows[-1].cells[0].text

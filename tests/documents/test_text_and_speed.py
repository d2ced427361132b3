"""clean_text, phone redaction, dates, and build speed."""

from __future__ import annotations

import time
import unicodedata
from datetime import date, datetime

import pytest

from moderator.documents import (
    build_conclusion_docx,
    build_minutes_docx,
    build_summary_xlsx,
    clean_text,
    redact_phones,
)
from moderator.documents.text import body_name, dmy, lower_first, place_date_line, vn_long_date, vn_time

from ._helpers import make_interventions, make_meeting, make_summary_rows, open_docx


def test_clean_text_removes_what_xml_cannot_hold():
    raw = "a\x00b\x01c\x08d\x0be\x0cf\x0eg\x1fh\x7fi\ufffej\uffffk\ud800l"
    assert clean_text(raw) == "abcdefghijkl"
    assert clean_text(None) == ""
    assert clean_text(12) == "12"
    assert clean_text("  hai   khoảng\t trắng  ") == "hai khoảng trắng"
    assert clean_text("dòng 1\r\ndòng 2\rdòng 3") == "dòng 1\ndòng 2\ndòng 3"
    assert clean_text("dòng 1\n\n\n\ndòng 2") == "dòng 1\n\ndòng 2"
    assert clean_text("dòng 1\ndòng 2", multiline=False) == "dòng 1 dòng 2"
    assert clean_text("<script>x</script>") == "<script>x</script>"


@pytest.mark.parametrize("capitals, running", [
    ("ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", "Ủy ban nhân dân tỉnh Ninh Bình"),
    ("ĐẢNG BỘ TỈNH NINH BÌNH", "Đảng bộ tỉnh Ninh Bình"),
    ("ĐẢNG ỦY XÃ GIAO MINH", "Đảng ủy xã Giao Minh"),
    ("TỈNH ỦY THÁI NGUYÊN", "Tỉnh ủy Thái Nguyên"),
    ("UBND THÀNH PHỐ THÁI NGUYÊN", "UBND thành phố Thái Nguyên"),
    ("ỦY BAN MTTQ VIỆT NAM XÃ GIAO MINH", "Ủy ban MTTQ Việt Nam xã Giao Minh"),
])
def test_body_names_in_running_text(capitals, running):
    assert body_name(capitals) == running
    assert body_name(running) == running


def test_lower_first_keeps_acronyms():
    assert [lower_first(t) for t in ("Đất đai", "Y tế", "OCOP", "HĐND xã", "")] == \
        ["đất đai", "y tế", "OCOP", "HĐND xã", ""]


def test_clean_text_composes_vietnamese():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng")
    assert decomposed != "Nguyễn Thị Hồng"
    assert clean_text(decomposed) == "Nguyễn Thị Hồng"


@pytest.mark.parametrize("typed", [
    "0912000101", "0912 000 101", "0912.000.101", "091-200-0101", "+84912000101", "+84 912 000 101",
    "84912000101", "(+84) 912 000 101", "0243 123 4567", "02431234567",
])
def test_redact_phones(typed):
    assert redact_phones(f"gọi {typed} nhé") == "gọi [số điện thoại đã ẩn] nhé"


@pytest.mark.parametrize("kept", [
    "năm 2025", "thửa đất số 123", "số tiền 15000000 đồng", "CCCD 036085001234", "ngày 28/11/2025",
    "0123456789",  # 01x is not a current prefix
])
def test_redact_phones_keeps_other_numbers(kept):
    assert redact_phones(kept) == kept


def test_dates_and_times():
    assert vn_long_date(date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert vn_long_date(date(2025, 11, 28)) == "ngày 28 tháng 11 năm 2025"
    assert vn_long_date(date(2025, 3, 9)) == "ngày 09 tháng 3 năm 2025"
    assert place_date_line("Giao Minh", date(2025, 11, 28)) == "Giao Minh, ngày 28 tháng 11 năm 2025"
    assert vn_time(datetime(2025, 11, 28, 8, 5)) == "08 giờ 05 phút"
    assert dmy(date(2025, 12, 1)) == "01/12/2025"


def test_150_interventions_build_fast():
    meeting = make_meeting("party")
    items = make_interventions(150)
    rows = make_summary_rows(150)
    t0 = time.perf_counter()
    minutes = build_minutes_docx(meeting, items)
    xlsx = build_summary_xlsx(meeting.title, rows, include_phone=True)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"minutes + summary for 150 opinions took {elapsed:.3f} s"
    t0 = time.perf_counter()
    build_conclusion_docx(meeting, items)
    assert time.perf_counter() - t0 < 1.0
    doc = open_docx(minutes)
    heads = [p.text for p in doc.paragraphs if p.text.startswith("Ý kiến ")]
    assert len(heads) == 150
    assert heads[-1].startswith("Ý kiến 150 ")
    assert xlsx[:2] == b"PK"

"""The summary table (.xlsx) and the generic table helper."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from moderator.documents import SummaryRow, build_summary_xlsx, build_xlsx_table

from ._helpers import FORWARD_DEADLINE, PHONE_RE, SCRIPT, WRITING_DEADLINE, make_summary_rows

HEADERS = ["STT", "Người kiến nghị", "Địa phương / Đơn vị", "Lĩnh vực", "Nội dung", "Đơn vị trả lời",
           "Hình thức trả lời", "Thời hạn", "Trạng thái", "Nguồn", "Số phiếu"]
TITLE = "Hội nghị đối thoại với Nhân dân xã Giao Minh năm 2025"


def _load(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@pytest.fixture(scope="module")
def sheet():
    return _load(build_summary_xlsx(TITLE, make_summary_rows()))


@pytest.fixture(scope="module")
def sheet_with_phone():
    return _load(build_summary_xlsx(TITLE, make_summary_rows(), include_phone=True))


def _values(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_title_and_headers(sheet):
    rows = _values(sheet)
    assert TITLE in rows[0][0]
    assert rows[1] == HEADERS
    assert sheet["A1"].font.bold
    assert all(c.font.bold for c in sheet[2])
    assert "A1:K1" in [str(r) for r in sheet.merged_cells.ranges]


def test_rows(sheet):
    rows = _values(sheet)[2:]
    assert len(rows) == len(SCRIPT)
    for k, (row, script) in enumerate(zip(rows, SCRIPT), 1):
        speaker, _hon, loc, field, _content, _phone, unit, mode, _level = script
        assert row[0] == k
        assert row[1:4] == [speaker, loc, field]
        assert row[5] == unit
        assert row[8] == ("Đã trả lời" if mode == "hall" else "Đang xử lý")
        assert row[9] in ("Phiếu giấy", "Điện thoại (QR)")
        assert row[10] == 12 + 3 * (k - 1)   # the ticket the conclusion notice cites
    assert rows[1][4].startswith("Các hộ bị thu hồi đất")


def test_dates_are_real_dates(sheet):
    deadlines = {c.row: c for c in sheet["H"][2:]}
    writing = [c for c in deadlines.values() if c.value is not None and c.value.date() == WRITING_DEADLINE]
    forward = [c for c in deadlines.values() if c.value is not None and c.value.date() == FORWARD_DEADLINE]
    assert writing and forward
    for c in writing + forward:
        assert isinstance(c.value, datetime)
        assert c.number_format == "dd/mm/yyyy"
        assert c.is_date
    assert sheet["H3"].value is None  # answered in the hall: no deadline


def test_layout(sheet):
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:K{2 + len(SCRIPT)}"
    assert sheet["E3"].alignment.wrap_text
    assert sheet.column_dimensions["E"].width >= 40  # the content column is wide
    assert sheet.column_dimensions["A"].width <= 8
    assert sheet["B3"].font.name == "Times New Roman"


def test_phone_column_only_when_asked(sheet, sheet_with_phone):
    assert "Số điện thoại" not in _values(sheet)[1]
    everything = " ".join(str(v) for row in _values(sheet) for v in row if v is not None)
    assert not PHONE_RE.search(everything)
    assert "[số điện thoại đã ẩn]" in everything  # numbers typed into the content are masked too

    rows = _values(sheet_with_phone)
    assert rows[1] == HEADERS + ["Số điện thoại"]
    phones = [r[11] for r in rows[2:]]
    assert phones == [s[5] for s in SCRIPT]
    assert all(isinstance(p, str) and p.startswith("0") for p in phones)  # text, leading zero kept
    assert sheet_with_phone.auto_filter.ref == f"A2:L{2 + len(SCRIPT)}"


def test_hostile_text():
    rows = [SummaryRow(no=1, requester="=HYPERLINK(\"http://x\",\"bấm\")", locality="Xóm\x00 1",
                       field="Đất đai\x1f", content="<b>đậm</b>\x0b nội dung", unit="", mode="", deadline=None,
                       status="", phone=None, source="")]
    ws = _load(build_summary_xlsx("Bảng\x07", rows))
    assert ws["B3"].value == "=HYPERLINK(\"http://x\",\"bấm\")"
    assert ws["B3"].data_type == "s"  # stored as text, never run as a formula
    assert ws["C3"].value == "Xóm 1"
    assert ws["D3"].value == "Đất đai"
    assert ws["E3"].value == "<b>đậm</b> nội dung"


def test_generic_table_helper():
    data = build_xlsx_table(
        "Theo dõi kiến nghị",
        ["Mã", "Hạn", "Cập nhật", "Ghi chú"],
        [[1, date(2026, 1, 5), datetime(2026, 1, 2, 14, 30), "Đã gửi\x00 văn bản"], [2, None, None, None]],
    )
    ws = _load(data)
    rows = _values(ws)
    assert rows[0][0] == "Theo dõi kiến nghị"
    assert rows[1] == ["Mã", "Hạn", "Cập nhật", "Ghi chú"]
    assert ws["B3"].number_format == "dd/mm/yyyy" and ws["B3"].value.date() == date(2026, 1, 5)
    assert ws["C3"].number_format == "dd/mm/yyyy hh:mm"
    assert ws["D3"].value == "Đã gửi văn bản"
    assert rows[3] == [2, None, None, None]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:D4"
    assert all(ws.column_dimensions[c].width >= 6 for c in "ABCD")

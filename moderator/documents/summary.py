"""Spreadsheets: the summary table of recommendations and a generic table helper."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from functools import cache
from types import SimpleNamespace

from ..domain.cells import csv_cell, looks_like_formula
from .data import SummaryRow
from .text import clean_text, redact_phones

FONT_NAME = "Times New Roman"
EXCEL_CELL_LIMIT = 32767
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"

SUMMARY_HEADERS = [
    "STT",
    "Người kiến nghị",
    "Địa phương / Đơn vị",
    "Lĩnh vực",
    "Nội dung",
    "Đơn vị trả lời",
    "Hình thức trả lời",
    "Thời hạn",
    "Trạng thái",
    "Nguồn",
    "Số phiếu",
]
PHONE_HEADER = "Số điện thoại"
SATISFACTION_HEADER = "Đánh giá của người kiến nghị"
SATISFACTION_WIDTH = 22
SUMMARY_WIDTHS = [6, 24, 20, 16, 60, 24, 22, 12, 16, 14, 9]
PHONE_WIDTH = 15


@cache
def _styles() -> SimpleNamespace:
    """openpyxl (~200 modules, ~12 MB) is imported by the first spreadsheet built, not with this module: the CSV
    helper and the admin screens import it, and a hall server that never exports should not carry openpyxl."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    return SimpleNamespace(
        border=Border(left=thin, right=thin, top=thin, bottom=thin),
        title_font=Font(name=FONT_NAME, size=14, bold=True),
        head_font=Font(name=FONT_NAME, size=12, bold=True),
        cell_font=Font(name=FONT_NAME, size=12),
        head_fill=PatternFill("solid", fgColor="DDE4EE"),
        wrap_top=Alignment(wrap_text=True, vertical="top"),
        center_top=Alignment(wrap_text=True, vertical="top", horizontal="center"),
        head_align=Alignment(wrap_text=True, vertical="center", horizontal="center"),
        title_align=Alignment(horizontal="center", vertical="center", wrap_text=True),
    )


def _cell_value(value: object) -> object:
    """What goes in a cell: numbers and dates as such, everything else as clean text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, (int, float, date, datetime, time)):
        return value
    text = clean_text(value)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    return text


def _put(ws, row: int, column: int, value: object):
    """Write one cell; text a spreadsheet could take for a formula stays text (domain/cells.py says why)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _auto_widths(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[float]:
    widths = []
    for col, header in enumerate(headers):
        longest = len(str(header))
        for row in rows[:500]:
            if col < len(row):
                v = row[col]
                if isinstance(v, datetime):
                    n = 16
                elif isinstance(v, date):
                    n = 10
                elif v is None:
                    n = 0
                else:
                    n = max((len(part) for part in str(v).split("\n")), default=0)
                longest = max(longest, n)
        widths.append(float(min(60, max(6, longest + 2))))
    return widths


def _row_height(values: Sequence[object], widths: Sequence[float], font_size: float) -> float:
    """Points needed to show every wrapped value of a row: lines x line height.
    A column of width w holds about 1.35 w characters of 12 pt Times New Roman."""
    lines = 1
    scale = 12.0 / font_size
    for value, width in zip(values, widths):
        if not isinstance(value, str) or not value:
            continue
        per_line = max(1, int((width - 1) * 1.35 * scale))
        n = sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))
        lines = max(lines, n)
    return round(min(409.0, lines * font_size * 1.3 + 4), 1)


def build_xlsx_table(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    widths: Sequence[float] | None = None,
    sheet_name: str = "Tổng hợp",
    center_columns: Sequence[int] = (),
) -> bytes:
    """A one-sheet workbook: a title row, a header row, then ``rows``.

    Text is cleaned (characters XML cannot hold removed) and never taken as a
    formula (domain/cells.py: quote-prefixed string cells); ``date``/``datetime`` values are real dates shown dd/mm/yyyy
    (dd/mm/yyyy hh:mm). The header is frozen and has an autofilter; cells wrap;
    column widths are ``widths`` or worked out from the content. Printing is
    A4 landscape, one page wide, the header repeated on every page.
    ``center_columns`` are 0-based columns to centre (numbers, dates).
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    st = _styles()
    headers = [clean_text(h, multiline=False) for h in headers]
    ncols = len(headers)
    data = [[_cell_value(v) for v in row] for row in rows]

    wb = Workbook()
    ws = wb.active
    ws.title = (clean_text(sheet_name, multiline=False) or "Sheet1")[:31].translate(
        {ord(c): "-" for c in "[]:*?/\\"}
    )
    last_col = get_column_letter(max(ncols, 1))

    title_cell = _put(ws, 1, 1, clean_text(title, multiline=False))
    title_cell.font = st.title_font
    title_cell.alignment = st.title_align
    if ncols > 1:
        ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 36

    for c in range(1, ncols + 1):
        cell = _put(ws, 2, c, headers[c - 1])
        cell.font = st.head_font
        cell.alignment = st.head_align
        cell.fill = st.head_fill
        cell.border = st.border

    centred = set(center_columns)
    for r, row in enumerate(data, start=3):
        for c, value in enumerate(row[:ncols], start=1):
            cell = _put(ws, r, c, value)
            if isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            cell.font = st.cell_font
            cell.border = st.border
            cell.alignment = st.center_top if (c - 1) in centred or isinstance(value, (date, datetime)) else st.wrap_top

    col_widths = list(widths) if widths is not None else _auto_widths(headers, data)
    col_widths += [10.0] * (ncols - len(col_widths))
    for c, w in enumerate(col_widths[:ncols], start=1):
        ws.column_dimensions[get_column_letter(c)].width = w
    # Row heights for the wrapped text. Excel fits rows without a stored height
    # itself, LibreOffice does not: store an estimate.
    ws.row_dimensions[2].height = _row_height(headers, col_widths, st.head_font.sz)
    for r, row in enumerate(data, start=3):
        ws.row_dimensions[r].height = _row_height(row, col_widths, st.cell_font.sz)

    last_row = 2 + len(data)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last_col}{last_row}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6

    wb.properties.creator = "Moderator"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def build_csv_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Vietnamese), numbers as numbers,
    text that could run as a formula defused (domain/cells.py)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def build_summary_xlsx(meeting_title: str, rows: Sequence[SummaryRow], include_phone: bool = False) -> bytes:
    """The summary table of all recommendations for follow-up.

    Columns: STT, Người kiến nghị, Địa phương / Đơn vị, Lĩnh vực, Nội dung,
    Đơn vị trả lời, Hình thức trả lời, Thời hạn, Trạng thái, Nguồn, Số phiếu
    (the ticket the conclusion notice cites), and
    "Số điện thoại" only when ``include_phone`` (for staff who call people
    back). Without it, phone numbers typed inside the free text are masked too.
    """
    headers = list(SUMMARY_HEADERS)
    widths = list(SUMMARY_WIDTHS)
    # The ratings column appears once someone has rated an answer (after the meeting).
    rated = any(row.satisfaction for row in rows)
    if rated:
        headers.append(SATISFACTION_HEADER)
        widths.append(SATISFACTION_WIDTH)
    if include_phone:
        headers.append(PHONE_HEADER)
        widths.append(PHONE_WIDTH)

    def text(value: object) -> str:
        cleaned = clean_text(value)
        return cleaned if include_phone else redact_phones(cleaned)

    table = []
    for row in rows:
        line: list[object] = [
            row.no,
            text(row.requester),
            text(row.locality),
            text(row.field),
            text(row.content),
            text(row.unit),
            text(row.mode),
            row.deadline if isinstance(row.deadline, (date, datetime)) else (text(row.deadline) or None),
            text(row.status),
            text(row.source),
            row.ticket,
        ]
        if rated:
            line.append(text(row.satisfaction))
        if include_phone:
            line.append(clean_text(row.phone, multiline=False))
        table.append(line)

    title = clean_text(meeting_title, multiline=False)
    full_title = f"BẢNG TỔNG HỢP Ý KIẾN, KIẾN NGHỊ – {title}" if title else "BẢNG TỔNG HỢP Ý KIẾN, KIẾN NGHỊ"
    return build_xlsx_table(full_title, headers, table, widths=widths, center_columns=(0, 7, 10))

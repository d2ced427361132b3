"""Import of pre-collected recommendations (.xlsx or .csv): read → map columns → validate → write.

Reading and validation are pure (no database); `write_items` files every item in ONE unit of work, so an
import either lands whole or not at all. Items reach the chair's inbox as source "precollected".
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from ..db.models import Field, Request, Unit, utcnow
from ..domain.labels import N_
from ..domain.enums import Jurisdiction, Source, Status, SubmitterKind
from ..domain.errors import DomainError
from ..domain.phone import PhoneError, normalize_phone
from ..domain.roles import require
from ..domain.spelling import comparison_key
from .offload import off_loop
from .uow import Actor, UnitOfWork

# Bounds checked BEFORE a file is parsed (an .xlsx is a zip: 40 KB can inflate to 300 MB), so that no upload can
# exhaust the server. A real list of 2,000 recommendations is well inside every one of them.
MAX_ROWS = 2000                          # data rows
MAX_COLUMNS = 50
MAX_CELL_CHARS = 10_000                  # the longest field kept (a prepared answer)
MAX_BYTES = 5 * 1024 * 1024              # the upload itself
MAX_UNPACKED_BYTES = 50 * 1024 * 1024    # all parts of the .xlsx once inflated
MAX_PART_BYTES = 30 * 1024 * 1024        # one part (the sheet, the shared strings) once inflated
MAX_PARTS = 500
_CHUNK = 1024 * 1024

# Target column -> (label shown to the organiser, header words that suggest it).
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "full_name": (N_("Họ và tên / tên tổ chức"), ("họ và tên", "họ tên", "full_name", "name", "người kiến nghị",
                                              "tên")),
    "content": (N_("Nội dung ý kiến, kiến nghị"), ("nội dung", "content", "kiến nghị", "ý kiến")),
    "kind": (N_("Loại phiếu (Nhân dân / tổ chức)"), ("loại", "kind", "đối tượng")),
    "phone": (N_("Số điện thoại"), ("điện thoại", "số điện thoại", "sđt", "phone")),
    "address": (N_("Địa chỉ liên hệ"), ("địa chỉ", "address")),
    "locality": (N_("Thôn, xóm (được công khai)"), ("thôn", "xóm", "locality", "tổ dân phố")),
    "organization": (N_("Cơ quan, tổ chức"), ("cơ quan", "tổ chức", "organization", "đơn vị công tác")),
    "position": (N_("Chức vụ"), ("chức vụ", "position")),
    "field": (N_("Lĩnh vực"), ("lĩnh vực", "field")),
    "unit": (N_("Đơn vị trả lời"), ("đơn vị trả lời", "cơ quan trả lời", "unit", "suggested_unit")),
    "prepared_answer": (N_("Nội dung trả lời đã chuẩn bị"), ("trả lời", "prepared_answer", "answer")),
    "jurisdiction": (N_("Thẩm quyền"), ("thẩm quyền", "jurisdiction", "cấp")),
    "wants_to_speak": (N_("Đăng ký phát biểu"), ("phát biểu", "wants_to_speak")),
}
REQUIRED = ("content",)

JURISDICTIONS = {"xã": "commune", "cấp xã": "commune", "phường": "commune", "commune": "commune",
                 "tỉnh": "province", "cấp tỉnh": "province", "thành phố": "province", "province": "province",
                 "trung ương": "central", "central": "central", "ngoài": "outside", "outside": "outside",
                 "ngoài hệ thống": "outside"}
KINDS = {"citizen": "citizen", "nhân dân": "citizen", "công dân": "citizen", "người dân": "citizen",
         "organization": "organization", "tổ chức": "organization", "cơ quan": "organization",
         "cơ quan, tổ chức": "organization", "đảng viên": "organization", "cán bộ": "organization",
         "doanh nghiệp": "organization"}
YES = {"yes", "có", "co", "x", "1", "true", "đúng"}
NO = {"no", "không", "khong", "0", "false", ""}


class ImportError_(DomainError):
    status = 400


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]          # data rows, already as text
    row_numbers: list[int]         # the spreadsheet's row number of each (as the person sees it)


@dataclass
class Item:
    row: int
    kind: str
    full_name: str
    content: str
    phone: str | None = None
    address: str | None = None
    locality: str = ""
    organization: str = ""
    position: str = ""
    field_id: int | None = None
    unit_id: int | None = None
    prepared_answer: str = ""
    jurisdiction: str | None = None
    wants_to_speak: bool = True


@dataclass
class RowError:
    row: int
    reasons: list[tuple[str, dict]]
    preview: str = ""


@dataclass
class Checked:
    items: list[Item] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped_empty: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


def norm(text: str) -> str:
    """The comparison form (domain/spelling.py): "Hoà" and "Hòa", precomposed or not, are one name."""
    return comparison_key(str(text or ""))


# The lookup tables in the same comparison form as what they are looked up with.
JURISDICTIONS = {norm(k): v for k, v in JURISDICTIONS.items()}
KINDS = {norm(k): v for k, v in KINDS.items()}
YES, NO = {norm(w) for w in YES}, {norm(w) for w in NO}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        s = str(value)
        # Excel drops the leading 0 of a phone number stored as a number: 912345678 -> 0912345678.
        return "0" + s if len(s) == 9 and s[0] in "35789" or len(s) == 10 and s.startswith("2") else s
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value)).strip()


def jurisdiction_of(text: str) -> str | None:
    """"xã", "cấp tỉnh", "Trung ương", "ngoài hệ thống hành chính" (or the stored values) -> the stored value."""
    v = norm(text)
    if v in JURISDICTIONS:
        return JURISDICTIONS[v]
    for word, value in (("ngoài", "outside"), ("trung ương", "central"), ("tỉnh", "province"),
                        ("thành phố", "province"), ("xã", "commune"), ("phường", "commune")):
        if word in v:
            return value
    return None


def column_letter(n: int) -> str:
    """Spreadsheet column name of the 1-based column ``n``: 1 -> A, 26 -> Z, 27 -> AA (as openpyxl's
    get_column_letter, without importing openpyxl for a CSV file)."""
    name = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


def read_upload(data: bytes, filename: str) -> "Table":
    """``read_table`` off the event loop: the hall keeps working while a spreadsheet is parsed."""
    if (filename or "").lower().endswith(".xlsx"):
        # openpyxl is imported on first use (~12 MB a hall server that never imports need not hold), and here, on
        # the loop's thread: the import machinery's locks are green under eventlet, not for a tpool thread.
        import openpyxl  # noqa: F401
    return off_loop(read_table, data, filename)


def read_table(data: bytes, filename: str) -> Table:
    """Read the first sheet of an .xlsx, or a .csv (UTF-8, comma/semicolon/tab); the first non-empty row is
    the header. Every bound above is checked before or while reading, never after."""
    name = (filename or "").lower()
    if len(data) > MAX_BYTES:
        raise ImportError_("file_too_large", "Tệp lớn quá %(limit)s MB.", limit=MAX_BYTES // (1024 * 1024))
    if not data:
        raise ImportError_("file_empty", "Tệp trống.")
    if name.endswith(".xlsx"):
        raw = _read_xlsx(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        raw = _read_csv(data)
    else:
        raise ImportError_("file_type", "Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv).")
    numbered = [(n, [_cell_text(c) for c in r]) for n, r in raw]
    numbered = [(n, r) for n, r in numbered if any(r)]
    if not numbered:
        raise ImportError_("file_empty", "Tệp không có dòng dữ liệu nào.")
    (_, headers), body = numbered[0], numbered[1:]
    width = max([len(headers)] + [len(r) for _, r in body])
    headers = [h or f"Cột {i + 1}" for i, h in enumerate(headers + [""] * (width - len(headers)))]
    return Table(headers, [r + [""] * (width - len(r)) for _, r in body], [n for n, _ in body])


class _Rows:
    """Collects (row number, cells) and refuses the file as soon as it passes a bound."""

    def __init__(self):
        self.rows: list[tuple[int, list]] = []
        self.filled = 0

    def add(self, number: int, cells) -> None:
        cells = list(cells)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if not cells:
            return
        if len(cells) > MAX_COLUMNS:
            raise ImportError_("too_many_columns", "Tệp có quá %(limit)s cột (dòng %(row)s); hãy bỏ các cột thừa.",
                               limit=MAX_COLUMNS, row=number)
        for i, value in enumerate(cells):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise ImportError_("cell_too_long", "Ô %(cell)s dài quá %(limit)s ký tự.",
                                   cell=f"{column_letter(i + 1)}{number}", limit=MAX_CELL_CHARS)
        self.filled += 1
        if self.filled > MAX_ROWS + 1:   # + the header row
            raise ImportError_("too_many_rows", "Tệp có quá %(limit)s dòng; hãy chia thành nhiều tệp.",
                               limit=MAX_ROWS)
        self.rows.append((number, cells))


def _not_xlsx() -> ImportError_:
    return ImportError_("file_unreadable", "Không đọc được tệp Excel; hãy lưu lại dưới dạng .xlsx.")


def check_xlsx_container(data: bytes) -> None:
    """Bound the zip before any XML is parsed: number of parts, each part's and the total inflated size (as
    the central directory declares them AND as they really inflate), no DTD (entity expansion: billion laughs),
    XML in UTF-8 only (so that the DTD check cannot be dodged)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise _not_xlsx() from e
    mb = 1024 * 1024
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise ImportError_("xlsx_too_many_parts", "Tệp Excel có quá %(limit)s thành phần bên trong.",
                               limit=MAX_PARTS)
        if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES or \
                any(p.file_size > MAX_PART_BYTES for p in parts):
            raise ImportError_("xlsx_too_large_unpacked",
                               "Tệp Excel khi giải nén lớn quá %(limit)s MB (hoặc một phần lớn quá %(part)s MB).",
                               limit=MAX_UNPACKED_BYTES // mb, part=MAX_PART_BYTES // mb)
        total = 0
        for part in parts:
            is_xml = part.filename.endswith((".xml", ".rels"))
            size, tail, first = 0, b"", True
            try:
                with archive.open(part) as stream:
                    while chunk := stream.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if size > MAX_PART_BYTES or total > MAX_UNPACKED_BYTES:
                            raise ImportError_(
                                "xlsx_too_large_unpacked",
                                "Tệp Excel khi giải nén lớn quá %(limit)s MB (hoặc một phần lớn quá %(part)s MB).",
                                limit=MAX_UNPACKED_BYTES // mb, part=MAX_PART_BYTES // mb)
                        if is_xml:
                            if first and (chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:4]):
                                raise _not_xlsx()
                            window = tail + chunk
                            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                                raise ImportError_("xlsx_dtd", "Tệp Excel chứa khai báo DTD/ENTITY không được phép.")
                            tail = window[-16:]
                        first = False
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError,
                    RuntimeError, ValueError) as e:   # bad CRC, encrypted, unknown compression, truncated
                raise _not_xlsx() from e


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    check_xlsx_container(data)
    from openpyxl import load_workbook   # on use (read_upload imported it already on the loop's thread)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any broken file is the user's input, not our bug
        raise _not_xlsx() from e
    try:
        ws = wb.worksheets[0]
        # The declared dimension may claim 16,384 columns: read each row as wide as its own last cell.
        ws.reset_dimensions()
        rows = _Rows()
        for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            rows.add(number, cells)
        return rows.rows
    except ImportError_:
        raise
    except Exception as e:  # noqa: BLE001 - malformed XML inside a well-formed zip
        raise _not_xlsx() from e
    finally:
        wb.close()


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportError_("csv_encoding", "Tệp CSV phải được lưu với bảng mã UTF-8.") from e
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = _Rows()
    number = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            rows.add(number, cells)
    except csv.Error as e:   # a field longer than csv's own limit (128 KB), a NUL byte
        raise ImportError_("csv_unreadable", "Không đọc được tệp CSV ở dòng %(row)s: có ô dài quá %(limit)s ký tự "
                           "hoặc có ký tự không hợp lệ.", row=number + 1, limit=MAX_CELL_CHARS) from e
    return rows.rows


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """Suggest which column holds which target, by its header (the organiser can change it)."""
    out: dict[str, int | None] = {t: None for t in TARGETS}
    used: set[int] = set()
    hs = [norm(h) for h in headers]
    keywords = {t: tuple(norm(kw) for kw in kws) for t, (_, kws) in TARGETS.items()}
    # Exact matches first, then "contains", longest keyword first, so "đơn vị trả lời" beats "trả lời".
    for exact in (True, False):
        pairs = sorted(((kw, t) for t, kws in keywords.items() for kw in kws), key=lambda p: -len(p[0]))
        for kw, target in pairs:
            if out[target] is not None:
                continue
            for i, h in enumerate(hs):
                if i in used:
                    continue
                if (h == kw) if exact else (kw in h):
                    out[target] = i
                    used.add(i)
                    break
    return out


@dataclass
class MeetingNames:
    fields: dict[str, int]         # normalised name -> id
    units: dict[str, int]
    default_field: int | None = None
    existing: dict[tuple[str, str], int] = field(default_factory=dict)   # (name, content) -> ticket

    @classmethod
    def load(cls, session, meeting_id: int) -> "MeetingNames":
        fields = {norm(f.name): f.id for f in session.scalars(select(Field).where(Field.meeting_id == meeting_id))}
        units = {norm(u.name): u.id for u in session.scalars(select(Unit).where(Unit.meeting_id == meeting_id))}
        existing = {(norm(n), norm(c)): t for n, c, t in session.execute(
            select(Request.full_name, Request.content, Request.ticket).where(Request.meeting_id == meeting_id))}
        return cls(fields, units, fields.get("khác"), existing)


def check(table: Table, mapping: dict[str, int | None], names: MeetingNames) -> Checked:
    """Validate every row; collect ALL errors (each bad row with every reason), never stop at the first."""
    for target in REQUIRED:
        if mapping.get(target) is None:
            raise ImportError_("mapping_required", "Cần chọn cột cho mục “%(label)s”.", label=TARGETS[target][0])
    result = Checked()
    seen: dict[tuple[str, str], int] = {}
    for number, row in zip(table.row_numbers, table.rows):
        def get(target: str) -> str:
            i = mapping.get(target)
            return row[i].strip() if i is not None and i < len(row) else ""

        values = {t: get(t) for t in TARGETS}
        if not any(values.values()):
            result.skipped_empty += 1
            continue
        reasons: list[tuple[str, dict]] = []   # (Vietnamese msgid, values): translated when shown

        def bad(msgid: str, **params) -> None:
            reasons.append((msgid, params))

        content = values["content"]
        if not content:
            bad("Thiếu nội dung ý kiến, kiến nghị.")
        elif len(content) > 4000:
            bad("Nội dung dài quá %(limit)s ký tự.", limit=4000)
        kind = "citizen"
        if values["kind"]:
            kind = KINDS.get(norm(values["kind"]))
            if kind is None:
                bad("Loại phiếu “%(value)s” không rõ (ghi “Nhân dân” hoặc “Tổ chức”).", value=values["kind"])
                kind = "citizen"
        elif values["organization"] and not values["full_name"]:
            kind = "organization"
        full_name = values["full_name"] or (values["organization"] if kind == "organization" else "")
        if not full_name:
            bad("Thiếu họ và tên người kiến nghị (hoặc tên cơ quan, tổ chức).")
        for target, limit in (("full_name", 120), ("address", 300), ("locality", 120), ("organization", 200),
                              ("position", 200)):
            if len(values[target]) > limit:
                bad("Mục “%(label)s” dài quá %(limit)s ký tự.", label=TARGETS[target][0], limit=limit)
        phone = None
        if values["phone"]:
            try:
                phone = normalize_phone(values["phone"])
            except PhoneError:
                bad("Số điện thoại “%(value)s” không đúng.", value=values["phone"])
        field_id = names.default_field
        if values["field"]:
            field_id = names.fields.get(norm(values["field"]))
            if field_id is None:
                bad("Lĩnh vực “%(value)s” không có trong danh sách của hội nghị.", value=values["field"])
        unit_id = None
        if values["unit"]:
            unit_id = names.units.get(norm(values["unit"]))
            if unit_id is None:
                bad("Đơn vị trả lời “%(value)s” không có trong danh sách của hội nghị.", value=values["unit"])
        jurisdiction = None
        if values["jurisdiction"]:
            jurisdiction = jurisdiction_of(values["jurisdiction"])
            if jurisdiction is None:
                bad("Thẩm quyền “%(value)s” không rõ (xã, tỉnh, Trung ương, ngoài).", value=values["jurisdiction"])
        wants = norm(values["wants_to_speak"])
        if wants not in YES | NO:
            bad("Cột đăng ký phát biểu “%(value)s” phải là “có” hoặc “không”.", value=values["wants_to_speak"])
        key = (norm(full_name), norm(content))
        if content and key in names.existing:
            bad("Ý kiến này đã có trong hội nghị (phiếu số %(ticket)s); có thể tệp đã được nhập trước đó.",
                ticket=names.existing[key])
        elif content and key in seen:
            bad("Trùng với dòng %(row)s của tệp.", row=seen[key])
        else:
            seen[key] = number
        if len(values["prepared_answer"]) > 10000:
            bad("Nội dung trả lời dài quá %(limit)s ký tự.", limit=10000)
        if reasons:
            result.errors.append(RowError(number, reasons, content[:80] or full_name[:80]))
            continue
        result.items.append(Item(
            row=number, kind=kind, full_name=full_name, content=content, phone=phone,
            address=values["address"] or None,
            locality=values["locality"],          # public; never copied from the contact address
            organization=values["organization"], position=values["position"], field_id=field_id, unit_id=unit_id,
            prepared_answer=values["prepared_answer"], jurisdiction=jurisdiction,
            wants_to_speak=wants not in NO - {""}))      # an empty cell: yes, as on the paper form
    if not result.items and not result.errors:
        raise ImportError_("file_empty", "Tệp không có dòng dữ liệu nào.")
    return result


def write_items(rt, actor: Actor, code: str, items: list[Item], filename: str = "") -> list[int]:
    """File all items in one transaction: one audit row, one version step; returns the tickets given."""
    require(actor.role, "request.enter_paper")
    if not items:
        raise ImportError_("nothing_to_import", "Không có dòng nào để nhập.")
    with UnitOfWork(rt, code, actor, "import", f"import:{filename[:80]}") as uow:
        m = uow.track_meeting()
        valid_fields = set(uow.session.scalars(select(Field.id).where(Field.meeting_id == m.id)))
        valid_units = set(uow.session.scalars(select(Unit.id).where(Unit.meeting_id == m.id)))
        defaults = dict(uow.session.execute(select(Field.id, Field.default_unit_id)
                                            .where(Field.meeting_id == m.id)).all())
        tickets = []
        now = utcnow()
        for it in items:
            if it.field_id is not None and it.field_id not in valid_fields or \
                    it.unit_id is not None and it.unit_id not in valid_units:
                raise ImportError_("import_stale", "Danh sách lĩnh vực hoặc đơn vị đã thay đổi; hãy kiểm tra lại tệp.")
            ticket = m.next_ticket
            m.next_ticket += 1
            uow.add_request(Request(
                meeting_id=m.id, ticket=ticket, kind=SubmitterKind(it.kind).value, full_name=it.full_name,
                phone=it.phone, address=it.address, locality=it.locality, organization=it.organization,
                position=it.position, field_id=it.field_id, content=it.content, wants_to_speak=it.wants_to_speak,
                jurisdiction=Jurisdiction(it.jurisdiction).value if it.jurisdiction else None,
                source=Source.PRECOLLECTED.value, status=Status.SUBMITTED.value, consent_at=None,
                unit_id=it.unit_id or defaults.get(it.field_id), prepared_answer=it.prepared_answer,
                created_at=now))
            tickets.append(ticket)
        uow.audit_extra["import"] = {"file": filename[:200], "rows": len(items), "tickets": [tickets[0], tickets[-1]]}
    return tickets

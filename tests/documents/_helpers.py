"""A scripted meeting and helpers to read the built documents back."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from docx import Document
from docx.oxml.ns import qn

from moderator.documents import AttendanceLine, DocIntervention, DocMeeting, Person, StepLine, SummaryRow

MEETING_DAY = date(2025, 11, 28)
PHONE_RE = re.compile(r"0\d{9}")
# Also catches numbers typed with spaces, dots or +84.
LOOSE_PHONE_RE = re.compile(r"(?:\+?84|0)[35789](?:[ .\-]?\d){8}(?!\d)")

# (speaker, honorific, locality, field, content, phone, unit, mode, level)
# Taken from the project's demo requests (written for the project, not real people).
SCRIPT = [
    ("Nguyễn Văn Hùng", "Ông", "Xóm 3", "Đất đai",
     "Hồ sơ cấp Giấy chứng nhận quyền sử dụng đất của gia đình tôi nộp từ tháng 3 đến nay chưa có kết quả; "
     "đề nghị cho biết hồ sơ đang vướng ở khâu nào.", "0912000101", "Phòng Kinh tế", "hall", None),
    ("Trần Thị Lan", "Bà", "Thôn Bắc", "Giải phóng mặt bằng",
     "Các hộ bị thu hồi đất làm đường tránh chưa đồng ý đơn giá bồi thường cây lâu năm; đề nghị công khai "
     "phương án bồi thường và tổ chức đối thoại riêng với các hộ.", "0987000102", "Phòng Kinh tế", "forwarded",
     "UBND tỉnh Ninh Bình"),
    ("Phạm Thị Hoa", None, "Xóm 3", "Môi trường",
     "Trại chăn nuôi lợn gần xóm 3 xả nước thải ra mương chung, mùi hôi kéo dài nhiều tháng; đề nghị kiểm tra "
     "và xử lý dứt điểm. Liên hệ tôi qua số 0903 000 104.", "0903000104", "Phòng Kinh tế", "writing", None),
    ("Đặng Thị Thu", "Bà", "Xóm 2", "An ninh trật tự",
     "Tối nào cũng có nhóm thanh niên tụ tập đua xe trên đường đê gây mất an toàn; đề nghị tăng cường tuần tra.",
     "0965000110", "Công an xã", "hall", None),
    ("Trương Văn Hải", "Ông", "Chi bộ thôn Đông", "Xây dựng Đảng",
     "Đề nghị Đảng ủy quan tâm công tác phát triển đảng viên trẻ ở các chi bộ thôn còn ít đảng viên "
     "(gọi lại cho tôi: 0984000113).",
     "0984000113", "Ban Xây dựng Đảng", "hall", None),
    ("Cao Văn Sơn", "Ông", "Thôn ven biển", "Nước sạch",
     "Nguồn nước giếng của các thôn ven biển bị nhiễm mặn; đề nghị tỉnh đầu tư hệ thống cấp nước sạch.",
     "0358000115", "Phòng Kinh tế", "writing", None),
]
HALL_ANSWER = "Đồng chí Trưởng phòng đã giải thích quy trình và hẹn kiểm tra, trả lời cụ thể trong tuần."
WRITING_DEADLINE = date(2025, 12, 15)
FORWARD_DEADLINE = date(2025, 12, 30)
MODE_LABELS = {"hall": "Trả lời trực tiếp", "writing": "Trả lời bằng văn bản", "forwarded": "Chuyển cấp"}


def make_interventions(n: int = len(SCRIPT)) -> list[DocIntervention]:
    out = []
    start = datetime(2025, 11, 28, 8, 40)
    for k in range(n):
        speaker, hon, loc, field, content, _phone, unit, mode, level = SCRIPT[k % len(SCRIPT)]
        began = start + timedelta(minutes=5 * k)
        deadline = {"writing": WRITING_DEADLINE, "forwarded": FORWARD_DEADLINE}.get(mode)
        out.append(DocIntervention(
            order=k + 1,
            ticket=12 + 3 * k,
            speaker=speaker,
            locality=loc,
            field=field,
            summary=content,
            started_at=began,
            ended_at=began + timedelta(minutes=3),
            duration_seconds=180,
            co_signers=["Lê Văn Minh", "Hoàng Văn Nam"] if k % len(SCRIPT) == 1 else [],
            answer_unit=unit,
            answerer=f"Đồng chí Nguyễn Văn Bình, Trưởng {unit}" if mode == "hall" else None,
            answer_mode=mode,
            answer_level=level,
            answer_deadline=deadline,
            answer_summary=HALL_ANSWER if mode == "hall" else None,
            status="Đã trả lời" if mode == "hall" else "Đang xử lý",
            honorific=hon,
        ))
    return out


def make_meeting(doc_format: str = "party") -> DocMeeting:
    party = doc_format == "party"
    return DocMeeting(
        title="Đối thoại giữa người đứng đầu cấp ủy, chính quyền với Nhân dân năm 2025",
        level="commune",
        organiser="ĐẢNG ỦY XÃ GIAO MINH" if party else "ỦY BAN NHÂN DÂN XÃ GIAO MINH",
        parent_body="ĐẢNG BỘ TỈNH NINH BÌNH" if party else None,
        venue="Hội trường Trụ sở Đảng ủy xã Giao Minh",
        place_name="Giao Minh",
        date=MEETING_DAY,
        opened_at=datetime(2025, 11, 28, 8, 0),
        closed_at=datetime(2025, 11, 28, 11, 30),
        doc_format=doc_format,
        number="05-BB/ĐU" if party else "05/BB-UBND",
        chairs=[
            Person("Vũ Xuân Thủy", "Bí thư Đảng ủy, Chủ tịch HĐND xã"),
            Person("Nguyễn Văn Tâm", "Phó Bí thư Đảng ủy, Chủ tịch UBND xã"),
        ],
        secretary=Person("Trần Thị Hương", "Chánh Văn phòng Đảng ủy"),
        attendance=[
            AttendanceLine("Thường trực Đảng ủy", None, [
                Person("Vũ Xuân Thủy", "Bí thư Đảng ủy"), Person("Nguyễn Văn Tâm", "Phó Bí thư Đảng ủy"),
            ]),
            AttendanceLine("Lãnh đạo các phòng, ban, ngành của xã", 18),
            AttendanceLine("Bí thư chi bộ, trưởng thôn/xóm", 40),
            AttendanceLine("Đại diện Nhân dân", 140),
        ],
        steps=[
            StepLine("Tuyên bố lý do, giới thiệu đại biểu", datetime(2025, 11, 28, 8, 0)),
            StepLine("Thông qua chương trình, giới thiệu chủ trì, cử thư ký", datetime(2025, 11, 28, 8, 10)),
            StepLine("Đại biểu phát biểu, chủ trì trả lời hoặc giao đơn vị trả lời", datetime(2025, 11, 28, 8, 40)),
            StepLine("Chủ trì kết luận hội nghị", datetime(2025, 11, 28, 11, 10)),
        ],
        conclusion=(
            "Đảng ủy ghi nhận, đánh giá cao các ý kiến tâm huyết, trách nhiệm của đại biểu.\n"
            "Giao các đơn vị được phân công trả lời bằng văn bản đúng thời hạn và công khai kết quả tại trụ sở xã."
        ),
        recipients=["Thường trực Tỉnh ủy (để báo cáo)", "Thường trực Đảng ủy, HĐND, UBND xã",
                    "Các phòng, ban, ngành, MTTQ và các tổ chức CT-XH xã"],
    )


def make_summary_rows(n: int = len(SCRIPT)) -> list[SummaryRow]:
    rows = []
    for k in range(n):
        speaker, _hon, loc, field, content, phone, unit, mode, _level = SCRIPT[k % len(SCRIPT)]
        rows.append(SummaryRow(
            no=k + 1,
            requester=speaker,
            locality=loc,
            field=field,
            content=content,
            unit=unit,
            mode={"hall": "Trả lời trực tiếp", "writing": "Trả lời bằng văn bản", "forwarded": "Chuyển cấp trên"}[mode],
            deadline={"writing": WRITING_DEADLINE, "forwarded": FORWARD_DEADLINE}.get(mode),
            status="Đã trả lời" if mode == "hall" else "Đang xử lý",
            phone=phone,
            source="Phiếu giấy" if k % 2 else "Điện thoại (QR)",
            ticket=12 + 3 * k,
        ))
    return rows


# --- reading .docx back ---------------------------------------------------------------

def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def all_paragraphs(doc):
    """Body paragraphs and table-cell paragraphs, in document order."""
    body = doc.element.body
    from docx.text.paragraph import Paragraph
    return [Paragraph(p, doc._body) for p in body.iter(qn("w:p"))]


def full_text(doc) -> str:
    return "\n".join(p.text for p in all_paragraphs(doc))


def all_xml_text(data: bytes) -> str:
    """The text of every XML part of the package (body, headers, footers,
    properties…), each paragraph's runs joined so a number split across runs
    is still seen. Attribute values (ids, rsids) are left out."""
    from lxml import etree

    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            root = etree.fromstring(z.read(name))
            paragraphs = list(root.iter(qn("w:p")))
            if paragraphs:
                out.extend("".join(p.itertext()) for p in paragraphs)
            else:
                out.extend(t for t in root.itertext() if t.strip())
    return "\n".join(out)


def effective(run, paragraph, attr: str):
    """A run's effective font attribute (size, name, bold, italic), following
    direct formatting, then the paragraph style chain, then Normal."""
    value = getattr(run.font, attr)
    if value is not None:
        return value
    style = paragraph.style
    while style is not None:
        value = getattr(style.font, attr)
        if value is not None:
            return value
        style = style.base_style
    return None


def cell_paragraphs(cell):
    return [p for p in cell.paragraphs]


def has_bottom_border(paragraph) -> bool:
    ppr = paragraph._p.pPr
    if ppr is None:
        return False
    bdr = ppr.find(qn("w:pBdr"))
    return bdr is not None and bdr.find(qn("w:bottom")) is not None


# --- reading a conclusion notice back ------------------------------------------------

TICKET_RE = re.compile(r"[Pp]hiếu số (\d+)\b")
_GROUP_RE = re.compile(r"^[a-zđ]\) (.+) \((\d+) ý kiến\):$")
_NUMBERED_RE = re.compile(r"^\d+\. (.+)$")


@dataclass
class NoticeLine:
    """One item of a conclusion notice as read back: its section ("hall", "writing", "forwarded",
    "complaint"), the group it is listed under (the unit for written answers, "Chuyển <level>" for
    forwardings), its text and the ticket it cites."""

    outcome: str
    group: str | None
    text: str
    ticket: int | None


def notice_lines(doc) -> list[NoticeLine]:
    """Every listed item of sections II and III, in document order, checking each group's announced count."""
    out: list[NoticeLine] = []
    section = sub = group = None
    announced: dict[tuple[str, str], int] = {}

    def add(kind: str, text: str) -> None:
        m = TICKET_RE.search(text)
        out.append(NoticeLine(kind, group, text, int(m.group(1)) if m else None))

    for p in doc.paragraphs:
        t = p.text.strip()
        if t.startswith("II. "):
            section = "hall"
            continue
        if t.startswith("III. "):
            section = "tasks"
            continue
        if t.startswith("Thông báo để"):
            break
        if section == "hall" and _NUMBERED_RE.match(t):
            add("hall", _NUMBERED_RE.match(t).group(1))
        elif section == "tasks":
            numbered, grouped = _NUMBERED_RE.match(t), _GROUP_RE.match(t)
            if numbered:
                head = numbered.group(1)
                sub = ("writing" if head == "Trả lời bằng văn bản" else
                       "forwarded" if head.startswith("Chuyển cấp có thẩm quyền") else
                       "complaint" if head.startswith("Chuyển xử lý") else None)
                assert sub, f"unknown task heading: {t}"
                group = None
            elif grouped:
                group = grouped.group(1)
                announced[(sub, group)] = int(grouped.group(2))
            elif t.startswith("- "):
                add(sub, t[2:])
    for (kind, name), n in announced.items():
        assert sum(1 for line in out if line.outcome == kind and line.group == name) == n, (kind, name)
    return out

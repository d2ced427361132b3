"""Draft conclusion notice (thông báo kết luận) of a dialogue conference, as .docx."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._docx import BLANK_NUMBER as _BLANK
from ._docx import DocBuilder, person_line
from .data import DocIntervention, DocMeeting
from .minutes import _meeting_subtitle, _paragraphs, speaker_phrase
from .text import dmy, lower_first, safe, shorten, vn_long_date

_PARTY_NUMBER = re.compile(r"^\s*[^-/]*-\s*BB\s*/\s*(\S.*)$", re.IGNORECASE)
_STATE_NUMBER = re.compile(r"^\s*[^/]*/\s*BB\s*-\s*(\S.*)$", re.IGNORECASE)


def notice_number(meeting: DocMeeting) -> str:
    """The notice's number: ``meeting.notice_number`` if set, else a blank
    number with the issuer symbol of the minutes ("05-BB/ĐU" -> "      -TB/ĐU",
    "05/BB-UBND" -> "      /TB-UBND")."""
    if meeting.notice_number:
        return meeting.notice_number
    number = safe(meeting.number, multiline=False)
    if meeting.doc_format == "party":
        m = _PARTY_NUMBER.match(number)
        return f"{_BLANK}-TB/{m.group(1)}" if m else f"{_BLANK}-TB/……"
    m = _STATE_NUMBER.match(number)
    return f"{_BLANK}/TB-{m.group(1)}" if m else f"{_BLANK}/TB-……"


def is_task(item: DocIntervention) -> bool:
    """An intervention needs a follow-up task unless it was answered in the hall."""
    return item.answer_mode != "hall"


def task_text(item: DocIntervention) -> str:
    """"Phòng Kinh tế: giải quyết, trả lời kiến nghị của Ông/Bà … về …; thời hạn: dd/mm/yyyy"."""
    unit = safe(item.answer_unit, multiline=False) or "(chưa phân công đơn vị)"
    who = speaker_phrase(item)
    locality = safe(item.locality, multiline=False)
    if locality:
        who += f" ({locality})"
    field = safe(item.field, multiline=False)
    summary = shorten(safe(item.summary, multiline=False), 220)
    about = ""
    if field and summary:
        about = f" về {lower_first(field)}: {lower_first(summary).rstrip('.')}"
    elif field:
        about = f" về {lower_first(field)}"
    elif summary:
        about = f" về {lower_first(summary).rstrip('.')}"
    deadline = dmy(item.answer_deadline) or "……"
    if item.answer_mode == "forwarded":
        level = safe(item.answer_level, multiline=False) or "cấp có thẩm quyền"
        action = (f"tổng hợp, chuyển kiến nghị của {who}{about} đến {level} xem xét, giải quyết; "
                  "theo dõi, thông báo kết quả cho người kiến nghị")
    else:
        action = f"giải quyết, trả lời kiến nghị của {who}{about}"
    return f"{unit}: {action}; thời hạn: {deadline}."


def _counts_sentence(interventions: Sequence[DocIntervention]) -> str:
    total = len(interventions)
    hall = sum(1 for i in interventions if i.answer_mode == "hall")
    writing = sum(1 for i in interventions if i.answer_mode == "writing")
    forwarded = sum(1 for i in interventions if i.answer_mode == "forwarded")
    other = total - hall - writing - forwarded
    if total == 0:
        return "Tại hội nghị không có ý kiến phát biểu, kiến nghị."
    parts = [f"{hall} ý kiến đã được trả lời trực tiếp tại hội nghị"]
    if writing:
        parts.append(f"{writing} ý kiến được giao trả lời bằng văn bản")
    if forwarded:
        parts.append(f"{forwarded} ý kiến được chuyển cấp có thẩm quyền xem xét, giải quyết")
    if other:
        parts.append(f"{other} ý kiến chưa được phân công trả lời")
    return f"Tại hội nghị có {total} ý kiến phát biểu, kiến nghị của đại biểu; trong đó " + "; ".join(parts) + "."


def build_conclusion_docx(meeting: DocMeeting, interventions: Sequence[DocIntervention]) -> bytes:
    """Build the draft conclusion notice as .docx bytes: a summary of the
    meeting, the chair's conclusion, one task per opinion not answered in the
    hall (unit, what, deadline), then "Nơi nhận" and the signature."""
    b = DocBuilder(meeting.doc_format)
    b.heading(meeting, notice_number(meeting))
    b.title("THÔNG BÁO KẾT LUẬN", _meeting_subtitle(meeting))

    day = meeting.meeting_date
    venue = safe(meeting.venue, multiline=False)
    intro = f"Ngày {vn_long_date(day)[len('ngày '):]}"
    if venue:
        intro += f", tại {venue}"
    intro += f", đã diễn ra {_meeting_subtitle(meeting)}."
    chairs = [c for c in meeting.chairs if safe(c.name, multiline=False)]
    if len(chairs) == 1:
        intro += f" {safe(person_line(chairs[0]), multiline=False)} chủ trì hội nghị."
    elif chairs:
        names = "; ".join(safe(person_line(c, prefix=''), multiline=False) for c in chairs)
        intro += f" Các đồng chí {names} đồng chủ trì hội nghị."
    total = 0
    counted = False
    for line in meeting.attendance:
        if line.count is not None:
            total, counted = total + line.count, True
        elif line.names:
            total, counted = total + len(line.names), True
    if counted:
        intro += f" Dự hội nghị có {total} đại biểu."
    b.para("MdBody", intro)
    b.para("MdBody", _counts_sentence(interventions))
    b.para("MdBody", "Sau khi nghe ý kiến của đại biểu và ý kiến trả lời của các cơ quan, đơn vị, "
                     "chủ trì hội nghị kết luận như sau:")

    b.para("MdSection", "I. KẾT LUẬN")
    conclusion = _paragraphs(safe(meeting.conclusion))
    if conclusion:
        for line in conclusion:
            b.para("MdBody", line)
    else:
        b.para("MdBody", ("(Ghi nội dung kết luận của chủ trì hội nghị.)", "i"))

    b.para("MdSection", "II. NHIỆM VỤ")
    tasks = [i for i in interventions if is_task(i)]
    if tasks:
        b.para("MdBody", "Giao các cơ quan, đơn vị thực hiện các nhiệm vụ sau:")
        for k, item in enumerate(tasks, 1):
            b.para("MdItem", f"{k}. {task_text(item)}")
    else:
        b.para("MdBody", "Các ý kiến, kiến nghị đã được trả lời trực tiếp tại hội nghị.")
    b.para("MdKeep", "Thông báo để các cơ quan, đơn vị, cá nhân liên quan biết, thực hiện./.")

    if meeting.notice_signer:
        captions = [c for c in (safe(x, multiline=False).upper() for x in meeting.notice_signer.split("\n")) if c]
    else:
        captions = ["CHỦ TRÌ HỘI NGHỊ"]
    name = safe(chairs[0].name, multiline=False) if chairs else ""
    b.blank(style_id="MdKeep")
    b.recipients_and_signature(meeting.recipients, captions, name)
    return b.to_bytes()

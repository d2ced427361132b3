"""Draft conclusion notice (thông báo kết luận) of a dialogue conference, as .docx."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ._docx import BLANK_NUMBER as _BLANK
from ._docx import DocBuilder, person_line
from .data import OUTCOMES, DocIntervention, DocMeeting
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


# Sub-items of a section as official documents letter them (ND 30/2020, HD 36): a), b), c), d), đ), e) …
_LETTERS = "a b c d đ e g h i k l m n o p q r s t u v x y".split()
NO_UNIT = "Chưa phân công đơn vị"
COMPLAINT_PROCESS = "theo quy định của pháp luật về khiếu nại, tố cáo"


def outcome(item: DocIntervention) -> str | None:
    """Where the request ended up: its ``outcome``, else its answer mode."""
    if item.outcome in OUTCOMES:
        return item.outcome
    return item.answer_mode if item.answer_mode in OUTCOMES else None


def _letter(k: int) -> str:
    return _LETTERS[k] if k < len(_LETTERS) else str(k + 1)


def _deadline(item: DocIntervention) -> str:
    return dmy(item.answer_deadline) or "……"


def _requester(item: DocIntervention) -> str:
    """"Bà Trần Thị Lan (Thôn Bắc; phiếu số 15) và 2 đại biểu cùng kiến nghị"."""
    who = speaker_phrase(item)
    inside = [x for x in (safe(item.locality, multiline=False),
                          f"phiếu số {item.ticket}" if item.ticket else "") if x]
    if inside:
        who += f" ({'; '.join(inside)})"
    if item.co_signers:
        who += f" và {len(item.co_signers)} đại biểu cùng kiến nghị"
    return who


def _about(item: DocIntervention, limit: int = 220) -> str:
    """" về môi trường: trại chăn nuôi xả nước thải …" (field, then the gist)."""
    field = safe(item.field, multiline=False)
    summary = shorten(safe(item.summary, multiline=False), limit)
    if field and summary:
        return f" về {lower_first(field)}: {lower_first(summary).rstrip('.')}"
    if field:
        return f" về {lower_first(field)}"
    if summary:
        return f" về {lower_first(summary).rstrip('.')}"
    return ""


def hall_text(item: DocIntervention) -> str:
    """One opinion answered in the hall: who asked what, which unit (and who) answered, and the gist."""
    unit = safe(item.answer_unit, multiline=False)
    answerer = safe(item.answerer, multiline=False)
    if unit and answerer:
        by = f"{unit} ({answerer})"
    else:
        by = unit or answerer or "Chủ trì hội nghị"
    text = f"{_requester(item)} kiến nghị{_about(item)}. {by} đã trả lời"
    answer = shorten(safe(item.answer_summary, multiline=False), 400)
    return f"{text}: {answer.rstrip('.')}." if answer else f"{text} tại hội nghị."


def writing_text(item: DocIntervention) -> str:
    """One written answer a unit owes; the unit heads the group it is listed under."""
    return f"Giải quyết, trả lời kiến nghị của {_requester(item)}{_about(item)}; thời hạn: {_deadline(item)}."


def forwarded_text(item: DocIntervention) -> str:
    """One request forwarded: the unit that forwards and follows it, to which level, by when."""
    unit = safe(item.answer_unit, multiline=False) or f"({NO_UNIT.lower()})"
    level = safe(item.answer_level, multiline=False) or "cấp có thẩm quyền"
    return (f"{unit}: tổng hợp, chuyển đến {level} xem xét, giải quyết kiến nghị của {_requester(item)}"
            f"{_about(item)}; theo dõi, thông báo kết quả cho người kiến nghị; thời hạn: {_deadline(item)}.")


def complaint_text(item: DocIntervention) -> str:
    """One complaint or denunciation sent to the formal process: ticket, field and unit only. The notice goes
    to many offices and is posted; the law on denunciations keeps the sender's identity confidential, and the
    content may name the person it is about, so neither name nor content is printed."""
    head = f"Phiếu số {item.ticket}" if item.ticket else "Đơn không ghi số phiếu"
    field = safe(item.field, multiline=False)
    if field:
        head += f" (lĩnh vực {lower_first(field)})"
    unit = safe(item.answer_unit, multiline=False)
    action = (f"{unit} tiếp nhận, xem xét, xử lý {COMPLAINT_PROCESS}" if unit
              else f"chuyển cơ quan có thẩm quyền xem xét, xử lý {COMPLAINT_PROCESS}")
    deadline = dmy(item.answer_deadline) or "theo quy định của pháp luật"
    return f"{head}: {action}; thời hạn: {deadline}."


def _grouped(items: Sequence[DocIntervention], key) -> list[tuple[str, list[DocIntervention]]]:
    """Groups in order of first appearance; inside a group, by deadline (none last), then ticket."""
    groups: dict[str, list[DocIntervention]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    order = lambda i: (i.answer_deadline is None, i.answer_deadline or date.max, i.ticket or 0)  # noqa: E731
    return [(name, sorted(members, key=order)) for name, members in groups.items()]


def _counts_sentence(items: Sequence[DocIntervention]) -> str:
    listed = [i for i in items if outcome(i) is not None]
    if not listed:
        return "Tại hội nghị không có ý kiến phát biểu, kiến nghị."
    count = {k: sum(1 for i in listed if outcome(i) == k) for k in OUTCOMES}
    spoke = sum(1 for i in listed if i.spoke)
    parts = [f"{count['hall']} ý kiến đã được trả lời trực tiếp tại hội nghị"]
    if count["writing"]:
        parts.append(f"{count['writing']} ý kiến được giao trả lời bằng văn bản")
    if count["forwarded"]:
        parts.append(f"{count['forwarded']} ý kiến được chuyển cấp có thẩm quyền xem xét, giải quyết")
    if count["complaint"]:
        parts.append(f"{count['complaint']} ý kiến được chuyển xử lý {COMPLAINT_PROCESS}")
    head = f"Hội nghị đã tiếp nhận {len(listed)} ý kiến, kiến nghị của đại biểu"
    if spoke != len(listed):
        head += f" ({spoke} ý kiến phát biểu tại hội nghị)"
    return head + "; trong đó " + "; ".join(parts) + "."


def _write_tasks(b: DocBuilder, items: Sequence[DocIntervention]) -> None:
    """Section III: written answers by unit, forwardings by level, complaints; each with its deadline."""
    writing = [i for i in items if outcome(i) == "writing"]
    forwarded = [i for i in items if outcome(i) == "forwarded"]
    complaints = [i for i in items if outcome(i) == "complaint"]
    if not (writing or forwarded or complaints):
        b.para("MdBody", "Các ý kiến, kiến nghị đã được trả lời trực tiếp tại hội nghị.")
        return
    b.para("MdBody", "Giao các cơ quan, đơn vị thực hiện các nhiệm vụ sau:")
    number = 0
    if writing:
        number += 1
        b.para("MdLead", (f"{number}. Trả lời bằng văn bản", "b"))
        unit_of = lambda i: safe(i.answer_unit, multiline=False) or NO_UNIT  # noqa: E731
        for k, (unit, members) in enumerate(_grouped(writing, unit_of)):
            b.para("MdLead", (f"{_letter(k)}) {unit} ({len(members)} ý kiến):", "i"))
            for item in members:
                b.para("MdItem", f"- {writing_text(item)}")
    if forwarded:
        number += 1
        b.para("MdLead", (f"{number}. Chuyển cấp có thẩm quyền xem xét, giải quyết", "b"))
        level_of = lambda i: safe(i.answer_level, multiline=False) or "cấp có thẩm quyền"  # noqa: E731
        for k, (level, members) in enumerate(_grouped(forwarded, level_of)):
            b.para("MdLead", (f"{_letter(k)}) Chuyển {level} ({len(members)} ý kiến):", "i"))
            for item in members:
                b.para("MdItem", f"- {forwarded_text(item)}")
    if complaints:
        number += 1
        b.para("MdLead", (f"{number}. Chuyển xử lý {COMPLAINT_PROCESS}", "b"))
        for item in sorted(complaints, key=lambda i: i.ticket or 0):
            b.para("MdItem", f"- {complaint_text(item)}")
        b.para("MdItem", ("Họ tên, địa chỉ và nội dung đơn của người khiếu nại, tố cáo không nêu trong thông báo "
                          "này và được giữ bí mật theo quy định của pháp luật.", "i"))


def build_conclusion_docx(meeting: DocMeeting, interventions: Sequence[DocIntervention]) -> bytes:
    """Build the draft conclusion notice as .docx bytes: a summary of the
    meeting, the chair's conclusion, the opinions answered in the hall (unit,
    who answered, gist), the tasks (written answers grouped by unit, forwardings
    grouped by level, complaints sent to the formal process; each with its
    deadline), then "Nơi nhận" and the signature.

    ``interventions``: every request with an outcome (see
    :attr:`DocIntervention.outcome`), heard ones in order of call first."""
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

    b.para("MdSection", "II. CÁC Ý KIẾN ĐÃ ĐƯỢC TRẢ LỜI TẠI HỘI NGHỊ")
    hall = [i for i in interventions if outcome(i) == "hall"]
    if hall:
        for k, item in enumerate(hall, 1):
            b.para("MdItem", f"{k}. {hall_text(item)}")
    else:
        b.para("MdBody", "Không có ý kiến được trả lời trực tiếp tại hội nghị.")

    b.para("MdSection", "III. NHIỆM VỤ GIAO CÁC CƠ QUAN, ĐƠN VỊ")
    _write_tasks(b, interventions)
    b.para("MdKeep", "Thông báo để các cơ quan, đơn vị, cá nhân liên quan biết, thực hiện./.")

    if meeting.notice_signer:
        captions = [c for c in (safe(x, multiline=False).upper() for x in meeting.notice_signer.split("\n")) if c]
    else:
        captions = ["CHỦ TRÌ HỘI NGHỊ"]
    name = safe(chairs[0].name, multiline=False) if chairs else ""
    b.blank(style_id="MdKeep")
    b.recipients_and_signature(meeting.recipients, captions, name)
    return b.to_bytes()

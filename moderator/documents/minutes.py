"""The minutes (biên bản) of a dialogue conference, as a .docx to edit and sign."""

from __future__ import annotations

from collections.abc import Sequence

from ._docx import DocBuilder, doc_number, has_honorific, person_line
from .data import DocIntervention, DocMeeting
from .text import dmy, lower_first, safe, vn_long_date, vn_time

MODE_HALL = "Trả lời trực tiếp tại hội nghị"


def answer_mode_label(item: DocIntervention) -> str:
    """The answer mode as the minutes write it."""
    mode = item.answer_mode
    if mode == "hall":
        return MODE_HALL
    if mode == "writing":
        if item.answer_deadline:
            return f"Trả lời bằng văn bản trước ngày {dmy(item.answer_deadline)}"
        return "Trả lời bằng văn bản"
    if mode == "forwarded":
        level = safe(item.answer_level, multiline=False)
        label = f"Chuyển cấp có thẩm quyền: {level}" if level else "Chuyển cấp có thẩm quyền giải quyết"
        if item.answer_deadline:
            label += f" (thời hạn: {dmy(item.answer_deadline)})"
        return label
    return ""


def speaker_phrase(item: DocIntervention) -> str:
    """"Ông/Bà Nguyễn Văn Hùng" (or "Bà …" with an honorific, or as typed)."""
    name = safe(item.speaker, multiline=False)
    if not name:
        return "Đại biểu (không ghi tên)"
    if has_honorific(name):
        return name
    honorific = safe(item.honorific, multiline=False) or "Ông/Bà"
    return f"{honorific} {name}"


def _meeting_subtitle(meeting: DocMeeting) -> str:
    title = safe(meeting.title, multiline=False)
    if not title:
        return "Hội nghị"
    if title.lower().startswith("hội nghị"):
        return "Hội nghị" + title[len("hội nghị"):]
    return f"Hội nghị {lower_first(title)}"


def _paragraphs(text: str) -> list[str]:
    """Split cleaned multi-line text into paragraphs (one per line)."""
    return [line for line in text.split("\n") if line.strip()]


def _write_attendance(b: DocBuilder, meeting: DocMeeting) -> None:
    total = 0
    counted = False
    for line in meeting.attendance:
        label = safe(line.label, multiline=False) or "Đại biểu"
        names = [n for n in line.names if safe(n.name, multiline=False)]
        if line.count is not None:
            total += line.count
            counted = True
        elif names:
            total += len(names)
            counted = True
        if names:
            head = f"- {label}" + (f" ({line.count} người)" if line.count is not None else "") + ":"
            b.para("MdItem", head)
            for person in names:
                b.para("MdItem", f"+ {safe(person_line(person), multiline=False)};")
        elif line.count is not None:
            b.para("MdItem", f"- {label}: {line.count} người;")
        else:
            b.para("MdItem", f"- {label};")
    if counted:
        b.para("MdItem", ("Tổng số đại biểu dự hội nghị: ", "b"), f"{total} người.")


def _write_chairs(b: DocBuilder, meeting: DocMeeting) -> None:
    chairs = [c for c in meeting.chairs if safe(c.name, multiline=False)]
    if len(chairs) == 1:
        b.para("MdItem", ("Chủ trì hội nghị: ", "b"), safe(person_line(chairs[0]), multiline=False) + ".")
    elif chairs:
        b.para("MdItem", ("Đồng chủ trì hội nghị:", "b"))
        for c in chairs:
            b.para("MdItem", f"- {safe(person_line(c), multiline=False)};")
    else:
        b.para("MdItem", ("Chủ trì hội nghị: ", "b"), "……………………………………")
    if meeting.secretary is not None and safe(meeting.secretary.name, multiline=False):
        b.para("MdItem", ("Thư ký hội nghị: ", "b"), safe(person_line(meeting.secretary), multiline=False) + ".")
    else:
        b.para("MdItem", ("Thư ký hội nghị: ", "b"), "……………………………………")


def _write_intervention(b: DocBuilder, item: DocIntervention, position: int) -> None:
    number = item.order if item.order else position
    head = f"Ý kiến {number}"
    if item.ticket:
        head += f" (phiếu số {item.ticket})"
    who = speaker_phrase(item)
    locality = safe(item.locality, multiline=False)
    if locality:
        who += f" – {locality}"
    field = safe(item.field, multiline=False)
    if field:
        who += f", lĩnh vực {lower_first(field)}"
    runs = [(head + ": ", "b"), (who, "b")]
    if item.started_at is not None:
        when = vn_time(item.started_at)
        if item.ended_at is not None:
            when += f" – {vn_time(item.ended_at)}"
        runs.append((f" ({when})", "i"))
    b.para("MdLead", *runs)

    summary = safe(item.summary)
    if summary:
        b.para("MdBody", summary)
    else:
        b.para("MdBody", ("(Không ghi nội dung.)", "i"))
    co = [safe(c, multiline=False) for c in item.co_signers]
    co = [c for c in co if c]
    if co:
        b.para("MdBody", (f"(cùng kiến nghị: {', '.join(co)})", "i"))

    unit = safe(item.answer_unit, multiline=False)
    answerer = safe(item.answerer, multiline=False)
    mode = answer_mode_label(item)
    answer = safe(item.answer_summary)
    if not (unit or answerer or mode or answer):
        status = safe(item.status, multiline=False)
        tail = f" (Tình trạng: {status}.)" if status else ""
        b.para("MdItem", ("Trả lời: ", "bi"), ("chưa có ý kiến trả lời tại hội nghị." + tail, "i"))
        return
    if unit or answerer:
        runs = [("- Đơn vị trả lời: ", "i"), unit or "……"]
        if answerer:
            runs += [("; người trả lời: ", "i"), answerer]
        runs.append(".")
        b.para("MdItem", *runs)
    if mode:
        b.para("MdItem", ("- Hình thức: ", "i"), mode + ".")
    if answer:
        lines = _paragraphs(answer)
        b.para("MdItem", ("- Nội dung trả lời: ", "i"), lines[0])
        for line in lines[1:]:
            b.para("MdItem", line)
    rating = safe(item.satisfaction, multiline=False)
    if rating:
        b.para("MdItem", ("- Đánh giá của người kiến nghị: ", "i"), rating + ".")


def build_minutes_docx(meeting: DocMeeting, interventions: Sequence[DocIntervention]) -> bytes:
    """Build the minutes (biên bản) of ``meeting`` as .docx bytes.

    The heading follows HD 36-HD/VPTW when ``meeting.doc_format == "party"``,
    Nghị định 30/2020/NĐ-CP when "state". Interventions are written in the
    order given (the service layer sorts them by ``order``). Free text is
    cleaned and any phone number in it is masked.
    """
    b = DocBuilder(meeting.doc_format)
    b.heading(meeting, doc_number(safe(meeting.number, multiline=False), "BB", b.party))
    b.title("BIÊN BẢN", _meeting_subtitle(meeting))

    day = meeting.meeting_date
    venue = safe(meeting.venue, multiline=False) or "……………………………………"
    b.para("MdBody", ("Thời gian: ", "b"), f"Vào hồi {vn_time(meeting.opened_at)}, {vn_long_date(day)}.")
    b.para("MdBody", ("Địa điểm: ", "b"), f"{venue}.")

    b.para("MdSection", "I. THÀNH PHẦN THAM DỰ")
    _write_attendance(b, meeting)
    _write_chairs(b, meeting)

    steps = [s for s in meeting.steps if safe(s.title, multiline=False)]
    if steps:
        b.para("MdSection", "II. CHƯƠNG TRÌNH HỘI NGHỊ")
        for k, step in enumerate(steps, 1):
            runs = [f"{k}. {safe(step.title, multiline=False)}"]
            if step.started_at is not None:
                runs.append((f" ({vn_time(step.started_at)})", "i"))
            b.para("MdItem", *runs)
        sections = ("III", "IV")
    else:
        sections = ("II", "III")

    b.para("MdSection", f"{sections[0]}. NỘI DUNG")
    if interventions:
        b.para("MdBody", f"Tại hội nghị có {len(interventions)} ý kiến phát biểu, kiến nghị, cụ thể như sau:")
        for k, item in enumerate(interventions, 1):
            _write_intervention(b, item, k)
    else:
        b.para("MdBody", "Không có ý kiến phát biểu, kiến nghị.")

    b.para("MdSection", f"{sections[1]}. KẾT LUẬN CỦA CHỦ TRÌ")
    conclusion = _paragraphs(safe(meeting.conclusion))
    if conclusion:
        for line in conclusion:
            b.para("MdBody", line)
    else:
        b.para("MdBody", ("(Ghi tóm tắt kết luận của chủ trì hội nghị.)", "i"))

    closing = f"Hội nghị kết thúc vào hồi {vn_time(meeting.closed_at)}"
    if meeting.closed_at is not None and day is not None and meeting.closed_at.date() != day:
        closing += f", {vn_long_date(meeting.closed_at.date())}."
    else:
        closing += " cùng ngày."
    b.para("MdKeep", closing)

    chairs = [c for c in meeting.chairs if safe(c.name, multiline=False)]
    chair_caption = ["CHỦ TRÌ HỘI NGHỊ"] if len(chairs) <= 1 else ["T/M CHỦ TRÌ HỘI NGHỊ"]
    chair_name = safe(chairs[0].name, multiline=False) if chairs else ""
    secretary_name = safe(meeting.secretary.name, multiline=False) if meeting.secretary else ""
    b.blank(style_id="MdKeep")
    b.signatures((["THƯ KÝ"], secretary_name), (chair_caption, chair_name), sign_hint=True)
    return b.to_bytes()

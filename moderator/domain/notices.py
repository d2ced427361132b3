"""What the citizen is told after the meeting, and when a failed message is tried again.

Plain text only: the same words go into an e-mail and (shortened) into an SMS. Nothing in a notice comes from
another request: only this request's ticket, its unit's answer and its own follow-up link.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .labels import N_

ANSWERED = "answered"
OVERDUE = "overdue"
EVENTS = (ANSWERED, OVERDUE)

SUBJECTS = {ANSWERED: N_("Trả lời ý kiến, kiến nghị phiếu số %(ticket)s"),
            OVERDUE: N_("Ý kiến, kiến nghị phiếu số %(ticket)s đã quá thời hạn trả lời")}
OPENING = {ANSWERED: N_("Ý kiến, kiến nghị của Ông/Bà (phiếu số %(ticket)s) tại %(meeting)s đã được trả lời."),
           OVERDUE: N_("Ý kiến, kiến nghị của Ông/Bà (phiếu số %(ticket)s) tại %(meeting)s đã quá thời hạn trả "
                       "lời (%(deadline)s). Ban tổ chức đã được nhắc và sẽ đôn đốc đơn vị trả lời.")}
UNIT_LINE = N_("Đơn vị trả lời: %(unit)s")
ANSWER_LINE = N_("Nội dung trả lời: %(answer)s")
FOLLOW_LINE = N_("Xem chi tiết và đánh giá mức độ hài lòng: %(link)s")
CODE_LINE = N_("Mã tra cứu: %(code)s")
OPT_OUT_LINE = N_("Không muốn nhận thông báo nữa? Mở đường dẫn trên và chọn “Không nhận thông báo”.")

SMS_LIMIT = 300          # about two concatenated Vietnamese (UCS-2) SMS segments and a half
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str
    sms: str


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def compose(event: str, *, meeting: str, ticket: int, unit: str, answer: str, deadline: date | None,
            code: str, link: str) -> Notice:
    values = {"ticket": ticket, "meeting": meeting, "deadline": _d(deadline), "unit": unit, "answer": answer,
              "code": code, "link": link}
    lines = [OPENING[event] % values]
    if unit:
        lines.append(UNIT_LINE % values)
    if event == ANSWERED and answer:
        lines.append(ANSWER_LINE % values)
    lines.append(FOLLOW_LINE % values if link else CODE_LINE % values)
    if link:
        lines.append(CODE_LINE % values)
    body = "\n".join(lines + ["", OPT_OUT_LINE])
    # The SMS: the opening, then the link (or code); the answer itself is read on the page.
    tail = "\n" + (FOLLOW_LINE % values if link else CODE_LINE % values)
    head = OPENING[event] % values
    room = SMS_LIMIT - len(tail)
    sms = (head if len(head) <= room else head[:room - 1] + "…") + tail
    return Notice(subject=SUBJECTS[event] % values, body=body, sms=sms)


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """After the n-th failed attempt: base, 4×base, 16×base, … capped at an hour."""
    return timedelta(seconds=min(base_seconds * 4 ** max(attempts - 1, 0), 3600))


def mask_phone(phone: str | None) -> str:
    digits = phone or ""
    return digits[:3] + "•" * max(len(digits) - 6, 0) + digits[-3:] if len(digits) > 6 else "•" * len(digits)


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return (local[:1] + "•••") + "@" + domain

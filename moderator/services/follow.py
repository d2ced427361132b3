"""The citizen follows a request after the meeting with its follow-up code (the ticket link, the printed slip):
what happened to it, the rating of the answer, and the notifications (an e-mail address, opt-out).

The code is the only credential: it opens this one request and nothing else. What it shows is the request's own
content and its answer — never the phone or address, never another person's request (a request merged into
another shows the other's answer, not its content or name).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from ..db.models import Field, Meeting, Rating, Request, Unit
from ..domain import notices
from ..domain.enums import Role, Status
from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.followcode import display_follow_code, normalize_follow_code
from . import notify
from .uow import Actor, UnitOfWork
from .views import iso

# An answer the owner can rate: given in the hall, in writing, or by the level it was forwarded to.
RATABLE = (Status.ANSWERED.value,)
REASON_MAX = 500


@dataclass
class Found:
    meeting: Meeting
    request: Request


def find(session, code_text: str | None) -> Found | None:
    code = normalize_follow_code(code_text)
    if code is None:
        return None
    req = session.scalars(select(Request).where(Request.follow_code == code)).first()
    if req is None:
        return None
    return Found(session.get(Meeting, req.meeting_id), req)


def _answered_by(session, req: Request) -> Request:
    """Whose answer this request has: its own, or the request it was merged into."""
    seen = {req.id}
    while req.status == Status.MERGED.value and req.merged_into_id and req.merged_into_id not in seen:
        target = session.get(Request, req.merged_into_id)
        if target is None:
            break
        seen.add(target.id)
        req = target
    return req


def view(session, found: Found, cfg=None) -> dict:
    m, req = found.meeting, found.request
    source = _answered_by(session, req)
    unit = session.get(Unit, source.unit_id) if source.unit_id else None
    field = session.get(Field, req.field_id) if req.field_id else None
    rating = session.scalars(select(Rating).where(Rating.request_id == req.id)).first()
    return {
        "meeting": {"code": m.code, "title": m.title, "venue": m.venue, "date": iso(m.date),
                    "organiser": m.organiser, "status": m.status},
        "code": display_follow_code(req.follow_code), "raw_code": req.follow_code,
        "ticket": req.ticket, "field": field.name if field else "", "content": req.content,
        "status": req.status, "source": req.source, "created_at": req.created_at,
        "merged": source.id != req.id, "merged_into_ticket": source.ticket if source.id != req.id else None,
        "answer_status": source.status, "reason": req.status_reason if req.status == Status.DECLINED.value else "",
        "answer": {"unit": unit.name if unit else "", "answerer": source.answerer, "mode": source.answer_mode,
                   "level": source.answer_level, "deadline": source.answer_deadline,
                   "summary": source.answer_summary, "answered_at": source.answered_at,
                   "spoke_at": req.speaking_started_at},
        "rating": {"satisfied": rating.satisfied, "reason": rating.reason, "at": rating.at} if rating else None,
        "can_rate": rating is None and source.status in RATABLE,
        "notify": {"channels": notify.available_channels(cfg, req), "opted_out": req.notify_opt_out,
                   "purged": req.contact_purged_at is not None, "consent": req.consent_at is not None,
                   "email": notices.mask_email(req.email), "phone": notices.mask_phone(req.phone)},
    }


def _actor(req: Request) -> Actor:
    return Actor(Role.DELEGATE, f"follow:{req.ticket}", meeting_id=req.meeting_id)


def _locate(rt, code_text: str) -> Found:
    with rt.read() as s:
        found = find(s, code_text)
        if found is None:
            raise NotFound("follow_code_unknown", "Không tìm thấy phiếu với mã tra cứu này. Xin kiểm tra lại mã "
                                                  "in trên phiếu.")
        s.expunge_all()
    return found


def rate(rt, code_text: str, satisfied: bool, reason: str = "") -> Rating:
    """The owner rates the answer, once."""
    found = _locate(rt, code_text)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise DomainError("too_long", "Nội dung dài quá %(max_length)s ký tự.", max_length=REASON_MAX,
                          field="reason")
    with UnitOfWork(rt, found.meeting.code, _actor(found.request), "rate_answer",
                    f"request:{found.request.id}") as uow:
        uow.public = False
        req = uow.request(found.request.id)
        if _answered_by(uow.session, req).status not in RATABLE:
            raise DomainError("not_answered_yet", "Ý kiến này chưa được trả lời nên chưa đánh giá được.")
        if uow.session.scalars(select(Rating).where(Rating.request_id == req.id)).first() is not None:
            raise Conflict("already_rated", "Ý kiến này đã được đánh giá. Mỗi phiếu chỉ đánh giá một lần.")
        rating = Rating(meeting_id=req.meeting_id, request_id=req.id, satisfied=satisfied, reason=reason)
        uow.session.add(rating)
        uow.audit_extra["rating"] = {"request_id": req.id, "satisfied": satisfied}
    return rating


def set_email(rt, code_text: str, email: str, consent: bool) -> None:
    """The owner adds (or changes) the e-mail address to be told at."""
    from ..domain.contact import EmailError, normalize_email
    found = _locate(rt, code_text)
    if not consent:
        raise DomainError("consent_required", "Vui lòng đánh dấu đồng ý nhận thông báo qua thư điện tử.",
                          field="consent")
    try:
        address = normalize_email(email)
    except EmailError as e:
        raise DomainError("email_invalid", "Địa chỉ thư điện tử chưa đúng.", field="email") from e
    with UnitOfWork(rt, found.meeting.code, _actor(found.request), "follow_email",
                    f"request:{found.request.id}") as uow:
        uow.public = False
        req = uow.request(found.request.id)
        req.email = address
        req.notify_opt_out = False


def opt_out(rt, code_text: str) -> int:
    """No more notifications for this request; what is still waiting is cancelled. Returns how many."""
    found = _locate(rt, code_text)
    with UnitOfWork(rt, found.meeting.code, _actor(found.request), "notify_opt_out",
                    f"request:{found.request.id}") as uow:
        uow.public = False
        req = uow.request(found.request.id)
        req.notify_opt_out = True
        cancelled = notify.cancel_waiting(uow.session, req.id, "Người nhận đã chọn không nhận thông báo.")
        uow.audit_extra["cancelled_notifications"] = cancelled
    return cancelled


# -- satisfaction statistics ---------------------------------------------------------------------------------------
def satisfaction(session, meeting_ids: list[int]) -> dict:
    """Ratings by unit and by field (unit and field names, so several meetings add up by name)."""
    rows = session.execute(
        select(Rating.satisfied, Unit.name, Field.name)
        .join(Request, Request.id == Rating.request_id)
        .outerjoin(Unit, Unit.id == Request.unit_id).outerjoin(Field, Field.id == Request.field_id)
        .where(Rating.meeting_id.in_(meeting_ids))).all()
    by_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for satisfied, unit, field in rows:
        i = 0 if satisfied else 1
        by_unit[unit or "Chưa giao"][i] += 1
        by_field[field or "Khác"][i] += 1
    yes = sum(1 for s, _, _ in rows if s)

    def table(d):
        return [{"name": k, "satisfied": v[0], "unsatisfied": v[1], "percent": round(100 * v[0] / (v[0] + v[1]))}
                for k, v in sorted(d.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))]
    return {"total": len(rows), "satisfied": yes, "unsatisfied": len(rows) - yes,
            "percent": round(100 * yes / len(rows)) if rows else None,
            "by_unit": table(by_unit), "by_field": table(by_field)}


def ratings_by_request(session, meeting_id: int) -> dict[int, Rating]:
    return {r.request_id: r for r in session.scalars(select(Rating).where(Rating.meeting_id == meeting_id))}


SATISFIED_LABEL = "Hài lòng"
UNSATISFIED_LABEL = "Chưa hài lòng"


def rating_label(r: Rating | None) -> str:
    """The rating as the minutes and the summary table write it."""
    if r is None:
        return ""
    label = SATISFIED_LABEL if r.satisfied else UNSATISFIED_LABEL
    return f"{label} ({r.reason})" if r.reason else label

"""A person's data on request (export, erase) and the organiser's purge button. Every action is audited, and the
audit rows themselves never hold the phone or address."""
from __future__ import annotations

from sqlalchemy import select

from ..db.models import AuditLog, Field, Request, Unit, utcnow
from ..domain.errors import DomainError, NotFound
from ..domain.phone import PhoneError, normalize_phone
from ..domain.roles import require
from .privacy import purge_expired
from .uow import Actor, UnitOfWork

ERASED_NAME = "(đã xóa theo yêu cầu)"


def purge(rt, actor: Actor, dry_run: bool = False) -> int:
    """The purge button: same rule as `moderator purge` (closed requests past the retention period)."""
    require(actor.role, "data.purge")
    return purge_expired(rt, dry_run=dry_run, actor_label=actor.label)


def _matches(uow: UnitOfWork, who: str) -> list[Request]:
    who = (who or "").strip()
    if not who:
        raise DomainError("person_required", "Nhập số điện thoại hoặc số phiếu của người yêu cầu.", field="who")
    if who.isdigit() and len(who) <= 5:
        rows = uow.requests_where(Request.ticket == int(who))
    else:
        try:
            phone = normalize_phone(who)
        except PhoneError as e:
            raise DomainError("phone_invalid", "Số điện thoại chưa đúng.", field="who") from e
        rows = uow.requests_where(Request.phone == phone)
    if not rows:
        raise NotFound("person_not_found", "Không tìm thấy phiếu nào của người này trong hội nghị.")
    return rows


def export_person(rt, actor: Actor, code: str, who: str) -> dict:
    """Everything the meeting holds about one person (by phone number or ticket), as a plain dict."""
    require(actor.role, "data.purge")
    with UnitOfWork(rt, code, actor, "export_person", "person") as uow:
        uow.public = False
        rows = _matches(uow, who)
        fields = dict(uow.session.execute(select(Field.id, Field.name).where(Field.meeting_id == uow.meeting.id)).all())
        units = dict(uow.session.execute(select(Unit.id, Unit.name).where(Unit.meeting_id == uow.meeting.id)).all())
        uow.audit_extra["exported"] = {"request_ids": [r.id for r in rows]}
        return {"meeting": {"code": uow.meeting.code, "title": uow.meeting.title},
                "exported_at": utcnow().isoformat(),
                "requests": [{
                    "ticket": r.ticket, "kind": r.kind, "full_name": r.full_name, "phone": r.phone,
                    "address": r.address, "email": r.email, "locality": r.locality, "organization": r.organization,
                    "position": r.position, "field": fields.get(r.field_id, ""), "content": r.content,
                    "source": r.source, "status": r.status, "reason": r.status_reason,
                    "unit": units.get(r.unit_id, ""), "answer_mode": r.answer_mode,
                    "answer_deadline": r.answer_deadline.isoformat() if r.answer_deadline else None,
                    "answer": r.answer_summary, "consent_at": r.consent_at.isoformat() if r.consent_at else None,
                    "created_at": r.created_at.isoformat() if r.created_at else None} for r in rows]}


def erase_person(rt, actor: Actor, code: str, who: str) -> list[int]:
    """Erase one person's identity and contact data from their requests (the content and answers stay, as
    the record of the meeting), and their name from earlier audit rows. Returns the tickets changed."""
    require(actor.role, "data.purge")
    with UnitOfWork(rt, code, actor, "erase_person", "person", audit=False) as uow:
        rows = _matches(uow, who)
        ids = [r.id for r in rows]
        now = utcnow()
        for r in rows:
            uow.track(r)
            r.full_name, r.phone, r.address, r.email = ERASED_NAME, None, None, None
            r.locality = r.organization = r.position = r.seat = ""
            r.device_hash, r.source_hash, r.contact_purged_at = None, None, now
        # Earlier audit rows hold request snapshots (never phone or address, but the name): scrub it there too.
        for a in uow.session.scalars(select(AuditLog).where(AuditLog.meeting_id == uow.meeting.id)):
            changed = False
            for part in ("before", "after"):
                doc = getattr(a, part)
                if not isinstance(doc, dict) or not isinstance(doc.get("requests"), dict):
                    continue
                reqs = dict(doc["requests"])
                for rid in ids:
                    snap = reqs.get(str(rid))
                    if isinstance(snap, dict) and any(k in snap for k in ("full_name", "locality", "organization",
                                                                           "position", "seat")):
                        reqs[str(rid)] = {**snap, "full_name": ERASED_NAME, "locality": "", "organization": "",
                                          "position": "", "seat": ""}
                        changed = True
                if changed:
                    setattr(a, part, {**doc, "requests": reqs})
        uow.session.add(AuditLog(meeting_id=uow.meeting.id, version=uow.meeting.version + 1, actor=actor.label,
                                 role=actor.role.value, action="erase_person", target="person",
                                 after={"request_ids": ids}))
        return [r.ticket for r in rows]

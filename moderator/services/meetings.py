"""Meetings: creation from a template, the chair's hall controls, programme steps, role keys and undo."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..db.models import (Admin, AuditLog, Field, Meeting, ProgrammeStep, Request, RoleKey, Unit, utcnow)
from ..domain.enums import Role, Status
from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.joincode import generate_join_code, normalize_join_code
from ..domain.presets import PRESETS
from ..domain.roles import require
from .uow import Actor, UnitOfWork, snapshot


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class MeetingSpec:
    title: str
    preset: str = "commune"
    code: str | None = None
    organiser: str = ""
    parent_body: str = ""
    venue: str = ""
    place_name: str = ""
    date: dt.date | None = None
    planned_start: str = "07:30"
    planned_end: str = "11:30"


def create_meeting(rt, actor: Actor, spec: MeetingSpec) -> Meeting:
    require(actor.role, "meeting.setup")
    preset = PRESETS.get(spec.preset)
    if preset is None:
        raise DomainError("preset_unknown", "Mẫu hội nghị không tồn tại.", field="preset")
    with rt.write_session() as s:
        code = normalize_join_code(spec.code) if spec.code else None
        if code and s.scalars(select(Meeting).where(Meeting.code == code)).first():
            raise Conflict("code_taken", "Mã tham gia đã được dùng cho hội nghị khác.", field="code")
        while not code:
            candidate = generate_join_code()
            if not s.scalars(select(Meeting).where(Meeting.code == candidate)).first():
                code = candidate
        m = Meeting(code=code, title=spec.title.strip(), level=preset.level, organiser=spec.organiser,
                    parent_body=spec.parent_body, venue=spec.venue, place_name=spec.place_name, date=spec.date,
                    planned_start=spec.planned_start, planned_end=spec.planned_end, status="open",
                    speaking_seconds=preset.speaking_seconds, jurisdiction_note=preset.jurisdiction_note,
                    doc_format=preset.doc_format, decline_reasons=list(preset.decline_reasons),
                    signatories={}, attendance={})
        s.add(m)
        s.flush()
        for i, title in enumerate(preset.programme, 1):
            s.add(ProgrammeStep(meeting_id=m.id, position=i, title=title))
        units = {}
        for i, name in enumerate(preset.units):
            u = Unit(meeting_id=m.id, position=i, name=name)
            s.add(u)
            units[name] = u
        s.flush()
        for i, (name, unit_name) in enumerate(preset.fields.items()):
            s.add(Field(meeting_id=m.id, position=i, name=name,
                        default_unit_id=units[unit_name].id if unit_name in units else None))
        s.add(AuditLog(meeting_id=m.id, version=m.version, actor=actor.label, role=actor.role.value,
                       action="create_meeting", target=f"meeting:{m.code}", after=snapshot(m)))
        s.commit()
        return m


def create_role_key(rt, actor: Actor, code: str, role: Role, unit_id: int | None = None, label: str = "",
                    key: str | None = None) -> str:
    """Create a role link key; the plain key is returned once and only its hash is stored."""
    require(actor.role, "keys.manage")
    if role not in (Role.CHAIR, Role.SECRETARY, Role.PROJECTOR, Role.USHER, Role.UNIT):
        raise DomainError("role_invalid", "Vai trò không hợp lệ.", field="role")
    key = key or secrets.token_urlsafe(18)
    with UnitOfWork(rt, code, actor, "create_key", f"role:{role.value}") as uow:
        uow.public = False
        if role == Role.UNIT:
            u = uow.session.get(Unit, unit_id) if unit_id else None
            if u is None or u.meeting_id != uow.meeting.id:
                raise DomainError("unit_unknown", "Cần chọn đơn vị trả lời.", field="unit_id")
        uow.session.add(RoleKey(meeting_id=uow.meeting.id, role=role.value, unit_id=unit_id, label=label,
                                key_hash=hash_key(key)))
    return key


def revoke_role_key(rt, actor: Actor, code: str, key_id: int) -> None:
    require(actor.role, "keys.manage")
    with UnitOfWork(rt, code, actor, "revoke_key", f"key:{key_id}") as uow:
        uow.public = False
        k = uow.session.get(RoleKey, key_id)
        if k is None or k.meeting_id != uow.meeting.id:
            raise NotFound("key_not_found", "Không tìm thấy liên kết.")
        k.revoked_at = utcnow()


def set_message(rt, code, actor: Actor, text: str) -> None:
    require(actor.role, "meeting.message")
    with UnitOfWork(rt, code, actor, "message") as uow:
        uow.track_meeting().message = text.strip()


def set_registration(rt, code, actor: Actor, open_: bool, note: str = "") -> None:
    require(actor.role, "meeting.registration")
    with UnitOfWork(rt, code, actor, "registration") as uow:
        m = uow.track_meeting()
        m.registration_open = open_
        m.registration_note = "" if open_ else (note.strip() or "Chủ trì đã khóa đăng ký phát biểu.")


def set_step(rt, code, actor: Actor, position: int) -> None:
    """Move the programme to a step (the projector follows); the first move opens the meeting."""
    require(actor.role, "meeting.programme")
    with UnitOfWork(rt, code, actor, "programme") as uow:
        m = uow.track_meeting()
        steps = list(uow.session.scalars(select(ProgrammeStep).where(ProgrammeStep.meeting_id == m.id)
                                         .order_by(ProgrammeStep.position)))
        if not 0 <= position <= len(steps):
            raise DomainError("step_invalid", "Bước chương trình không tồn tại.", field="position")
        m.current_step = position
        for s in steps:
            if s.position == position and s.started_at is None:
                s.started_at = utcnow()
        if position and m.status in ("draft", "open"):
            m.status, m.opened_at = "live", m.opened_at or utcnow()


def close_meeting(rt, code, actor: Actor, conclusion: str | None = None) -> None:
    """Close the session: everyone still queued was not reached (deferred) and is followed up in writing."""
    require(actor.role, "meeting.registration")
    with UnitOfWork(rt, code, actor, "close") as uow:
        m = uow.track_meeting()
        if m.floor_request_id:
            raise DomainError("floor_busy", "Hãy kết thúc lượt phát biểu hiện tại trước khi bế mạc.")
        for r in uow.requests_where(Request.status.in_([Status.ACCEPTED.value, Status.SUBMITTED.value])):
            uow.track(r)
            r.status, r.queue_rank = Status.DEFERRED.value, None
            r.status_reason = "Hội nghị hết thời gian; ý kiến sẽ được trả lời bằng văn bản."
        m.status, m.closed_at, m.registration_open = "closed", utcnow(), False
        m.registration_note = "Hội nghị đã kết thúc."
        if conclusion is not None:
            m.conclusion = conclusion.strip()


def set_conclusion(rt, code, actor: Actor, text: str) -> None:
    require(actor.role, "minutes.edit")
    with UnitOfWork(rt, code, actor, "conclusion") as uow:
        uow.public = False
        uow.track_meeting().conclusion = text.strip()


UNDOABLE = {"accept", "decline", "to_writing", "forward", "flag_complaint", "defer", "requeue", "reorder",
            "merge", "assign_answer", "call", "start", "pause", "resume", "extend", "end", "message",
            "registration", "programme", "answer_written", "quarantine", "release"}


def undo_last(rt, code, actor: Actor) -> str:
    """Undo the chair's last decision, if nothing it touched has changed since."""
    require(actor.role, "meeting.undo")
    with UnitOfWork(rt, code, actor, "undo") as uow:
        m = uow.meeting
        last = uow.session.scalars(select(AuditLog).where(
            AuditLog.meeting_id == m.id, AuditLog.undone.is_(False), AuditLog.action.in_(UNDOABLE),
            AuditLog.role.in_([Role.CHAIR.value, Role.ORGANISER.value])).order_by(AuditLog.id.desc())).first()
        if last is None:
            raise DomainError("nothing_to_undo", "Không còn thao tác nào để hoàn tác.")
        after_reqs = (last.after or {}).get("requests", {})
        before_reqs = (last.before or {}).get("requests", {})
        for rid, after in after_reqs.items():
            req = uow.request(int(rid))
            now = snapshot(req)
            if any(now.get(k) != v for k, v in after.items() if k != "updated_at"):
                raise Conflict("undo_stale", "Phiếu số %(ticket)s đã thay đổi sau thao tác này; không hoàn tác được.",
                               ticket=req.ticket)
        for rid, before in before_reqs.items():
            req = uow.request(int(rid))
            _restore(req, before)
        if "meeting" in (last.before or {}):
            mm = uow.track_meeting()
            _restore(mm, last.before["meeting"])
        last.undone = True
        uow.target = f"audit:{last.id}"
        uow.audit_extra["undid"] = {"audit_id": last.id, "action": last.action}
        return last.action


def _restore(row, values: dict) -> None:
    from datetime import date as _date, datetime as _dt
    cols = {c.key: c for c in row.__table__.columns}
    for k, v in values.items():
        if k in ("id", "updated_at", "created_at") or k not in cols:
            continue
        py = cols[k].type.python_type if hasattr(cols[k].type, "python_type") else None
        if v is not None and py is _dt:
            v = _dt.fromisoformat(v)
        elif v is not None and py is _date:
            v = _date.fromisoformat(v)
        setattr(row, k, v)


def create_admin(rt, username: str, password: str) -> None:
    from werkzeug.security import generate_password_hash
    if len(password) < 8:
        raise DomainError("password_short", "Mật khẩu cần ít nhất 8 ký tự.", field="password")
    with rt.write_session() as s:
        a = s.scalars(select(Admin).where(Admin.username == username)).first()
        if a is None:
            a = Admin(username=username, password_hash="")
            s.add(a)
        a.password_hash = generate_password_hash(password)
        s.add(AuditLog(actor="cli", role="organiser", action="create_admin", target=f"admin:{username}"))
        s.commit()

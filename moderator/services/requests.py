"""Speaking requests: filing, the delegate's own edits, the chair's decisions, merging and answers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..db.models import Field, Request, Unit, utcnow
from ..domain import queue as queue_rules
from ..domain.drafts import check_retry
from ..domain.enums import AnswerMode, Jurisdiction, Role, Source, Status, SubmitterKind
from ..domain.errors import Conflict, DomainError, PermissionDenied
from ..domain.phone import normalize_phone
from ..domain.seen import Seen
from ..domain.roles import require
from ..domain.floods import SourceLimits, check_source, source_tag
from ..domain.states import OPEN_STATES, WAITING, transition
from . import notify
from .staleness import check_seen
from .uow import Actor, UnitOfWork


@dataclass
class NewRequest:
    kind: SubmitterKind
    full_name: str
    content: str
    phone: str | None = None
    address: str | None = None
    locality: str = ""
    organization: str = ""
    position: str = ""
    seat: str = ""
    field_id: int | None = None
    wants_to_speak: bool = True
    jurisdiction: Jurisdiction | None = None
    consent: bool = False
    idempotency_key: str | None = None
    source: Source = Source.PHONE
    unit_id: int | None = None
    prepared_answer: str = ""


def _check_field(uow: UnitOfWork, field_id: int | None) -> None:
    if field_id is None:
        return
    f = uow.session.get(Field, field_id)
    if f is None or f.meeting_id != uow.meeting.id:
        raise DomainError("field_unknown", "Lĩnh vực không có trong danh sách của hội nghị.", field="field_id")


def _check_unit(uow: UnitOfWork, unit_id: int | None) -> None:
    if unit_id is None:
        return
    u = uow.session.get(Unit, unit_id)
    if u is None or u.meeting_id != uow.meeting.id:
        raise DomainError("unit_unknown", "Đơn vị trả lời không có trong danh sách của hội nghị.", field="unit_id")


def submit(rt, code: str, actor: Actor, data: NewRequest) -> tuple[Request, bool]:
    """File a request. Returns (request, created). Retries with the same idempotency key return the first."""
    staff_entry = data.source in (Source.PAPER, Source.FLOOR, Source.PRECOLLECTED)
    require(actor.role, "request.enter_paper" if staff_entry else "request.submit")
    data.idempotency_key = (data.idempotency_key or "").strip() or None
    if data.idempotency_key:
        existing = _by_idempotency(rt, code, data.idempotency_key)   # cheap read first: retries are common
        if existing is not None:
            check_retry(existing.content, data.content)
            return existing, False
    with UnitOfWork(rt, code, actor, "submit") as uow:
        m = uow.meeting
        if data.idempotency_key:
            # Checked again under the write lock: two retries racing each other still make one request.
            existing = uow.session.scalars(select(Request).where(
                Request.meeting_id == m.id, Request.idempotency_key == data.idempotency_key)).first()
            if existing is not None:
                check_retry(existing.content, data.content)
                uow.session.expunge(existing)
                uow.discard()
                return existing, False
        if not staff_entry:
            if m.status == "closed" or not m.registration_open:
                raise DomainError("registration_closed", m.registration_note or "Đã hết thời gian đăng ký phát biểu.")
            if not data.consent:
                raise DomainError("consent_required", "Vui lòng đồng ý cho hội nghị sử dụng thông tin liên hệ.",
                                  field="consent")
            open_count = uow.session.scalar(select(func.count()).select_from(Request).where(
                Request.meeting_id == m.id, Request.device_hash == actor.device_hash,
                Request.status.in_([s.value for s in WAITING | {Status.CALLED, Status.SPEAKING}])))
            if actor.device_hash and open_count >= m.max_open_per_device:
                raise DomainError("too_many_open", "Mỗi điện thoại chỉ gửi tối đa %(limit)s ý kiến đang chờ.",
                                  limit=m.max_open_per_device)
            if actor.source_hash:
                _check_source(uow, actor, rt.config)
        phone = normalize_phone(data.phone) if data.phone else None
        _check_field(uow, data.field_id)
        _check_unit(uow, data.unit_id)
        uow.track_meeting()
        ticket = m.next_ticket
        m.next_ticket += 1
        req = uow.add_request(Request(
            meeting_id=m.id, ticket=ticket, kind=data.kind.value, full_name=data.full_name.strip(),
            phone=phone, address=(data.address or "").strip() or None, locality=data.locality.strip(),
            organization=data.organization.strip(), position=data.position.strip(), seat=data.seat.strip(),
            field_id=data.field_id, content=data.content.strip(), wants_to_speak=data.wants_to_speak,
            jurisdiction=data.jurisdiction.value if data.jurisdiction else None, source=data.source.value,
            status=Status.SUBMITTED.value, device_hash=actor.device_hash,
            source_hash=None if staff_entry else actor.source_hash,
            idempotency_key=data.idempotency_key, consent_at=utcnow() if data.consent else None,
            unit_id=data.unit_id or _default_unit(uow, data.field_id), prepared_answer=data.prepared_answer))
        uow.target = f"request:{req.id}"
    return req, True


def _check_source(uow: UnitOfWork, actor: Actor, config) -> None:
    """Per-address limits (domain/floods.py), counted under the meeting's write lock so racing submissions from
    one address cannot all slip past."""
    m = uow.meeting
    limits = SourceLimits.of(m.max_devices_per_address, m.max_open_per_address,
                             getattr(config, "DEVICES_PER_ADDRESS", 10), getattr(config, "OPEN_PER_ADDRESS", 20))
    from_source = (Request.meeting_id == m.id, Request.source_hash == actor.source_hash)
    open_count = uow.session.scalar(select(func.count()).select_from(Request).where(
        *from_source, Request.status.in_([s.value for s in OPEN_STATES])))
    devices = set(uow.session.scalars(select(Request.device_hash).where(*from_source).distinct()))
    check_source(limits, open_count, len(devices - {actor.device_hash}), actor.device_hash in devices)


def _default_unit(uow, field_id):
    if field_id is None:
        return None
    f = uow.session.get(Field, field_id)
    return f.default_unit_id if f else None


def _by_idempotency(rt, code, key) -> Request | None:
    from .views import load_meeting
    with rt.read() as s:
        m = load_meeting(s, code)
        if m is None:
            return None
        return s.scalars(select(Request).where(Request.meeting_id == m.id, Request.idempotency_key == key)).first()


def _own(uow: UnitOfWork, actor: Actor, request_id: int) -> Request:
    req = uow.request(request_id)
    if not actor.device_hash or req.device_hash != actor.device_hash:
        raise PermissionDenied("not_owner", "Đây không phải phiếu của bạn.")
    return req


def edit_own(rt, code, actor: Actor, request_id: int, content: str | None = None, field_id: int | None = None,
             seat: str | None = None, wants_to_speak: bool | None = None) -> Request:
    require(actor.role, "request.edit_own")
    with UnitOfWork(rt, code, actor, "edit_own", f"request:{request_id}") as uow:
        req = _own(uow, actor, request_id)
        if req.status not in (Status.SUBMITTED.value, Status.ACCEPTED.value):
            raise DomainError("not_editable", "Phiếu đã được mời phát biểu nên không sửa được nữa.")
        if content is not None:
            req.content = content.strip()
        if field_id is not None:
            _check_field(uow, field_id)
            req.field_id = field_id
        if seat is not None:
            req.seat = seat.strip()
        if wants_to_speak is not None:
            req.wants_to_speak = wants_to_speak
    return req


def withdraw_own(rt, code, actor: Actor, request_id: int) -> Request:
    require(actor.role, "request.withdraw_own")
    with UnitOfWork(rt, code, actor, "withdraw", f"request:{request_id}") as uow:
        req = _own(uow, actor, request_id)
        _apply(uow, req, "withdraw")
        req.status_reason = ""
    return req


def _apply(uow: UnitOfWork, req: Request, action: str, reason: str | None = None) -> None:
    """Move a request through the state machine and keep the floor and the queue consistent."""
    was = Status(req.status)
    req.status = transition(was, action, reason).value
    if was == Status.ACCEPTED and req.status != Status.ACCEPTED.value:
        req.queue_rank = None
    if req.id == uow.meeting.floor_request_id and req.status not in (Status.CALLED.value, Status.SPEAKING.value):
        _clear_floor(uow)
    if req.status in (Status.ANSWERED.value, Status.DECLINED.value, Status.WITHDRAWN.value, Status.MERGED.value,
                      Status.COMPLAINT.value):
        req.closed_at = utcnow()


def _clear_floor(uow: UnitOfWork) -> None:
    m = uow.track_meeting()
    m.floor_request_id = None
    m.floor_state = "idle"
    m.floor_started_at_ms = m.floor_ends_at_ms = m.floor_remaining_ms = None


def _renumber(uow: UnitOfWork, order: list[int], queue: list[Request] | None = None) -> None:
    """`queue`: the queued rows, if the caller just read them and changed no status since (one query less)."""
    ranks = queue_rules.ranks(order)
    for r in (uow.queued() if queue is None else queue):
        if r.queue_rank != ranks.get(r.id):
            uow.track(r, rank_only=True)
            r.queue_rank = ranks.get(r.id)


def accept(uow: UnitOfWork, req: Request, priority: bool = False) -> None:
    _apply(uow, req, "accept")
    req.quarantined = False   # accepting one out of quarantine is the chair's call
    req.accepted_at = utcnow()
    req.priority = priority
    req.status_reason = ""
    _renumber(uow, queue_rules.with_inserted([q for q in uow.queued() if q.id != req.id] + [req], req.id, priority))


@dataclass
class Decision:
    action: str                      # accept, decline, to_writing, forward, flag_complaint, defer, requeue, answer_written
    reason: str | None = None
    deadline: date | None = None
    level: str | None = None         # for forward: province, central, outside
    priority: bool = False
    unit_id: int | None = None


def decide(rt, code, actor: Actor, request_id: int, d: Decision, expected_version: int | None = None,
           seen: Seen | None = None) -> Request:
    """`seen`: what the chair's screen showed; if the request changed since, the decision is refused (409)."""
    require(actor.role, "request.decide")
    with UnitOfWork(rt, code, actor, d.action, f"request:{request_id}") as uow:
        if expected_version is not None and expected_version != uow.meeting.version:
            raise Conflict("stale_version", "Màn hình của bạn chưa cập nhật; đã tải lại, vui lòng thao tác lại.",
                           version=uow.meeting.version)
        check_seen(uow, seen)
        req = uow.request(request_id)
        decide_in(uow, req, d)
    return req


def decide_in(uow: UnitOfWork, req: Request, d: Decision) -> None:
    if d.unit_id is not None:
        _check_unit(uow, d.unit_id)
        req.unit_id = d.unit_id
    if d.action == "accept":
        accept(uow, req, d.priority)
        return
    if d.action == "requeue":   # called but not present: back to the head of the queue
        _apply(uow, req, "requeue")
        req.called_at = None
        _renumber(uow, [req.id] + [q.id for q in queue_rules.ordered(uow.queued()) if q.id != req.id])
        return
    if d.action == "to_writing":
        if d.deadline is None:
            raise DomainError("deadline_required", "Cần chọn thời hạn trả lời bằng văn bản.", field="deadline")
        _apply(uow, req, "to_writing")
        req.answer_mode, req.answer_deadline = AnswerMode.WRITING.value, d.deadline
        req.status_reason = d.reason or ""
        return
    if d.action == "forward":
        level = d.level or "province"
        if level not in {j.value for j in Jurisdiction} - {"commune"}:
            raise DomainError("level_invalid", "Cấp chuyển đến phải là cấp tỉnh, Trung ương hoặc cơ quan ngoài hệ thống hành chính.",
                              field="level")
        _apply(uow, req, "forward")
        req.answer_mode, req.answer_level = AnswerMode.FORWARDED.value, level
        req.answer_deadline = d.deadline
        req.status_reason = d.reason or ""
        return
    if d.action in ("decline", "flag_complaint", "defer", "answer_written", "answer_hall"):
        _apply(uow, req, d.action, d.reason)
        req.status_reason = (d.reason or "").strip()
        if d.action.startswith("answer"):
            req.answered_at = utcnow()
            req.answer_mode = req.answer_mode or (AnswerMode.HALL.value if d.action == "answer_hall"
                                                  else AnswerMode.WRITING.value)
        if d.action == "flag_complaint":
            req.priority = False
        return
    raise DomainError("unknown_action", "Thao tác không hợp lệ.", action=d.action)


def quarantine_source(rt, code, actor: Actor, request_id: int) -> list[Request]:
    """One action for a burst: every new request from the same source as this one leaves the inbox. They stay
    open (and count against the source's limits); `release_source` or undo brings them back."""
    return _set_quarantine(rt, code, actor, request_id, True)


def release_source(rt, code, actor: Actor, request_id: int) -> list[Request]:
    return _set_quarantine(rt, code, actor, request_id, False)


def _set_quarantine(rt, code, actor: Actor, request_id: int, quarantined: bool) -> list[Request]:
    require(actor.role, "request.decide")
    action = "quarantine" if quarantined else "release"
    with UnitOfWork(rt, code, actor, action, f"request:{request_id}") as uow:
        req = uow.request(request_id, lock=False)
        if not req.source_hash:
            raise DomainError("no_source", "Phiếu số %(ticket)s không gửi từ điện thoại nên không có nguồn để cách ly.",
                              ticket=req.ticket)
        rows = uow.requests_where(Request.source_hash == req.source_hash, Request.status == Status.SUBMITTED.value,
                                  Request.quarantined.is_(not quarantined))
        if not rows and quarantined:
            raise DomainError("nothing_to_quarantine", "Không còn ý kiến mới nào từ nguồn này để cách ly.")
        if not rows:
            raise DomainError("nothing_to_release", "Không có ý kiến nào từ nguồn này đang bị cách ly.")
        for r in rows:
            uow.track(r)
            r.quarantined = quarantined
        uow.audit_extra[action] = {"source": source_tag(req.source_hash), "tickets": sorted(r.ticket for r in rows)}
    return rows


def reorder(rt, code, actor: Actor, order: list[int], expected_version: int | None = None,
            seen: Seen | None = None) -> None:
    """A whole new order, built on the meeting version or (from the console) on the queue order the chair saw."""
    require(actor.role, "queue.reorder")
    with UnitOfWork(rt, code, actor, "reorder", "queue", with_queue=True) as uow:
        if expected_version is not None and expected_version != uow.meeting.version:
            raise Conflict("stale_version", "Hàng đợi đã được người khác thay đổi; màn hình đã tải lại.",
                           version=uow.meeting.version)
        q = uow.queued()
        check_seen(uow, seen, q)
        _renumber(uow, queue_rules.validate_order(q, order), q)


def move(rt, code, actor: Actor, request_id: int, to: str | int, expected_version: int | None = None,
         seen: Seen | None = None) -> None:
    require(actor.role, "queue.reorder")
    with UnitOfWork(rt, code, actor, "reorder", f"request:{request_id}", with_queue=True) as uow:
        if expected_version is not None and expected_version != uow.meeting.version:
            raise Conflict("stale_version", "Hàng đợi đã được người khác thay đổi; màn hình đã tải lại.",
                           version=uow.meeting.version)
        q = uow.queued()
        check_seen(uow, seen, q)
        if to == "top":
            order = queue_rules.move_to_top(q, request_id)
        elif to == "up":
            order = queue_rules.move_by(q, request_id, -1)
        elif to == "down":
            order = queue_rules.move_by(q, request_id, +1)
        elif isinstance(to, int):
            order = queue_rules.move_to(q, request_id, to)
        else:
            raise DomainError("move_invalid", "Vị trí không hợp lệ.", field="to")
        _renumber(uow, order, q)


def merge(rt, code, actor: Actor, target_id: int, source_ids: list[int], seen: Seen | None = None) -> Request:
    """Merge duplicates into one request; every requester stays on it as a co-signer."""
    require(actor.role, "request.decide")
    with UnitOfWork(rt, code, actor, "merge", f"request:{target_id}") as uow:
        check_seen(uow, seen)
        target = uow.request(target_id)
        if target.status not in (Status.SUBMITTED.value, Status.ACCEPTED.value, Status.CALLED.value,
                                 Status.SPEAKING.value, Status.DEFERRED.value, Status.WRITTEN.value):
            raise DomainError("merge_target_closed", "Không gộp vào phiếu đã kết thúc.")
        if not source_ids or target_id in source_ids:
            raise DomainError("merge_sources", "Chọn ít nhất một phiếu khác để gộp.", field="source_ids")
        for sid in source_ids:
            src = uow.request(sid)
            _apply(uow, src, "merge")
            src.merged_into_id = target.id
            src.status_reason = f"Gộp vào phiếu số {target.ticket}"
        uow.audit_extra["merged"] = {"target": target_id, "sources": source_ids}
    return target


@dataclass
class Answer:
    unit_id: int | None
    answerer: str = ""
    mode: AnswerMode | None = None
    deadline: date | None = None
    level: str | None = None
    summary: str = ""


def assign_answer(rt, code, actor: Actor, request_ids: list[int], a: Answer, seen: Seen | None = None) -> list[Request]:
    """Assign the answering unit and how it answers, for one request or several on one subject."""
    require(actor.role, "answer.assign")
    if a.mode == AnswerMode.WRITING and a.deadline is None:
        raise DomainError("deadline_required", "Cần chọn thời hạn trả lời bằng văn bản.", field="deadline")
    with UnitOfWork(rt, code, actor, "assign_answer", "requests:" + ",".join(map(str, request_ids))) as uow:
        check_seen(uow, seen)
        _check_unit(uow, a.unit_id)
        out = []
        for rid in request_ids:
            req = uow.request(rid)
            if req.status in (Status.DECLINED.value, Status.WITHDRAWN.value, Status.MERGED.value,
                              Status.COMPLAINT.value):
                raise DomainError("answer_closed", "Phiếu số %(ticket)s đã đóng, không phân công trả lời được.",
                                  ticket=req.ticket)
            req.unit_id = a.unit_id
            req.answerer = a.answerer.strip()
            req.answer_mode = a.mode.value if a.mode else None
            req.answer_deadline = a.deadline
            req.answer_level = a.level if a.mode == AnswerMode.FORWARDED else None
            if a.summary:
                req.answer_summary = a.summary.strip()
            # Deciding "in writing" or "forwarded" for a request not on the floor closes its hall turn; switching
            # one to the other after the meeting (follow-up page) moves the status with the mode.
            if a.mode == AnswerMode.WRITING and req.status in (
                    s.value for s in WAITING | {Status.DEFERRED, Status.FORWARDED}):
                _apply(uow, req, "to_writing")
            elif a.mode == AnswerMode.FORWARDED and req.status in (
                    s.value for s in WAITING | {Status.DEFERRED, Status.WRITTEN}):
                _apply(uow, req, "forward")
            out.append(req)
    return out


def unit_answer(rt, code, actor: Actor, request_id: int, summary: str, mode: AnswerMode) -> Request:
    """The answering unit records its answer (written, or given in the hall)."""
    require(actor.role, "unit.answer")
    with UnitOfWork(rt, code, actor, "unit_answer", f"request:{request_id}") as uow:
        req = uow.request(request_id)
        if actor.role == Role.UNIT and req.unit_id != actor.unit_id:
            raise PermissionDenied("not_your_unit", "Phiếu này không giao cho đơn vị của bạn.")
        req.answer_summary = summary.strip()
        if req.status in (Status.WRITTEN.value, Status.FORWARDED.value, Status.DEFERRED.value):
            _apply(uow, req, "answer_written")
            req.answered_at = utcnow()
            req.answer_mode = req.answer_mode or mode.value
            notify.on_answer_posted(uow, req)
        elif req.status in (Status.SPEAKING.value, Status.CALLED.value) and mode == AnswerMode.HALL:
            pass  # the chair ends the intervention; the unit's text is the answer summary
        elif req.status == Status.ANSWERED.value:
            pass  # correcting the summary of an answer already given
        else:
            req.prepared_answer = summary.strip()
    return req

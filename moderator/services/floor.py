"""The floor: calling speakers and keeping time. Timers are stored as absolute end times (epoch ms)."""
from __future__ import annotations

from ..db.models import Request, utcnow
from ..domain import queue as queue_rules
from ..domain.enums import AnswerMode, FloorState, Status
from ..domain.errors import DomainError
from ..domain.roles import require
from .requests import _apply, _clear_floor, _renumber
from ..domain.seen import Seen
from .staleness import check_seen
from .uow import Actor, UnitOfWork
from .views import now_ms


def _floor_request(uow: UnitOfWork) -> Request | None:
    rid = uow.meeting.floor_request_id
    return uow.request(rid) if rid else None


def _close_current(uow: UnitOfWork) -> None:
    """Calling someone else while a speaker is on the floor ends that turn first."""
    cur = _floor_request(uow)
    if cur is None:
        return
    if cur.status == Status.SPEAKING.value:
        _end(uow, cur)
    elif cur.status == Status.CALLED.value:
        _apply(uow, cur, "requeue")
        cur.called_at = None
        _renumber(uow, [cur.id] + [q.id for q in queue_rules.ordered(uow.queued()) if q.id != cur.id])
    _clear_floor(uow)


def call(rt, code, actor: Actor, request_id: int | None = None, expected_version: int | None = None,
         seen: Seen | None = None) -> Request:
    """Call the next speaker (or a given one): they stand by while the microphone comes. `seen`: the request and
    the floor as the chair's screen showed them (calling closes the current turn: it must be the one seen)."""
    require(actor.role, "floor.control")
    with UnitOfWork(rt, code, actor, "call") as uow:
        _check_version(uow, expected_version)
        check_seen(uow, seen)
        if request_id is None:
            q = queue_rules.ordered(uow.queued())
            if not q:
                raise DomainError("queue_empty", "Hàng đợi đang trống.")
            request_id = q[0].id
        req = uow.request(request_id)
        if req.id == uow.meeting.floor_request_id:
            raise DomainError("already_on_floor", "Đại biểu này đang được mời.")
        _close_current(uow)
        _apply(uow, req, "call")
        req.called_at = utcnow()
        m = uow.track_meeting()
        m.floor_request_id, m.floor_state = req.id, FloorState.CALLED.value
        m.floor_started_at_ms = m.floor_ends_at_ms = m.floor_remaining_ms = None
        if m.status in ("draft", "open"):
            m.status = "live"
            m.opened_at = m.opened_at or utcnow()
        uow.target = f"request:{req.id}"
    return req


def start(rt, code, actor: Actor, seen: Seen | None = None) -> None:
    require(actor.role, "floor.control")
    with UnitOfWork(rt, code, actor, "start") as uow:
        check_seen(uow, seen)
        req = _floor_request(uow)
        if req is None or req.status != Status.CALLED.value:
            raise DomainError("nobody_called", "Chưa mời đại biểu nào lên phát biểu.")
        _apply(uow, req, "start")
        req.speaking_started_at = utcnow()
        m = uow.track_meeting()
        now = now_ms()
        m.floor_state = FloorState.SPEAKING.value
        m.floor_started_at_ms, m.floor_ends_at_ms, m.floor_remaining_ms = now, now + m.speaking_seconds * 1000, None
        uow.target = f"request:{req.id}"


def pause(rt, code, actor: Actor) -> None:
    require(actor.role, "floor.control")
    with UnitOfWork(rt, code, actor, "pause") as uow:
        m = uow.track_meeting()
        if m.floor_state != FloorState.SPEAKING.value:
            raise DomainError("not_speaking", "Đồng hồ không chạy.")
        m.floor_remaining_ms = m.floor_ends_at_ms - now_ms()
        m.floor_state = FloorState.PAUSED.value


def resume(rt, code, actor: Actor) -> None:
    require(actor.role, "floor.control")
    with UnitOfWork(rt, code, actor, "resume") as uow:
        m = uow.track_meeting()
        if m.floor_state != FloorState.PAUSED.value:
            raise DomainError("not_paused", "Đồng hồ không tạm dừng.")
        m.floor_ends_at_ms = now_ms() + m.floor_remaining_ms
        m.floor_remaining_ms = None
        m.floor_state = FloorState.SPEAKING.value


def extend(rt, code, actor: Actor, seconds: int) -> None:
    require(actor.role, "floor.control")
    if not 1 <= seconds <= 1800:
        raise DomainError("extend_invalid", "Thời gian gia hạn từ 1 giây đến 30 phút.", field="seconds")
    with UnitOfWork(rt, code, actor, "extend") as uow:
        m = uow.track_meeting()
        if m.floor_state == FloorState.SPEAKING.value:
            m.floor_ends_at_ms += seconds * 1000
        elif m.floor_state == FloorState.PAUSED.value:
            m.floor_remaining_ms += seconds * 1000
        else:
            raise DomainError("not_speaking", "Đồng hồ không chạy.")


def _end(uow: UnitOfWork, req: Request) -> None:
    req.speaking_ended_at = utcnow()
    if req.speaking_started_at:
        req.speaking_seconds = int((req.speaking_ended_at - req.speaking_started_at).total_seconds())
    mode = req.answer_mode or AnswerMode.HALL.value
    if mode == AnswerMode.WRITING.value:
        _apply(uow, req, "to_writing")
    elif mode == AnswerMode.FORWARDED.value:
        _apply(uow, req, "forward")
    else:
        _apply(uow, req, "answer_hall")
        req.answer_mode = AnswerMode.HALL.value
        req.answered_at = utcnow()


def end(rt, code, actor: Actor, seen: Seen | None = None) -> Request:
    """End the current intervention; its answer mode decides where it goes (answered / written / forwarded).
    `seen`: the floor (and its request) as the chair's screen showed them: never end someone else's turn."""
    require(actor.role, "floor.control")
    with UnitOfWork(rt, code, actor, "end") as uow:
        check_seen(uow, seen)
        req = _floor_request(uow)
        if req is None:
            raise DomainError("nobody_on_floor", "Không có ai đang phát biểu.")
        if req.status == Status.CALLED.value:
            raise DomainError("not_started", "Đại biểu chưa bắt đầu phát biểu; hãy bấm Bắt đầu hoặc Xếp lại lượt.")
        _end(uow, req)
        _clear_floor(uow)
        uow.target = f"request:{req.id}"
    return req


def requeue_current(rt, code, actor: Actor, seen: Seen | None = None) -> Request:
    """The called speaker is not in the hall: back to the head of the queue."""
    require(actor.role, "floor.control")
    with UnitOfWork(rt, code, actor, "requeue") as uow:
        check_seen(uow, seen)
        req = _floor_request(uow)
        if req is None:
            raise DomainError("nobody_on_floor", "Không có ai đang được mời.")
        _close_current_requeue(uow, req)
    return req


def _close_current_requeue(uow, req):
    _apply(uow, req, "requeue")
    req.called_at = None
    req.speaking_started_at = None
    _renumber(uow, [req.id] + [q.id for q in queue_rules.ordered(uow.queued()) if q.id != req.id])
    _clear_floor(uow)


def _check_version(uow, expected_version):
    from ..domain.errors import Conflict
    if expected_version is not None and expected_version != uow.meeting.version:
        raise Conflict("stale_version", "Màn hình của bạn chưa cập nhật; đã tải lại, vui lòng thao tác lại.",
                       version=uow.meeting.version)

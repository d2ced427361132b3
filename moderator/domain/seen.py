"""What the chair saw against what is stored now.

Every decision a chair takes (accept, decline, answer in writing, forward, merge, complaint, call, end, assign,
reorder) carries what that chair's screen showed when the decision was made: the requests it is about, the
floor, the queue order. If another chair (or the delegate) changed any of it in between, the decision is refused
with a Conflict naming what changed, and the screen shows the new state so the chair can decide again.

Only what the screen sent is compared: a client that sends nothing is not checked (API scripts), a console that
sends everything is protected against every change in between.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping, Sequence

from .enums import FloorState, Status
from .errors import Conflict
from .labels import N_, Phrase
from .states import STATUS_LABELS_VI

# The parts of a request a decision depends on, named the way a chair would say them.
REQUEST_FIELDS = {
    "status": N_("trạng thái"),
    "unit_id": N_("đơn vị trả lời"),
    "answer_mode": N_("cách trả lời"),
    "answer_deadline": N_("thời hạn trả lời"),
    "answer_level": N_("cấp nhận chuyển"),
    "merged_into_id": N_("gộp vào phiếu khác"),
    "priority": N_("ưu tiên"),
    "content": N_("nội dung"),
}

FLOOR_LABELS = {
    FloorState.IDLE.value: N_("chưa mời ai"),
    FloorState.CALLED.value: N_("đang mời phiếu số %(ticket)s"),
    FloorState.SPEAKING.value: N_("phiếu số %(ticket)s đang phát biểu"),
    FloorState.PAUSED.value: N_("phiếu số %(ticket)s đang tạm dừng"),
}


@dataclass(frozen=True)
class Seen:
    """What one screen showed: request id -> the fields it showed; the floor; the queue order (request ids)."""
    requests: Mapping[int, Mapping[str, object]] = field(default_factory=dict)
    floor: Mapping[str, object] | None = None
    queue: Sequence[int] | None = None


@dataclass(frozen=True)
class Now:
    """The same things as stored, read under the meeting's write lock."""
    requests: Mapping[int, Mapping[str, object]]      # id -> fields, each with its "ticket"
    floor: Mapping[str, object]                        # {"request_id", "state"}
    queue: Sequence[int]                               # ordered request ids
    tickets: Mapping[int, int]                         # id -> ticket, for every id named above


def _norm(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def request_changes(seen: Mapping[str, object], now: Mapping[str, object]) -> list[str]:
    """The decision fields that differ between what was seen and what is stored (only those that were seen)."""
    return [k for k in REQUEST_FIELDS if k in seen and _norm(seen[k]) != _norm(now.get(k))]


@dataclass(frozen=True)
class QueueChange:
    joined: list[int]
    left: list[int]
    reordered: bool

    def __bool__(self) -> bool:
        return bool(self.joined or self.left or self.reordered)


def queue_changes(seen: Sequence[int], now: Sequence[int]) -> QueueChange:
    seen_set, now_set = set(seen), set(now)
    joined = [i for i in now if i not in seen_set]
    left = [i for i in seen if i not in now_set]
    kept_seen = [i for i in seen if i in now_set]
    kept_now = [i for i in now if i in seen_set]
    return QueueChange(joined, left, kept_seen != kept_now)


def _tickets(ids: Sequence[int], tickets: Mapping[int, int]) -> str:
    return ", ".join(str(tickets.get(i, "?")) for i in sorted(ids, key=lambda i: tickets.get(i, 0)))


def _floor_phrase(floor: Mapping[str, object], tickets: Mapping[int, int]) -> Phrase:
    state = str(floor.get("state") or FloorState.IDLE.value)
    rid = floor.get("request_id")
    if not rid:
        state = FloorState.IDLE.value
    return Phrase(FLOOR_LABELS.get(state, FLOOR_LABELS[FloorState.IDLE.value]), ticket=tickets.get(rid, "?"))


def check(seen: Seen, now: Now) -> None:
    """Raise Conflict naming the first thing that changed since the screen showed it; return if nothing did.

    Requests first (what the decision is about), then the floor, then the queue order."""
    for rid, fields in seen.requests.items():
        current = now.requests.get(rid)
        if current is None:
            continue          # unknown ids are the service's NotFound, not a conflict
        changed = request_changes(fields, current)
        if not changed:
            continue
        ticket = current.get("ticket")
        if "status" in changed:
            raise Conflict(
                "stale_decision",
                "Phiếu số %(ticket)s vừa được xử lý trên màn hình khác: từ “%(seen)s” thành “%(now)s”. "
                "Hãy xem trạng thái mới và quyết định lại.",
                ticket=ticket, request_id=rid, changed=changed,
                seen=Phrase(STATUS_LABELS_VI.get(_status(fields.get("status")), str(fields.get("status")))),
                now=Phrase(STATUS_LABELS_VI.get(_status(current.get("status")), str(current.get("status")))))
        raise Conflict(
            "stale_decision",
            "Phiếu số %(ticket)s vừa được thay đổi trong lúc bạn xem (%(what)s). Hãy xem lại và quyết định lại.",
            ticket=ticket, request_id=rid, changed=changed, what=[Phrase(REQUEST_FIELDS[k]) for k in changed])
    if seen.floor is not None:
        seen_id, now_id = seen.floor.get("request_id") or None, now.floor.get("request_id") or None
        seen_state = seen.floor.get("state") or FloorState.IDLE.value
        now_state = now.floor.get("state") or FloorState.IDLE.value
        if seen_id != now_id or (seen_id is not None and seen_state != now_state):
            raise Conflict(
                "floor_changed",
                "Lượt phát biểu vừa thay đổi trên màn hình khác: trước là “%(seen)s”, nay là “%(now)s”. "
                "Hãy xem lại và thao tác lại.",
                changed=["floor"], seen=_floor_phrase(seen.floor, now.tickets),
                now=_floor_phrase(now.floor, now.tickets))
    if seen.queue is not None:
        diff = queue_changes(seen.queue, now.queue)
        if diff:
            what = []
            if diff.joined:
                what.append(Phrase(N_("phiếu số %(tickets)s vừa vào hàng"), tickets=_tickets(diff.joined, now.tickets)))
            if diff.left:
                what.append(Phrase(N_("phiếu số %(tickets)s vừa rời hàng"), tickets=_tickets(diff.left, now.tickets)))
            if diff.reordered:
                what.append(Phrase(N_("thứ tự đã được sắp xếp lại")))
            raise Conflict(
                "queue_changed",
                "Hàng đợi vừa thay đổi trên màn hình khác (%(what)s). Hãy xem thứ tự mới và sắp xếp lại.",
                changed=["queue"], what=what)


def _status(value) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None

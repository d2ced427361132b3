"""Refuse a decision taken on a stale screen: compare what the chair saw (domain/seen.py) with the rows read
under the meeting's write lock, inside the decision's own UnitOfWork (so nothing can change in between)."""
from __future__ import annotations

from sqlalchemy import select

from ..db.models import Request
from ..domain import queue as queue_rules
from ..domain import seen as seen_rules
from ..domain.errors import Conflict
from . import views
from .uow import UnitOfWork


def decision_fields(r: Request) -> dict:
    return {"ticket": r.ticket, "status": r.status, "unit_id": r.unit_id, "answer_mode": r.answer_mode,
            "answer_deadline": r.answer_deadline, "answer_level": r.answer_level,
            "merged_into_id": r.merged_into_id, "priority": r.priority, "content": r.content}


def check_seen(uow: UnitOfWork, seen: seen_rules.Seen | None, queued: list[Request] | None = None) -> None:
    """Raise Conflict (409) naming what changed since the screen showed it, with the current staff view of the
    requests the decision was about; do nothing if the screen sent nothing. `queued`: the queue's rows, if the
    caller has just read them in this unit of work."""
    if seen is None or (not seen.requests and seen.floor is None and seen.queue is None):
        return
    m = uow.meeting
    rows = {rid: uow.request(rid, lock=False) for rid in seen.requests}
    queue = [q.id for q in queue_rules.ordered(uow.queued() if queued is None else queued)] \
        if seen.queue is not None else []
    floor = {"request_id": m.floor_request_id, "state": m.floor_state}
    ids = set(rows) | set(queue) | set(seen.queue or []) | {floor["request_id"], (seen.floor or {}).get("request_id")}
    ids.discard(None)
    tickets = dict(uow.session.execute(select(Request.id, Request.ticket).where(
        Request.meeting_id == m.id, Request.id.in_(ids))).all()) if ids else {}
    now = seen_rules.Now(requests={rid: decision_fields(r) for rid, r in rows.items()}, floor=floor, queue=queue,
                         tickets=tickets)
    try:
        seen_rules.check(seen, now)
    except Conflict as e:
        shown = dict(rows)
        if floor["request_id"] and floor["request_id"] not in shown:
            shown[floor["request_id"]] = uow.request(floor["request_id"], lock=False)
        names = views.Names.load(uow.session, m.id)
        e.details["current"] = [views.staff_request(r, names) for r in shown.values()]
        raise

"""Read-only views for the chair's console: merge suggestions, the pace forecast, the audit log and the
formal-process (complaint) list. Nothing here changes state; every change goes through the services that use
the UnitOfWork (requests.py, floor.py, meetings.py)."""
from __future__ import annotations

import math
from datetime import datetime, time as dtime, timezone

from sqlalchemy import select

from .. import localtime
from ..db.models import Admin, AuditLog, Meeting, Request, RoleKey
from ..domain import forecast as forecast_rules
from ..domain import similarity
from ..domain.enums import Status
from ..domain.states import OPEN_STATES, WAITING
from . import views

# Columns never shown in the audit view (the UnitOfWork already leaves phone and address out of its rows;
# this is a second fence for rows written by other paths).
_HIDDEN = {"phone", "address", "device_hash", "idempotency_key", "source_hash", "updated_at", "created_at", "meeting_id", "id"}
def local_tz():
    """The meeting's clock: planned start and end are hall time."""
    return localtime.TZ


def _hhmm(value: str | None, default: dtime) -> dtime:
    try:
        h, m = (int(p) for p in (value or "").split(":", 1))
        return dtime(h, m)
    except (ValueError, TypeError):
        return default


# -- merge suggestions ---------------------------------------------------------------------------------------
_RANK = {Status.SPEAKING.value: 0, Status.CALLED.value: 1, Status.ACCEPTED.value: 2, Status.SUBMITTED.value: 3}


def merge_suggestions(session, m: Meeting, threshold: float = similarity.DEFAULT_THRESHOLD,
                      dismissed: set[tuple[int, int]] | None = None) -> list[dict]:
    """Pairs of open requests in the same field that say the same thing, with the one to keep first.

    At least one of the two must still be waiting (submitted or accepted): only a waiting request can be merged
    into another. The target is the one further along (speaking > called > queued > new), then the older ticket.
    """
    reqs = {r.id: r for r in session.scalars(select(Request).where(
        Request.meeting_id == m.id, Request.status.in_([s.value for s in OPEN_STATES])))}
    cands = [similarity.Candidate(r.id, r.field_id, r.content) for r in reqs.values()]
    waiting = {s.value for s in WAITING}
    out = []
    for s in similarity.suggest_merges(cands, threshold):
        if dismissed and (s.a_id, s.b_id) in dismissed:
            continue
        a, b = reqs[s.a_id], reqs[s.b_id]
        if a.status not in waiting and b.status not in waiting:
            continue
        keep, drop = sorted((a, b), key=lambda r: (_RANK.get(r.status, 9), r.ticket))
        if drop.status not in waiting:
            keep, drop = drop, keep
        out.append({"target_id": keep.id, "source_id": drop.id, "target_ticket": keep.ticket,
                    "source_ticket": drop.ticket, "score": s.score, "field_id": keep.field_id})
    return out


# -- forecast ----------------------------------------------------------------------------------------------------
def remaining_seconds(m: Meeting, now: datetime | None = None) -> float:
    """Time left in the session: the planned end (meeting date + planned_end, local time) minus now, or minus
    the planned start while the session has not begun. No date: the planned times are taken as today's."""
    tz = local_tz()
    now = now.astimezone(tz) if now is not None else datetime.now(tz)
    day = m.date or now.date()
    start = datetime.combine(day, _hhmm(m.planned_start, dtime(7, 30)), tz)
    end = datetime.combine(day, _hhmm(m.planned_end, dtime(11, 30)), tz)
    return (end - max(now, start)).total_seconds()


def turn_durations(session, m: Meeting) -> list[float]:
    """Time on the floor (speaking plus the answer) of every intervention that has ended."""
    return [float(v) for v in session.scalars(select(Request.speaking_seconds).where(
        Request.meeting_id == m.id, Request.speaking_seconds.is_not(None)))]


def forecast(session, m: Meeting, now: datetime | None = None) -> dict:
    queued = len(views.queued(session, m.id))
    durations = turn_durations(session, m)
    left = remaining_seconds(m, now)
    f = forecast_rules.forecast(left, durations, queued, float(m.speaking_seconds or 180))
    return {"remaining_seconds": max(0, int(left)) if math.isfinite(left) else None,
            "avg_seconds": round(f.avg_seconds), "turns_so_far": len([d for d in durations if d > 0]),
            "queued": queued, "can_reach": f.can_reach, "not_reached": f.not_reached,
            "planned_end": m.planned_end, "date": views.iso(m.date)}


# -- formal process ----------------------------------------------------------------------------------------------
def complaints(session, m: Meeting) -> list[dict]:
    names = views.Names.load(session, m.id)
    rows = session.scalars(select(Request).where(Request.meeting_id == m.id,
                                                 Request.status == Status.COMPLAINT.value).order_by(Request.ticket))
    return [views.staff_request(r, names) for r in rows]


# -- audit log ---------------------------------------------------------------------------------------------------
def _actor_names(session, m: Meeting) -> dict[str, str]:
    names = {f"key{k.id}": k.label or k.role for k in session.scalars(
        select(RoleKey).where(RoleKey.meeting_id == m.id))}
    names.update({f"admin{a.id}": a.username for a in session.scalars(select(Admin))})
    return names


def _changes(before: dict, after: dict) -> dict:
    if not before:   # a new request: its status is enough (the content is on the request itself)
        return {"status": [None, after.get("status")]} if after.get("status") else {}
    out = {}
    for k in sorted(set(before) | set(after)):
        if k in _HIDDEN:
            continue
        if before.get(k) != after.get(k):
            out[k] = [before.get(k), after.get(k)]
    return out


def audit_log(session, m: Meeting, limit: int = 200, before_id: int | None = None) -> list[dict]:
    """The latest decisions, newest first: who, when, what, and which tickets changed how."""
    stmt = select(AuditLog).where(AuditLog.meeting_id == m.id)
    if before_id:
        stmt = stmt.where(AuditLog.id < before_id)
    rows = list(session.scalars(stmt.order_by(AuditLog.id.desc()).limit(limit)))
    ids = set()
    for row in rows:
        ids.update(int(k) for k in ((row.after or {}).get("requests") or {}))
    tickets = dict(session.execute(select(Request.id, Request.ticket).where(Request.id.in_(ids))).all()) if ids \
        else {}
    who = _actor_names(session, m)
    out = []
    for row in rows:
        before_r = (row.before or {}).get("requests") or {}
        after_r = (row.after or {}).get("requests") or {}
        reqs = []
        for rid, after in after_r.items():
            ch = _changes(before_r.get(rid) or {}, after or {})
            if ch:
                reqs.append({"id": int(rid), "ticket": tickets.get(int(rid)), "changes": ch})
        reqs.sort(key=lambda d: d["ticket"] or 0)
        meeting_ch = _changes((row.before or {}).get("meeting") or {}, (row.after or {}).get("meeting") or {})
        actor_key = row.actor.split(":", 1)[1] if ":" in row.actor else row.actor
        out.append({"id": row.id, "version": row.version, "at": views.iso(row.at),
                    "at_ms": int(row.at.replace(tzinfo=timezone.utc).timestamp() * 1000) if row.at else None,
                    "actor": who.get(actor_key, actor_key), "role": row.role, "action": row.action,
                    "target": row.target, "undone": bool(row.undone), "requests": reqs,
                    "meeting": meeting_ch,
                    "merged": (row.after or {}).get("merged"), "undid": (row.after or {}).get("undid")})
    return out

"""What each audience may see, as plain dicts. The ONLY place that decides which columns leave the server.

public  -> projector, phones, public pages: never phone, address, seat, or anything flagged as a complaint.
owner   -> the delegate who filed it: their own data back, plus status, reason and answer.
unit    -> the answering unit: the request and its answer, no phone or address.
staff   -> chair, secretary, organiser: everything.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from ..db.models import Field, Meeting, ProgrammeStep, Request, Unit
from ..domain import queue as queue_rules
from ..domain.enums import Status
from ..domain.floods import BURST, source_tag
from ..domain.states import OPEN_STATES, STATUS_LABELS_VI

PUBLIC_NEXT = 5


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(dt):
    return dt.isoformat() if dt else None


@dataclass
class Names:
    fields: dict[int, str]
    units: dict[int, str]
    default_unit: dict[int, int | None]

    @classmethod
    def load(cls, session, meeting_id: int) -> "Names":
        fields = session.execute(select(Field.id, Field.name, Field.default_unit_id)
                                 .where(Field.meeting_id == meeting_id)).all()
        units = session.execute(select(Unit.id, Unit.name).where(Unit.meeting_id == meeting_id)).all()
        return cls({f.id: f.name for f in fields}, {u.id: u.name for u in units},
                   {f.id: f.default_unit_id for f in fields})


class SetupCache:
    """Per process: each meeting's field and unit names and programme step titles, kept while the meeting's
    setup_stamp (read with the meeting, renewed by every change to them: db/models.py) stays the same. The public
    state after every chair action, and the snapshots phones fetch, read them from memory on every worker."""

    def __init__(self):
        self._by_meeting: dict[int, tuple[str, Names, list[str]]] = {}

    def get(self, session, m: Meeting) -> tuple[Names, list[str]]:
        hit = self._by_meeting.get(m.id)
        if hit is not None and m.setup_stamp and hit[0] == m.setup_stamp:
            return hit[1], hit[2]
        names = Names.load(session, m.id)
        titles = list(session.scalars(select(ProgrammeStep.title).where(ProgrammeStep.meeting_id == m.id)
                                      .order_by(ProgrammeStep.position)))
        self._by_meeting[m.id] = (m.setup_stamp, names, titles)
        return names, titles


def display_name(r: Request) -> str:
    return r.full_name or r.organization


def display_locality(r: Request) -> str:
    """Where the speaker is from, as it may be shown publicly: never the contact address."""
    if r.kind == "organization":
        return ", ".join(p for p in (r.position, r.organization) if p)
    return r.locality or ""


def public_request(r: Request, names: Names) -> dict:
    return {"ticket": r.ticket, "name": display_name(r), "locality": display_locality(r),
            "field": names.fields.get(r.field_id, ""), "status": r.status}


def _answer(r: Request, names: Names) -> dict:
    return {"unit_id": r.unit_id, "unit": names.units.get(r.unit_id, ""), "answerer": r.answerer,
            "mode": r.answer_mode, "level": r.answer_level, "deadline": iso(r.answer_deadline),
            "summary": r.answer_summary, "answered_at": iso(r.answered_at)}


def owner_request(r: Request, names: Names) -> dict:
    return {"id": r.id, "ticket": r.ticket, "kind": r.kind, "full_name": r.full_name, "locality": r.locality,
            "organization": r.organization, "position": r.position, "seat": r.seat, "field_id": r.field_id,
            "field": names.fields.get(r.field_id, ""), "content": r.content, "wants_to_speak": r.wants_to_speak,
            "status": r.status, "status_label": STATUS_LABELS_VI.get(Status(r.status), r.status),
            "reason": r.status_reason, "merged_into_ticket": None, "answer": _answer(r, names),
            "created_at": iso(r.created_at), "editable": r.status in ("submitted", "accepted"),
            "withdrawable": r.status in ("submitted", "accepted", "called"), "follow_code": r.follow_code}


def unit_request(r: Request, names: Names) -> dict:
    return {"id": r.id, "ticket": r.ticket, "name": display_name(r), "locality": display_locality(r),
            "field": names.fields.get(r.field_id, ""), "content": r.content, "status": r.status,
            "jurisdiction": r.jurisdiction, "source": r.source, "prepared_answer": r.prepared_answer,
            "answer": _answer(r, names)}


def staff_request(r: Request, names: Names) -> dict:
    d = {c.key: getattr(r, c.key) for c in Request.__table__.columns if c.key not in ("device_hash",
                                                                                          "idempotency_key",
                                                                                          "source_hash")}
    d["source_tag"] = source_tag(r.source_hash)
    for k, v in list(d.items()):
        if hasattr(v, "isoformat"):
            d[k] = v.isoformat()
    d["field"] = names.fields.get(r.field_id, "")
    d["unit"] = names.units.get(r.unit_id, "")
    d["default_unit_id"] = names.default_unit.get(r.field_id)
    d["name"] = display_name(r)
    d["display_locality"] = display_locality(r)
    return d


def usher_request(r: Request, names: Names) -> dict:
    d = public_request(r, names)
    d["seat"] = r.seat
    return d


def _floor(m: Meeting) -> dict:
    return {"request_id": m.floor_request_id, "state": m.floor_state, "started_at": m.floor_started_at_ms,
            "ends_at": m.floor_ends_at_ms, "remaining_ms": m.floor_remaining_ms,
            "speaking_seconds": m.speaking_seconds}


def meeting_public(m: Meeting, step_titles: list[str]) -> dict:
    return {"code": m.code, "title": m.title, "level": m.level, "organiser": m.organiser, "venue": m.venue,
            "date": iso(m.date), "planned_start": m.planned_start, "planned_end": m.planned_end,
            "status": m.status, "registration_open": m.registration_open, "registration_note": m.registration_note,
            "jurisdiction_note": m.jurisdiction_note, "speaking_seconds": m.speaking_seconds,
            "current_step": m.current_step, "steps": list(step_titles), "message": m.message}


def meeting_staff(m: Meeting, steps, units, fields) -> dict:
    d = meeting_public(m, [s.title for s in steps])
    d.update({"id": m.id, "version": m.version, "floor": _floor(m), "doc_format": m.doc_format,
              "decline_reasons": m.decline_reasons or [], "max_open_per_device": m.max_open_per_device,
              "burst_size": BURST,
              "conclusion": m.conclusion, "opened_at": iso(m.opened_at), "closed_at": iso(m.closed_at),
              "steps_detail": [{"position": s.position, "title": s.title, "started_at": iso(s.started_at)}
                               for s in steps],
              "units": [{"id": u.id, "name": u.name} for u in units],
              "fields": [{"id": f.id, "name": f.name, "default_unit_id": f.default_unit_id} for f in fields]})
    return d


def load_meeting(session, code: str) -> Meeting | None:
    return session.scalars(select(Meeting).where(Meeting.code == (code or "").strip().upper())).first()


def queued(session, meeting_id: int) -> list[Request]:
    rows = session.scalars(select(Request).where(Request.meeting_id == meeting_id,
                                                 Request.status == Status.ACCEPTED.value))
    return queue_rules.ordered(rows)


# What the public queue shows of each queued request (public_request) and what orders it: columns, not whole rows.
_PUBLIC_QUEUE_COLUMNS = (Request.id, Request.ticket, Request.kind, Request.full_name, Request.organization,
                         Request.position, Request.locality, Request.field_id, Request.status, Request.queue_rank)


class QueueRow(NamedTuple):
    """One queued request as the public state reads it (the columns above, in their order)."""
    id: int
    ticket: int
    kind: str
    full_name: str
    organization: str
    position: str
    locality: str
    field_id: int | None
    status: str
    queue_rank: int | None


# The two reads of every public state, built once (constructing a select costs about as much as running it).
_PUBLIC_QUEUE = select(*_PUBLIC_QUEUE_COLUMNS).where(Request.meeting_id == bindparam("meeting_id"),
                                                     Request.status == Status.ACCEPTED.value)
# one query for the counters and the pace (average speaking time so far), not two
_COUNTS = (select(Request.status, func.count(), func.count(Request.speaking_seconds), func.sum(Request.speaking_seconds))
           .where(Request.meeting_id == bindparam("meeting_id")).group_by(Request.status))


def public_queue(session, meeting_id: int) -> list[QueueRow]:
    return queue_rules.ordered(QueueRow(*row) for row in session.execute(_PUBLIC_QUEUE, {"meeting_id": meeting_id}))


def pace_seconds(session, m: Meeting) -> float:
    """Average time per intervention so far (speaking plus answer), or the default speaking time."""
    avg = session.scalar(select(func.avg(Request.speaking_seconds)).where(
        Request.meeting_id == m.id, Request.speaking_seconds.is_not(None)))
    return float(avg) if avg else float(m.speaking_seconds)


@dataclass(frozen=True)
class PublicInputs:
    """What a meeting's public state is made of, besides the meeting row and its fixed parts: the ordered queue,
    the counters per status, and the public part of the request on the floor. Kept per process after a commit
    (realtime/publisher.py), so the next change, if it moved no request but in the queue, builds its state from
    these instead of reading them again."""
    version: int
    setup_stamp: str | None
    queue: tuple[QueueRow, ...]
    counts: tuple[tuple, ...]            # (status, requests, timed, seconds spoken)
    floor_id: int | None
    floor: dict | None                   # public_request + _answer_public of the floor's request, or None

    def follows(self, m: Meeting, session) -> bool:
        """Whether the change `session` is committing at `m.version` can start from these: they are the state of
        the version just before it (read under the change's own lock, so nobody committed in between), and the
        change touched no request beyond moving queue ranks (db/models.py records that at every flush)."""
        return self.version == m.version - 1 and not session.info.get("requests_changed")


def _floor_part(session, m: Meeting, names: Names) -> dict | None:
    if not m.floor_request_id:
        return None
    r = session.get(Request, m.floor_request_id)
    if r is None or r.status == Status.COMPLAINT.value:
        return None
    return public_request(r, names) | _answer_public(r, names)


def public_inputs(session, m: Meeting, names: Names, base: PublicInputs | None = None) -> PublicInputs:
    """Read from the database; or, given `base` that `follows` this change, from it and the session's own rows:
    the queue re-sorted by the ranks this change gave (same members, same counters)."""
    if base is None:
        queue = public_queue(session, m.id)
        counts = tuple(tuple(row) for row in session.execute(_COUNTS, {"meeting_id": m.id}))
        floor = _floor_part(session, m, names)
    else:
        ranked = session.info.get("ranked", {})
        queue = queue_rules.ordered(row._replace(queue_rank=ranked[row.id].queue_rank) if row.id in ranked else row
                                    for row in base.queue)
        counts = base.counts
        same_floor = base.floor_id == m.floor_request_id and base.setup_stamp == m.setup_stamp
        floor = base.floor if same_floor else _floor_part(session, m, names)
    return PublicInputs(m.version, m.setup_stamp, tuple(queue), counts, m.floor_request_id, floor)


def public_state(session, m: Meeting, names: Names | None = None, step_titles: list[str] | None = None,
                 inputs: PublicInputs | None = None) -> dict:
    """`names`, `step_titles`: the meeting's fixed parts if the caller has them (SetupCache), else read here;
    `inputs`: the queue, counters and floor if the caller has them (public_inputs), else read here."""
    names = names or Names.load(session, m.id)
    if step_titles is None:
        step_titles = list(session.scalars(select(ProgrammeStep.title).where(ProgrammeStep.meeting_id == m.id)
                                           .order_by(ProgrammeStep.position)))
    inputs = inputs or public_inputs(session, m, names)
    q = inputs.queue
    counts = {status: n for status, n, _, _ in inputs.counts}
    timed, total = sum(k for _, _, k, _ in inputs.counts), sum(t or 0 for _, _, _, t in inputs.counts)
    pace = total / timed if timed and total else float(m.speaking_seconds)      # as pace_seconds()
    return {
        "v": m.version,
        "server_now": now_ms(),
        "meeting": meeting_public(m, step_titles),
        "floor": inputs.floor | _floor(m) if inputs.floor is not None else None,
        "next": [public_request(r, names) for r in q[:PUBLIC_NEXT]],
        "queue": [r.ticket for r in q],
        "counts": {"received": sum(counts.values()) - counts.get(Status.COMPLAINT.value, 0),
                   "queued": len(q), "answered": counts.get(Status.ANSWERED.value, 0),
                   "open": sum(counts.get(s.value, 0) for s in OPEN_STATES)},
        "pace_seconds": round(pace),
    }


def _answer_public(r: Request, names: Names) -> dict:
    return {"unit": names.units.get(r.unit_id, ""), "answerer": r.answerer, "mode": r.answer_mode}


def staff_snapshot(session, m: Meeting) -> dict:
    names = Names.load(session, m.id)
    steps = list(session.scalars(select(ProgrammeStep).where(ProgrammeStep.meeting_id == m.id)
                                 .order_by(ProgrammeStep.position)))
    units = list(session.scalars(select(Unit).where(Unit.meeting_id == m.id).order_by(Unit.position)))
    fields = list(session.scalars(select(Field).where(Field.meeting_id == m.id).order_by(Field.position)))
    reqs = session.scalars(select(Request).where(Request.meeting_id == m.id).order_by(Request.ticket))
    return {"v": m.version, "server_now": now_ms(), "meeting": meeting_staff(m, steps, units, fields),
            "requests": [staff_request(r, names) for r in reqs], "pace_seconds": round(pace_seconds(session, m))}


def owner_snapshot(session, m: Meeting, device_hash: str | None) -> dict:
    names = Names.load(session, m.id)
    reqs = [] if not device_hash else list(session.scalars(
        select(Request).where(Request.meeting_id == m.id, Request.device_hash == device_hash)
        .order_by(Request.ticket)))
    return {"v": m.version, "requests": [with_merge_ticket(session, r, owner_request(r, names)) for r in reqs]}


def with_merge_ticket(session, r: Request, d: dict) -> dict:
    if r.merged_into_id:
        target = session.get(Request, r.merged_into_id)
        d["merged_into_ticket"] = target.ticket if target else None
    return d


def unit_snapshot(session, m: Meeting, unit_id: int) -> dict:
    names = Names.load(session, m.id)
    reqs = session.scalars(select(Request).where(Request.meeting_id == m.id, Request.unit_id == unit_id)
                           .order_by(Request.ticket))
    return {"v": m.version, "unit": {"id": unit_id, "name": names.units.get(unit_id, "")},
            "requests": [unit_request(r, names) for r in reqs if r.status != Status.COMPLAINT.value]}


def usher_snapshot(session, m: Meeting) -> dict:
    names = Names.load(session, m.id)
    q = queued(session, m.id)
    floor = session.get(Request, m.floor_request_id) if m.floor_request_id else None
    return {"v": m.version, "floor": usher_request(floor, names) if floor is not None and
            floor.status != Status.COMPLAINT.value else None,
            "next": [usher_request(r, names) for r in q[:3]]}

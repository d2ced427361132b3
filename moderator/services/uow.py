"""The one path for every change: validate, commit (with audit row and version bump), then publish.

    with UnitOfWork(rt, code, actor, "accept", target=f"request:{rid}") as uow:
        req = uow.request(rid)
        uow.track(req)
        req.status = ...

On an exception nothing is committed and nothing is published. Just before the commit the publisher may build
its messages from the transaction's own rows (`prepare`); after the commit it receives the ChangeSet and sends
them. No client ever sees uncommitted state.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..db.models import AuditLog, Meeting, Request, utcnow
from ..domain.enums import Role, Status
from ..domain.errors import NotFound

# Columns never copied into the audit log (personal data stays in one place, where purge can erase it).
_PRIVATE = {"phone", "address", "email", "device_hash", "idempotency_key", "source_hash", "follow_code"}
_MEETING_AUDIT = ["status", "registration_open", "registration_note", "message", "current_step", "floor_request_id",
                  "floor_state", "floor_started_at_ms", "floor_ends_at_ms", "floor_remaining_ms", "speaking_seconds",
                  "title", "conclusion"]


# Built once (constructing a select costs about as much as running it): the meeting a change is made to.
_MEETING = select(Meeting).where(Meeting.code == bindparam("code"))
_MEETING_LOCKED = _MEETING.with_for_update()
_AUDIT_INSERT = insert(AuditLog.__table__)
_AUDIT_AND_VERSION = _AUDIT_INSERT.add_cte(       # PostgreSQL: WITH bump AS (UPDATE meeting ...) INSERT INTO audit_log
    update(Meeting.__table__).where(Meeting.__table__.c.id == bindparam("bump_id"))
    .values(version=bindparam("bump_version")).cte("bump"))
# The meeting with its queue, for changes that reorder it: one statement instead of two (a round trip less on
# PostgreSQL, where only the meeting's row is locked).
_MEETING_AND_QUEUE = (select(Meeting, Request)
                      .outerjoin(Request, and_(Request.meeting_id == Meeting.id,
                                               Request.status == Status.ACCEPTED.value))
                      .where(Meeting.code == bindparam("code")))
_MEETING_AND_QUEUE_LOCKED = _MEETING_AND_QUEUE.with_for_update(of=Meeting.__table__)
_QUEUED = select(Request).where(Request.meeting_id == bindparam("meeting_id"), Request.status == Status.ACCEPTED.value)


@dataclass
class Actor:
    role: Role
    name: str
    unit_id: int | None = None
    device_hash: str | None = None
    meeting_id: int | None = None
    source_hash: str | None = None      # the caller's network address, keyed-hashed (web/auth.py source_hash)

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.name}" if self.name else self.role.value


SYSTEM = Actor(Role.ORGANISER, "system")


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def snapshot(row, exclude=_PRIVATE, only: list[str] | None = None) -> dict:
    cols = only or [c.key for c in row.__table__.columns]
    return {c: _plain(getattr(row, c)) for c in cols if c not in exclude}


@dataclass
class ChangeSet:
    meeting_id: int
    code: str
    version: int
    action: str
    actor: Actor
    request_ids: list[int] = field(default_factory=list)
    rank_only_ids: set[int] = field(default_factory=set)
    old_units: dict[int, int | None] = field(default_factory=dict)
    meeting_changed: bool = False
    public: bool = True
    extra: dict = field(default_factory=dict)
    # The publisher's messages for this version, built inside the committing transaction (same session, rows
    # already loaded) and sent only after the commit; None if it could not build them (it then reads afterwards).
    prepared: object = None


class UnitOfWork:
    def __init__(self, rt, code: str, actor: Actor, action: str, target: str = "", audit: bool = True,
                 with_queue: bool = False):
        """`with_queue`: read the queue with the meeting (for a change that reorders it); `queued()` returns it."""
        self.rt = rt
        self.code = (code or "").strip().upper()
        self.actor = actor
        self.action = action
        self.target = target
        self.audit = audit
        self._before: dict[int, dict] = {}
        self._requests: dict[int, Request] = {}
        self._old_units: dict[int, int | None] = {}
        self._rank_only: set[int] = set()
        self._meeting_before: dict | None = None
        self.public = True
        self.extra: dict = {}
        self.audit_extra: dict = {}
        self.change: ChangeSet | None = None
        self._noop = False
        self._with_queue = with_queue
        self._preloaded: list[Request] | None = None

    def discard(self) -> None:
        """Nothing to change after all (e.g. a retried submission): leave without commit, audit or publish."""
        self._noop = True

    # -- loading -------------------------------------------------------------------------------------------
    def __enter__(self) -> "UnitOfWork":
        adopted = self.rt.adopt_session() if self.rt.adopt_session is not None else None
        self.session = adopted if adopted is not None else self.rt.write_session()
        # PostgreSQL: FOR UPDATE serialises changes to one meeting, so versions rise one by one.
        self._pg = pg = self.session.bind.dialect.name == "postgresql"
        try:
            if adopted is None:
                # One deadline for queueing for the write connection and for SQLite's lock (db/engine.py).
                self.session.connection(execution_options={"moderator_deadline": time.monotonic() + self.rt.busy_wait})
            if self._with_queue:
                rows = self.session.execute(_MEETING_AND_QUEUE_LOCKED if pg else _MEETING_AND_QUEUE,
                                            {"code": self.code}).all()
                self.meeting = rows[0][0] if rows else None
                self._preloaded = [r for _, r in rows if r is not None]
            else:
                self.meeting = self.session.scalars(_MEETING_LOCKED if pg else _MEETING, {"code": self.code}).first()
        except BaseException:
            # e.g. the write lock stayed taken (DatabaseBusy): give the connection back to the next writer.
            self.session.close()
            raise
        if self.meeting is None:
            self.session.close()
            raise NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.", code=self.code)
        return self

    def request(self, request_id: int, lock: bool = True) -> Request:
        req = self.session.get(Request, request_id)
        if req is None or req.meeting_id != self.meeting.id:
            raise NotFound("request_not_found", "Không tìm thấy phiếu ý kiến.", request_id=request_id)
        if lock:
            self.track(req)
        return req

    def queued(self) -> list[Request]:
        """The meeting's queue (accepted requests), unordered. The first call after `with_queue` returns what was
        read with the meeting (nothing changed in between); later calls read it again."""
        if self._preloaded is not None:
            preloaded, self._preloaded = self._preloaded, None
            return preloaded
        return list(self.session.scalars(_QUEUED, {"meeting_id": self.meeting.id}))

    def requests_where(self, *criteria) -> list[Request]:
        return list(self.session.scalars(select(Request).where(Request.meeting_id == self.meeting.id, *criteria)))

    # -- tracking ------------------------------------------------------------------------------------------
    def track(self, req: Request, rank_only: bool = False) -> Request:
        """Mark a request as changed by this unit of work (its state before goes into the audit row).

        `rank_only`: only its queue position moved, which owners and units read from the public queue, so
        they get no message of their own for it."""
        if req.id is None:
            self.session.flush()
        if rank_only and req.id not in self._requests:
            self._rank_only.add(req.id)
        elif not rank_only and req.id in self._rank_only:
            # tracked for its rank first, now for more: its whole state before (only the rank moved meanwhile)
            self._rank_only.discard(req.id)
            self._before[req.id] = snapshot(req) | self._before[req.id]
        if req.id not in self._requests:
            self._requests[req.id] = req
            # A queue move changes one column of every request it shifts: the audit keeps that column only.
            self._before[req.id] = ({"queue_rank": req.queue_rank} if rank_only else snapshot(req)) \
                if req.status else {}
            self._old_units[req.id] = req.unit_id
        return req

    def add_request(self, req: Request) -> Request:
        self.session.add(req)
        self.session.flush()
        self._requests[req.id] = req
        self._before[req.id] = {}
        self._old_units[req.id] = None
        return req

    def track_meeting(self) -> Meeting:
        if self._meeting_before is None:
            self._meeting_before = snapshot(self.meeting, only=_MEETING_AUDIT)
        return self.meeting

    # -- commit ----------------------------------------------------------------------------------------------
    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None or self._noop:
                self.session.rollback()
                self.session.close()
                return False
            new_version = self.meeting.version + 1
            if self.audit:
                before = {"requests": {str(k): v for k, v in self._before.items()}}
                after = {"requests": {str(k): {"queue_rank": r.queue_rank} if k in self._rank_only else snapshot(r)
                                      for k, r in self._requests.items()}}
                if self._meeting_before is not None:
                    before["meeting"] = self._meeting_before
                    after["meeting"] = snapshot(self.meeting, only=_MEETING_AUDIT)
                after.update(self.audit_extra)
                row = {"meeting_id": self.meeting.id, "version": new_version, "actor": self.actor.label,
                       "role": self.actor.role.value, "action": self.action, "target": self.target,
                       "before": before, "after": after, "undone": False, "at": utcnow()}
                # Core, not an ORM object: nothing reads the row back here, and the ORM's insert machinery cost as
                # much as the statement. PostgreSQL bumps the version in the same statement (one round trip).
                if self._pg:
                    self.session.connection().execute(_AUDIT_AND_VERSION, row | {"bump_id": self.meeting.id,
                                                                                 "bump_version": new_version})
                    set_committed_value(self.meeting, "version", new_version)
                else:
                    self.meeting.version = new_version
                    self.session.connection().execute(_AUDIT_INSERT, row)
            else:
                self.meeting.version = new_version
            change = ChangeSet(
                meeting_id=self.meeting.id, code=self.meeting.code, version=self.meeting.version,
                action=self.action, actor=self.actor, request_ids=list(self._requests),
                rank_only_ids=set(self._rank_only), old_units=dict(self._old_units),
                meeting_changed=self._meeting_before is not None, public=self.public, extra=self.extra)
            prepare = getattr(self.rt.publisher, "prepare", None)
            if prepare is not None:
                # Payloads from this transaction's own rows (exactly what commits, no second session); they
                # are sent only after the commit below, and dropped with it on a rollback.
                self.session.flush()
                change.prepared = prepare(self.session, self.meeting, change)
            self.session.commit()
        except BaseException:
            self.session.rollback()
            self.session.close()
            raise
        self.change = change
        self.session.close()
        # Only after the commit: nothing reaches a client before the change is durable.
        self.rt.publisher.publish(self.change)
        return False

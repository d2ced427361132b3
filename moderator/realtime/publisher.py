"""After-commit fan-out to Socket.IO rooms. Receives ChangeSets from the unit of work, reads committed state,
and emits one message per audience. Public updates are coalesced (leading edge + trailing) so a burst of
changes costs the hall's phones one message per window, never a stale one."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import inspect

from ..db.models import Field, Meeting, ProgrammeStep, Request, Unit
from ..services import views

log = logging.getLogger(__name__)


def public_state_cached(rt, session, m: Meeting) -> dict:
    """views.public_state, computed once per meeting version (every change bumps it, through the unit of work):
    the broadcast and the snapshots hundreds of phones fetch after a reconnect share one computation."""
    cache = rt.extras.setdefault("public_state", {})
    hit = cache.get(m.id)
    if hit is not None and hit[0] == m.version:
        return dict(hit[1], server_now=views.now_ms())
    names, titles = setup_parts(rt, session, m)
    state = views.public_state(session, m, names, titles)
    remember_public_state(rt, m.id, state)
    return state


def setup_parts(rt, session, m: Meeting) -> tuple[views.Names, list[str]]:
    """The meeting's field/unit names and step titles, from this process's SetupCache while its stamp holds."""
    cache = rt.extras.get("setup_cache")
    if cache is None:
        cache = rt.extras.setdefault("setup_cache", views.SetupCache())
    return cache.get(session, m)


def remember_public_state(rt, mid: int, state: dict) -> None:
    """Keep the newest committed public state of a meeting (never replace it by an older one)."""
    cache = rt.extras.setdefault("public_state", {})
    hit = cache.get(mid)
    if hit is None or hit[0] <= state["v"]:
        cache[mid] = (state["v"], state)


def remember_public_inputs(rt, mid: int, inputs: views.PublicInputs) -> None:
    """After a commit only: the next change of this meeting may build on them if it follows this version."""
    cache = rt.extras.setdefault("public_inputs", {})
    hit = cache.get(mid)
    if hit is None or hit.version <= inputs.version:
        cache[mid] = inputs


@dataclass
class Prepared:
    """One change's messages, built in its own transaction, sent after its commit."""
    version: int
    public: dict | None = None                  # the whole public state at `version`, if it goes out at once
    inputs: views.PublicInputs | None = None    # what `public` was built from, kept once the change commits
    private: "PrivateParts | None" = None       # what the staff, unit and owner messages are built from


@dataclass
class PrivateParts:
    """The rows the staff, unit and owner messages of a change show, loaded in its transaction; the messages are
    built from them after the public one went out (nothing here reads the database any more)."""
    change: object
    names: views.Names
    requests: list
    merged_tickets: dict[int, int | None]
    meeting: dict | None


def room_public(mid: int) -> str:
    return f"m{mid}:public"


def room_staff(mid: int) -> str:
    return f"m{mid}:staff"


def room_unit(mid: int, unit_id: int) -> str:
    return f"m{mid}:unit{unit_id}"


def room_device(mid: int, device_hash: str) -> str:
    return f"m{mid}:dev{device_hash[:16]}"


class SocketPublisher:
    def __init__(self, socketio, coalesce_ms: int = 100, delegate_coalesce_ms: int = 1000):
        self.socketio = socketio
        self.rt = None
        self.window = coalesce_ms / 1000.0
        # Delegates' own changes (a new request, an edit, a withdrawal) only move the hall's counters: during a
        # burst of submissions the phones get at most one public message per this window (docs/performance.md).
        self.delegate_window = max(self.window, delegate_coalesce_ms / 1000.0)
        self._lock = threading.Lock()
        self._last_public: dict[int, float] = {}
        self._pending: dict[int, float] = {}      # meeting id -> when its trailing message is due

    def bind(self, rt) -> None:
        self.rt = rt

    def _window(self, change) -> float:
        by_delegate = getattr(change.actor.role, "value", change.actor.role) in ("delegate", "anonymous")
        return self.delegate_window if by_delegate else self.window

    # -- before the commit: build, from the committing session ----------------------------------------------------
    def prepare(self, session, meeting: Meeting, change) -> Prepared | None:
        """Every message of this change, built from the unit of work's own session just before it commits: its
        rows are loaded already, and the fixed parts (names, programme) are read once for all audiences. Nothing is
        sent here. The public state is built only if it will go out at once (not coalesced into a later one)."""
        try:
            names, titles = setup_parts(self.rt, session, meeting)
            out = Prepared(change.version)
            if change.public and self._due_now(meeting.id, self._window(change)):
                base = self.rt.extras.get("public_inputs", {}).get(meeting.id)
                if base is not None and not base.follows(meeting, session):
                    base = None
                out.inputs = views.public_inputs(session, meeting, names, base)
                out.public = views.public_state(session, meeting, names, titles, out.inputs)
            out.private = self._private_parts(session, change, names)
            return out
        except Exception:  # building must never refuse a change: publish() then reads after the commit
            log.exception("preparing messages failed for %s v%s", change.code, change.version)
            return None

    # -- after the commit: send ----------------------------------------------------------------------------------
    def publish(self, change) -> None:
        prepared = change.prepared if isinstance(change.prepared, Prepared) else None
        if prepared is not None and prepared.inputs is not None:
            remember_public_inputs(self.rt, change.meeting_id, prepared.inputs)
        # The hall first: hundreds of phones and the projector wait on the public message; the few consoles get
        # theirs a few milliseconds later (the chair's own HTTP answer comes after both anyway).
        if change.public:
            if self.schedule_public(change.meeting_id, self._window(change), prepared.public if prepared else None):
                # Let the phones' writers flush the message before this greenlet sends the staff payloads.
                self.socketio.sleep(0)
        try:
            if prepared is not None and prepared.private is not None:
                self._send_private(self._private_messages(prepared.private))
            else:
                with self.rt.read() as s:
                    parts = self._private_parts(s, change, views.Names.load(s, change.meeting_id))
                self._send_private(self._private_messages(parts))
        except Exception:  # a failed emit must never undo or hide a committed change
            log.exception("publish failed for %s v%s", change.code, change.version)

    def _send_private(self, messages) -> None:
        for event, payload, room in messages:
            if event == "staff":
                payload["server_now"] = views.now_ms()
            self.socketio.emit(event, payload, to=room)

    # -- staff, unit and owner messages: exact, versioned -------------------------------------------------------
    def _private_parts(self, s, change, names) -> PrivateParts:
        mid = change.meeting_id
        reqs = [r for r in (s.get(Request, rid) for rid in change.request_ids) if r is not None]
        merged = {}
        for r in reqs:
            if inspect(r).expired_attributes:
                s.refresh(r)        # e.g. a column the database filled in: read it now, while the session is open
            if r.merged_into_id and r.id not in change.rank_only_ids:
                target = s.get(Request, r.merged_into_id)
                merged[r.id] = target.ticket if target else None
        meeting = None
        if change.meeting_changed:
            m = s.get(Meeting, mid)
            steps = list(s.query(ProgrammeStep).filter_by(meeting_id=mid).order_by(ProgrammeStep.position))
            units = list(s.query(Unit).filter_by(meeting_id=mid).order_by(Unit.position))
            fields = list(s.query(Field).filter_by(meeting_id=mid).order_by(Field.position))
            meeting = views.meeting_staff(m, steps, units, fields)
            meeting["version"] = change.version
        return PrivateParts(change, names, reqs, merged, meeting)

    @staticmethod
    def _private_messages(parts: PrivateParts) -> list[tuple[str, dict, str]]:
        change, names, reqs = parts.change, parts.names, parts.requests
        mid = change.meeting_id
        msg = {"v": change.version, "action": change.action,
               "requests": [views.staff_request(r, names) for r in reqs],
               "meeting": parts.meeting, "server_now": views.now_ms()}
        # Extra keys a service adds for staff screens (e.g. "minutes"); never replaces the core ones.
        for k, v in (getattr(change, "extra", None) or {}).items():
            msg.setdefault(k, v)
        out = [("staff", msg, room_staff(mid))]
        by_unit: dict[int, list] = {}
        for r in reqs:
            if r.id in change.rank_only_ids:
                continue    # only its queue position moved: phones read that from the public queue
            if r.device_hash:
                mine = views.owner_request(r, names)
                if r.merged_into_id:
                    mine["merged_into_ticket"] = parts.merged_tickets.get(r.id)
                out.append(("mine", {"v": change.version, "requests": [mine]}, room_device(mid, r.device_hash)))
            for uid in {r.unit_id, change.old_units.get(r.id)} - {None}:
                by_unit.setdefault(uid, []).append(r)
        for uid, rs in by_unit.items():
            out.append(("unit", {"v": change.version, "requests": [
                views.unit_request(r, names) | {"removed": r.unit_id != uid or r.status == "complaint"}
                for r in rs]}, room_unit(mid, uid)))
        return out

    # -- public state: whole, coalesced ---------------------------------------------------------------------------
    def _due_now(self, mid: int, window: float) -> bool:
        with self._lock:
            return self._last_public.get(mid, float("-inf")) + window <= time.monotonic()

    def schedule_public(self, mid: int, window: float | None = None, state: dict | None = None) -> bool:
        """Leading edge + trailing: emit now if nothing went out for `window`, else once when it is over. A change
        with a shorter window (the chair's) pulls a pending trailing message forward; one emit covers all.
        `state`: the public state this change committed, if already built. Returns whether it emitted now."""
        window = self.window if window is None else window
        with self._lock:
            due = self._last_public.get(mid, float("-inf")) + window
            if due <= time.monotonic():
                self._pending.pop(mid, None)
                now = True
            else:
                pending = self._pending.get(mid)
                if pending is not None and pending <= due:
                    return False
                self._pending[mid] = due
                now = False
        if now:
            self.emit_public(mid, state)
        else:
            self.socketio.start_background_task(self._trailing, mid, due)
        return now

    def _trailing(self, mid: int, due: float) -> None:
        self.socketio.sleep(max(0.0, due - time.monotonic()))
        with self._lock:
            if self._pending.get(mid) != due:
                return          # an earlier message already went out, or a sooner one replaced this one
            del self._pending[mid]
        self.emit_public(mid)

    def emit_public(self, mid: int, state: dict | None = None) -> None:
        with self._lock:
            self._last_public[mid] = time.monotonic()
        try:
            if state is not None:
                remember_public_state(self.rt, mid, state)
                state = dict(state, server_now=views.now_ms())
            else:
                with self.rt.read() as s:
                    m = s.get(Meeting, mid)
                    state = public_state_cached(self.rt, s, m)
            self.socketio.emit("public", {"v": state["v"], "state": state}, to=room_public(mid))
        except Exception:
            log.exception("public publish failed for meeting %s", mid)

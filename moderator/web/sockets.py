"""Socket.IO: a client connects with {meeting, key?|device?} and is put in the rooms its role may hear.
Clients send nothing else over the socket: every change goes through the HTTP API (one validated path).

A staff socket also joins the cut rooms of the key and of the server-side session that opened it: revoking
the key or ending the session disconnects it on every worker (realtime/revocation.py)."""
from __future__ import annotations

import logging
import threading

from flask import request
from flask_socketio import join_room

from ..domain.enums import Role
from ..domain.errors import DomainError
from ..domain.roles import STAFF
from ..extensions import socketio as _socketio
from ..realtime.publisher import room_device, room_public, room_staff, room_unit
from ..services import sessions, views
from .auth import Throttled, actor_for, cut_rooms, guard_join_code, rt, staff_session

log = logging.getLogger(__name__)


class SharedLookup:
    """Concurrent callers asking for the same key share one call of its `load`; nothing is kept after it returns.

    2,000 phones opening their sockets at once each looked their meeting up by its join code: on PostgreSQL every
    lookup yields to the loop while it waits for the database, so hundreds of connects were in flight at once,
    each with its session and pooled connection, and the process kept ~26 MB more after the storm
    (docs/performance.md). Now the first connect of a code reads it and the connects arriving meanwhile take its
    answer. Nothing is cached: a connect arriving after the read returned reads again, so a meeting replaced by
    an archive import (same code, new id) is found by the next read on every worker; a follower's answer is what
    it would have read had it arrived a few milliseconds earlier, with the read it joined. If that read fails,
    each follower reads for itself."""

    class _Flight:
        __slots__ = ("done", "ok", "value")

        def __init__(self):
            self.done = threading.Event()
            self.ok = False
            self.value = None

    def __init__(self):
        self._lock = threading.Lock()
        self._flights: dict = {}

    def __call__(self, key, load):
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = self._Flight()
        if not leader:
            flight.done.wait()
            return flight.value if flight.ok else load()
        try:
            flight.value = load()
            flight.ok = True
            return flight.value
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()


def cut_off(room: str) -> None:
    """Disconnect every socket in a cut room, on every worker. Call after the commit that revoked or ended."""
    _socketio.close_room(room)


class SessionKeepAlive:
    """An open staff socket counts as activity: a projector that loaded its page hours ago and only listens
    must not hit the idle timeout. Each worker refreshes the sessions of its own open sockets."""

    def __init__(self, socketio, runtime):
        self.socketio = socketio
        self.rt = runtime
        self.by_sid: dict[str, int] = {}
        self._lock = threading.Lock()
        self._started = False

    def add(self, sid: str, session_id: int) -> None:
        with self._lock:
            self.by_sid[sid] = session_id
            start = not self._started
            self._started = True
        if start:
            self.socketio.start_background_task(self._run)

    def remove(self, sid: str) -> None:
        with self._lock:
            self.by_sid.pop(sid, None)

    def _run(self) -> None:
        while True:
            self.socketio.sleep(sessions.touch_interval(self.rt).total_seconds())
            with self._lock:
                ids = set(self.by_sid.values())
            try:
                sessions.touch(self.rt, ids)
            except Exception:  # noqa: BLE001 - a missed refresh only shortens an idle session; try next round
                log.exception("could not refresh %s staff sessions", len(ids))


def register(socketio) -> None:
    keepalive: dict[str, SessionKeepAlive] = {}
    shared = SharedLookup()

    @socketio.on("connect")
    def on_connect(auth=None):
        auth = auth if isinstance(auth, dict) else {}
        code = auth.get("meeting") or request.args.get("meeting")
        if not isinstance(code, str) or len(code) > 40:
            return False
        try:
            guard_join_code(code)
        except Throttled:
            return False
        runtime = rt()

        def read_meeting():
            with runtime.read() as s:
                return views.load_meeting(s, code)

        # Read detached (its session closed, as before) and only read here: the connects that shared it may too.
        m = shared((id(runtime), code.strip().upper()), read_meeting)
        if m is None:
            return False
        if auth.get("scope") == "public":
            # A hall screen asks for the public stream only, whatever grant its browser session holds
            # (a projector opened in the chair's browser must not receive staff payloads with phones).
            join_room(room_public(m.id))
            return True
        key = auth.get("key") if isinstance(auth.get("key"), str) else None
        device = auth.get("device") if isinstance(auth.get("device"), str) else None
        live = staff_session()     # a cookie whose session ended (logout, revoked, idle) opens nothing
        try:
            a = actor_for(m, key=key or "", device=device)
        except DomainError:
            return False   # a revoked or wrong key is refused, not downgraded silently
        join_room(room_public(m.id))
        if a.role not in (Role.DELEGATE, Role.ANONYMOUS):
            for room in cut_rooms(a):
                join_room(room)
            if live is not None and not key:
                ka = keepalive.get("worker") or keepalive.setdefault("worker", SessionKeepAlive(socketio, rt()))
                ka.add(request.sid, live.id)
        if a.role in STAFF:
            join_room(room_staff(m.id))
        elif a.role == Role.UNIT and a.unit_id:
            join_room(room_unit(m.id, a.unit_id))
        if a.device_hash:
            join_room(room_device(m.id, a.device_hash))
        return True

    @socketio.on("disconnect")
    def on_disconnect(reason=None):
        ka = keepalive.get("worker")
        if ka is not None:
            ka.remove(request.sid)

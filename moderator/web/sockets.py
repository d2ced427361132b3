"""Socket.IO: a client connects with {meeting, key?|device?} and is put in the rooms its role may hear.
Clients send nothing else over the socket: every change goes through the HTTP API (one validated path)."""
from __future__ import annotations

from flask import request
from flask_socketio import join_room

from ..domain.enums import Role
from ..domain.errors import DomainError
from ..domain.roles import STAFF
from ..realtime.publisher import room_device, room_public, room_staff, room_unit
from ..services import views
from .auth import actor_for, rt


def register(socketio) -> None:
    @socketio.on("connect")
    def on_connect(auth=None):
        auth = auth if isinstance(auth, dict) else {}
        code = auth.get("meeting") or request.args.get("meeting")
        if not isinstance(code, str) or len(code) > 40:
            return False
        with rt().read() as s:
            m = views.load_meeting(s, code)
        if m is None:
            return False
        if auth.get("scope") == "public":
            # A hall screen asks for the public stream only, whatever grant its browser session holds
            # (a projector opened in the chair's browser must not receive staff payloads with phones).
            join_room(room_public(m.id))
            return True
        key = auth.get("key") if isinstance(auth.get("key"), str) else None
        device = auth.get("device") if isinstance(auth.get("device"), str) else None
        try:
            a = actor_for(m, key=key or "", device=device)
        except DomainError:
            return False   # a revoked or wrong key is refused, not downgraded silently
        join_room(room_public(m.id))
        if a.role in STAFF:
            join_room(room_staff(m.id))
        elif a.role == Role.UNIT and a.unit_id:
            join_room(room_unit(m.id, a.unit_id))
        if a.device_hash:
            join_room(room_device(m.id, a.device_hash))
        return True

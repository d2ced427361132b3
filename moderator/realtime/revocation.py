"""Cutting sockets on every worker: each staff socket is put in a "cut room" per role key and per server-side
session that opened it; closing that room disconnects its members wherever they are connected.

python-socketio forwards `close_room` through the Redis queue to every worker but only empties the room there;
these managers also disconnect the sockets in a cut room, locally and on receipt from another worker."""
from __future__ import annotations

import socketio

CUT_PREFIX = "cut:"


def room_for_key(key_id: int) -> str:
    return f"{CUT_PREFIX}key{key_id}"


def room_for_session(session_id: int) -> str:
    return f"{CUT_PREFIX}s{session_id}"


def _disconnect_members(manager, room, namespace) -> None:
    if not isinstance(room, str) or not room.startswith(CUT_PREFIX):
        return
    namespace = namespace or "/"
    for sid, _eio_sid in list(manager.get_participants(namespace, room)):
        manager.server.disconnect(sid, namespace=namespace, ignore_queue=True)


class CuttingManager(socketio.Manager):
    """One process, no message queue."""

    def close_room(self, room, namespace):
        _disconnect_members(self, room, namespace)
        return super().close_room(room, namespace)


class CuttingRedisManager(socketio.RedisManager):
    """Several workers behind Redis: `close_room` runs `_handle_close_room` here and on every other worker."""

    def _handle_close_room(self, message):
        _disconnect_members(self, message.get("room"), message.get("namespace"))
        return super()._handle_close_room(message)


def client_manager(redis_url: str | None, channel: str):
    if redis_url:
        return CuttingRedisManager(redis_url, channel=channel)
    return CuttingManager()

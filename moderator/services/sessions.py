"""Server-side staff sessions: an organiser login or an opened role link is a row here; the signed cookie
carries only a random token. Logout, the organiser ("end this session") and the idle timeout end the row,
so a cookie sniffed on the hall Wi-Fi stops working the moment its session ends.

These rows are not meeting state (no version, no public message): they are written directly, like login
attempts, and the caller cuts the session's sockets after the commit (web/sockets.py)."""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..db.engine import DatabaseBusy
from ..db.models import Admin, RoleKey, WebSession, utcnow
from ..domain.access import is_idle_expired
from ..domain.errors import NotFound

log = logging.getLogger(__name__)

# A live session's last-seen time is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)
FORGET_AFTER = timedelta(days=2)     # ended or expired rows are kept this long for the organiser's view


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_timeout(rt) -> timedelta:
    minutes = getattr(rt.config, "SESSION_IDLE_MINUTES", 240) if rt.config is not None else 240
    return timedelta(minutes=minutes)


def touch_interval(rt) -> timedelta:
    """How often activity is written: every minute, or more often when the idle timeout is short."""
    return min(TOUCH_EVERY, idle_timeout(rt) / 4)


@dataclass
class LiveSession:
    id: int
    admin_id: int | None
    key_ids: list[int]


def _expired(row: WebSession, now: datetime, idle: timedelta) -> bool:
    return is_idle_expired(row.last_seen_at.timestamp(), now.timestamp(), idle.total_seconds())


def start(rt, address: str = "", agent: str = "", admin_id: int | None = None,
          key_ids: list[int] | None = None) -> tuple[str, int]:
    """A new session; returns (token for the cookie, row id)."""
    token = secrets.token_urlsafe(32)
    with rt.write_session() as s:
        row = WebSession(token_hash=hash_token(token), admin_id=admin_id, key_ids=list(key_ids or []),
                         address=(address or "")[:64], agent=(agent or "")[:200])
        s.add(row)
        s.execute(delete(WebSession).where(or_(WebSession.ended_at < utcnow() - FORGET_AFTER,
                                               WebSession.last_seen_at < utcnow() - FORGET_AFTER - idle_timeout(rt))))
        s.commit()
        return token, row.id


def live(rt, token: str | None, s=None) -> LiveSession | None:
    """The session this token names, if it has not ended or gone idle; its last-seen time is refreshed.
    `s`: a read session to read it with (else one of its own)."""
    if not token or len(token) > 100:
        return None
    now, idle = utcnow(), idle_timeout(rt)
    if s is None:
        with rt.read() as s:
            return live(rt, token, s)
    row = s.scalars(select(WebSession).where(WebSession.token_hash == hash_token(token))).first()
    if row is None or row.ended_at is not None:
        return None
    if _expired(row, now, idle):
        return None
    found = LiveSession(row.id, row.admin_id, list(row.key_ids or []))
    stale = now - row.last_seen_at >= touch_interval(rt)
    if stale:
        try:
            touch(rt, [found.id])
        except (DatabaseBusy, PoolTimeout):
            # Another process holds the write lock (db/engine.py): the next request refreshes it; the read goes on.
            log.warning("staff session %s: last-seen time not written, the database is locked", found.id)
    return found


def touch(rt, session_ids) -> None:
    """Activity: an HTTP request, or an open socket (kept alive by web/sockets.py while it stays connected)."""
    ids = sorted(set(session_ids))
    if not ids:
        return
    with rt.write_session() as s:
        s.execute(update(WebSession).where(WebSession.id.in_(ids), WebSession.ended_at.is_(None))
                  .values(last_seen_at=utcnow()))
        s.commit()


def add_key(rt, session_id: int, key_id: int) -> None:
    with rt.write_session() as s:
        row = s.get(WebSession, session_id)
        if row is not None and key_id not in (row.key_ids or []):
            row.key_ids = [*(row.key_ids or []), key_id]
            s.commit()


def end(rt, session_id: int, reason: str) -> None:
    with rt.write_session() as s:
        s.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                  .values(ended_at=utcnow(), end_reason=reason))
        s.commit()


def end_for_meeting(rt, meeting_id: int, session_id: int) -> None:
    """The organiser ends a session shown on a meeting's role-links page: one that opened this meeting's keys,
    or an organiser login."""
    with rt.read() as s:
        row = s.get(WebSession, session_id)
        keys = set(s.scalars(select(RoleKey.id).where(RoleKey.meeting_id == meeting_id)))
    if row is None or not (row.admin_id or keys.intersection(row.key_ids or [])):
        raise NotFound("session_not_found", "Không tìm thấy phiên làm việc này.")
    end(rt, session_id, "ended")


@dataclass
class SessionView:
    id: int
    who: str                 # role key labels, or the organiser's user name
    roles: list[str]
    address: str
    agent: str
    created_at: datetime
    last_seen_at: datetime
    idle_expires_at: datetime


def active_for_meeting(rt, meeting_id: int) -> list[SessionView]:
    """Sessions holding a live role key of this meeting, then organiser logins; newest activity first, each with
    its idle expiry."""
    now, idle = utcnow(), idle_timeout(rt)
    with rt.read() as s:
        keys = {k.id: k for k in s.scalars(select(RoleKey).where(RoleKey.meeting_id == meeting_id,
                                                                 RoleKey.revoked_at.is_(None)))}
        rows = list(s.scalars(select(WebSession).where(WebSession.ended_at.is_(None),
                                                       WebSession.last_seen_at > now - idle)
                              .order_by(WebSession.last_seen_at.desc())))
        admins = {a.id: a.username for a in s.scalars(select(Admin))}
    out, organisers = [], []
    for row in rows:
        held = [keys[k] for k in (row.key_ids or []) if k in keys]
        if not held:
            if row.admin_id:
                organisers.append(SessionView(row.id, admins.get(row.admin_id, ""), ["organiser"], row.address,
                                              row.agent, row.created_at, row.last_seen_at, row.last_seen_at + idle))
            continue
        who = ", ".join(k.label for k in held if k.label)
        if row.admin_id:
            who = (who + " – " if who else "") + admins.get(row.admin_id, "")
        out.append(SessionView(row.id, who, [k.role for k in held], row.address, row.agent, row.created_at,
                               row.last_seen_at, row.last_seen_at + idle))
    return out + organisers

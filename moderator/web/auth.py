"""Who is asking: organiser session, role key (header or session grant), or a delegate's device token.

One function, `actor_for(meeting)`, answers it for HTTP and Socket.IO alike.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import bindparam, select

from ..db.models import Admin, Meeting, RoleKey
from ..domain.access import Backoff, wait_text_args
from ..domain.enums import Role
from ..domain.errors import DomainError, PermissionDenied
from ..services import organisations, sessions
from ..services.meetings import hash_key
from ..services.uow import Actor

DEVICE_COOKIE = "mdev"
SESSION_TOKEN = "sid"      # the server-side session's token, inside the signed session cookie


def rt():
    return current_app.extensions["moderator"]


def valid_device_token(token: str | None) -> bool:
    """Tokens are printable ASCII (the server issues url-safe ones); anything else is garbage, not an identity."""
    return bool(token) and len(token) <= 200 and token.isascii() and token.isprintable() and " " not in token


def device_hash(token: str | None) -> str | None:
    if not valid_device_token(token):
        return None
    return hashlib.sha256(token.encode()).hexdigest()


def device_token() -> str | None:
    """The caller's device token; a garbage one counts as none (a page visit then issues a fresh cookie)."""
    tok = request.headers.get("X-Device-Token") or request.cookies.get(DEVICE_COOKIE)
    return tok if valid_device_token(tok) else None


def ensure_device_token() -> str:
    """The delegate's anonymous identity: created on first visit, kept in a long-lived cookie."""
    tok = device_token()
    if not tok:
        tok = g.get("new_device_token") or secrets.token_urlsafe(24)
        g.new_device_token = tok
    return tok


def set_device_cookie(response):
    tok = g.get("new_device_token")
    if tok:
        response.set_cookie(DEVICE_COOKIE, tok, max_age=60 * 60 * 24 * 30, httponly=True, samesite="Lax")
    return response


def meeting_or_404(code: str) -> Meeting:
    """The meeting for a join code, or a 404 (JSON for the API, a page for screens) naming what was not found."""
    from ..services import views
    with rt().read() as s:
        m = views.load_meeting(s, code)
    if m is None:
        raise _meeting_not_found()
    return m


def _meeting_not_found():
    from ..domain.errors import NotFound
    return NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.")


@contextmanager
def auth_read():
    """The read session that identifies the caller of this request (its staff session, the meeting, the key):
    one pool checkout for all of them instead of one each. `identify` closes it once the caller is known; the
    end of the request closes it otherwise. Only for reads made before the request changes anything (under
    SQLite's WAL a read transaction keeps the snapshot it started with)."""
    s = g.get("auth_read")
    if s is None:
        s = g.auth_read = rt().read()
    yield s


def close_auth_read(_exc=None) -> None:
    for name in ("auth_read", "change_session"):
        s = g.pop(name, None)
        if s is not None:
            s.close()


@dataclass(frozen=True)
class MeetingRef:
    """What authorising an API call needs of a meeting (its id, join code and organisation), read as three columns
    instead of the whole row: the change itself reads the meeting again, in its own transaction."""
    id: int
    code: str
    organisation_id: int | None


_REF = (Meeting.id, Meeting.code, Meeting.organisation_id)
# Built once: constructing a select costs more than running it (~0.1 ms each time on this machine).
_MEETING_REF = select(*_REF).where(Meeting.code == bindparam("code"))
_MEETING_AND_KEY = (select(*_REF, RoleKey.id, RoleKey.role, RoleKey.unit_id, RoleKey.revoked_at)
                    .join_from(Meeting, RoleKey, RoleKey.meeting_id == Meeting.id)
                    .where(Meeting.code == bindparam("code"), RoleKey.key_hash == bindparam("key_hash")))


def identify(code: str) -> tuple[MeetingRef, Actor]:
    """The meeting of a join code and who is asking, read in one session. With a role key (the consoles' header),
    the meeting and the key come in one query; a revoked key, or one of another meeting, is refused (403).
    On PostgreSQL a call that may change something keeps that session for its unit of work (take_change_session):
    the change then runs in the transaction its caller was identified in, without a second BEGIN and ROLLBACK."""
    norm = (code or "").strip().upper()
    keep = False
    try:
        with auth_read() as s:
            key = request.headers.get("X-Role-Key")
            # Plain reads on the session's connection: this session never has changes of its own to flush.
            conn = s.connection()
            if key and len(key) <= 200:
                row = conn.execute(_MEETING_AND_KEY, {"code": norm, "key_hash": hash_key(key)}).first()
                if row is not None and row.revoked_at is None:
                    m = MeetingRef(*row[:3])
                    keep = True
                    return m, _actor_of_key(row[3], row.role, row.unit_id, m.id)
            row = conn.execute(_MEETING_REF, {"code": norm}).first()
            if row is None:
                raise _meeting_not_found()
            m = MeetingRef(*row)
            if key:
                raise _key_invalid()
            found = m, actor_for(m, s=s)
            keep = True
            return found
    finally:
        if keep and request.method not in ("GET", "HEAD", "OPTIONS") and conn.dialect.name == "postgresql":
            g.change_session = g.pop("auth_read")
        else:
            close_auth_read()


def take_change_session():
    """For the unit of work (services/uow.py): the session this request's caller was identified in, if it may
    carry the change (PostgreSQL, a writing method), once; else None and the unit of work opens its own."""
    if not has_request_context():
        return None
    return g.pop("change_session", None)


def _key_invalid() -> PermissionDenied:
    return PermissionDenied("key_invalid", "Liên kết không hợp lệ hoặc đã bị thu hồi.")


def _actor_of_key(key_id: int, role: str, unit_id: int | None, meeting_id: int) -> Actor:
    return Actor(Role(role), f"key{key_id}", unit_id=unit_id, meeting_id=meeting_id)


def admin_id() -> int | None:
    return session.get("admin_id")


def lookup_key(s, meeting: Meeting, key: str) -> RoleKey | None:
    if not key or len(key) > 200:
        return None
    k = s.scalars(select(RoleKey).where(RoleKey.key_hash == hash_key(key))).first()
    if k is None or k.revoked_at is not None or k.meeting_id != meeting.id:
        return None
    return k


def grant_from_key(meeting: Meeting, key: str) -> RoleKey | None:
    """Opening a role link stores the grant in the session (so the key need not stay in the URL), and the
    session on the server: revoking the key or ending the session takes the grant back."""
    with rt().read() as s:
        k = lookup_key(s, meeting, key)
    if k is None:
        return None
    live = staff_session()
    if live is None:
        token, _sid = sessions.start(rt(), client_address(), request.user_agent.string, key_ids=[k.id])
        session[SESSION_TOKEN] = token
    else:
        sessions.add_key(rt(), live.id, k.id)
        live.key_ids.append(k.id)
    grants = dict(session.get("grants", {}))
    grants[str(meeting.id)] = {"role": k.role, "key_id": k.id, "unit_id": k.unit_id}
    session["grants"] = grants
    session.permanent = True
    return k


def start_organiser_session(admin_id: int) -> None:
    """A fresh session (new token: nothing captured before the login works after it) for an organiser."""
    session.clear()
    token, _sid = sessions.start(rt(), client_address(), request.user_agent.string, admin_id=admin_id)
    session[SESSION_TOKEN] = token
    session["admin_id"] = admin_id
    session.permanent = True
    g.web_session = sessions.LiveSession(_sid, admin_id, [])


def end_current_session() -> int | None:
    """Logout: the server forgets the session, so a copy of the cookie is worthless. Returns its id."""
    live = staff_session()
    session.clear()
    g.web_session = None
    if live is None:
        return None
    sessions.end(rt(), live.id, "logout")
    return live.id


def staff_session() -> sessions.LiveSession | None:
    """The server-side session behind this cookie's staff claims (organiser login, role grants). Claims the
    server no longer backs (logged out, ended by the organiser, idle too long, or an old cookie without a
    session token) are dropped from the session here, before anything reads them."""
    if "web_session" in g:
        return g.web_session
    live = None
    if session.get("admin_id") or session.get("grants"):
        with auth_read() as s:
            live = sessions.live(rt(), session.get(SESSION_TOKEN), s)
        if live is None:
            for name in ("admin_id", "grants", SESSION_TOKEN):
                session.pop(name, None)
        else:
            if session.get("admin_id") and session["admin_id"] != live.admin_id:
                session.pop("admin_id", None)
            grants = session.get("grants") or {}
            backed = {m: gr for m, gr in grants.items() if isinstance(gr, dict) and gr.get("key_id") in live.key_ids}
            if backed != grants:
                session["grants"] = backed
    g.web_session = live
    return live


def client_address() -> str:
    return request.remote_addr or "?"


def actor_for(meeting: Meeting, key: str | None = None, device: str | None = None, use_session: bool = True,
              s=None) -> Actor:
    """Resolve the strongest identity the caller holds for this meeting. `s`: a read session to use."""
    if s is None:
        with rt().read() as s:
            return actor_for(meeting, key, device, use_session, s)
    key = key if key is not None else request.headers.get("X-Role-Key")
    if key:
        k = lookup_key(s, meeting, key)    # None if unknown, revoked or of another meeting
        if k is None:
            raise _key_invalid()
        return _actor_of_key(k.id, k.role, k.unit_id, meeting.id)
    admin = s.get(Admin, session["admin_id"]) if use_session and session.get("admin_id") else None
    if admin is not None and organisations.may_see(s, admin, meeting):   # only its organisations' meetings
        return Actor(Role.ORGANISER, f"admin{session['admin_id']}", meeting_id=meeting.id)
    grant = session.get("grants", {}).get(str(meeting.id)) if use_session else None
    if grant:
        k = s.get(RoleKey, grant["key_id"])
        if k is not None and k.revoked_at is None and k.meeting_id == meeting.id:
            return _actor_of_key(k.id, k.role, k.unit_id, meeting.id)
    tok = device if device is not None else device_token()
    dh = device_hash(tok)
    if dh:
        return Actor(Role.DELEGATE, f"dev{dh[:8]}", device_hash=dh, meeting_id=meeting.id, source_hash=source_hash())
    return Actor(Role.ANONYMOUS, "", meeting_id=meeting.id, source_hash=source_hash())


def source_hash() -> str:
    """The caller's address (the phone's, behind a trusted proxy) as a keyed hash: grouping and per-address
    limits need only equality, and a plain hash of an IPv4 address is reversed by trying them all."""
    address = (request.remote_addr or "?").encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), address, hashlib.sha256).hexdigest()[:32]


def csrf_token() -> str:
    tok = session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(24)
        session["csrf"] = tok
    return tok


def check_csrf() -> None:
    """Writes authenticated by a cookie need the session's CSRF token; header-authenticated ones do not."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.headers.get("X-Role-Key") or request.headers.get("X-Device-Token"):
        return
    if not (request.cookies.get(DEVICE_COOKIE) or session.get("admin_id") or session.get("grants")):
        return  # nothing a browser sends by itself authenticates this request
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    # As bytes: compare_digest raises TypeError on str with non-ASCII characters (a header of garbage bytes).
    expected = str(session.get("csrf", "") or "\x00")
    if not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")):
        raise PermissionDenied("csrf", "Phiên làm việc đã hết hạn; vui lòng tải lại trang.")


def cut_rooms(actor: Actor) -> list[str]:
    """The rooms a staff socket joins so that revoking its key or ending its session disconnects it."""
    from ..realtime.revocation import room_for_key, room_for_session
    rooms = []
    if actor.name.startswith("key") and actor.name[3:].isdigit():   # actor_for names a key's holder key<id>
        rooms.append(room_for_key(int(actor.name[3:])))
    live = g.get("web_session")
    if live is not None:
        rooms.append(room_for_session(live.id))
    return rooms


# -- join-code sweeps ---------------------------------------------------------------------------------------------
class Throttled(DomainError):
    """Too many failures from one address: 429 with Retry-After (seconds)."""
    status = 429

    def __init__(self, code: str, retry_after: int):
        message, args = wait_text_args(retry_after)
        super().__init__(code, message, **args)
        self.retry_after = retry_after


class JoinCodeGuard:
    """Per process (nginx's ip_hash keeps an address on one worker): unknown meeting codes from one address are
    counted; past the policy's free misses the address waits, doubling. While it waits, only codes it had
    already opened answer (the hall behind one NAT keeps working); any other code, real or not, gets the same
    429, so the wait itself says nothing about which codes exist."""

    MAX_ADDRESSES = 50_000

    def __init__(self, policy: Backoff):
        self.policy = policy
        self._misses: dict[str, deque] = {}
        self._opened: dict[str, set[str]] = {}
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def check(self, address: str, code: str, exists) -> None:
        code = (code or "").strip().upper()[:40]    # as views.load_meeting looks it up
        now = time.monotonic()
        with self._lock:
            misses = self._misses.get(address)
            wait = self.policy.retry_after(list(misses), now) if misses else 0
            opened = code in self._opened.get(address, ())
            known = code in self._known
        if wait and not opened:
            raise Throttled("join_code_throttled", wait)
        if known or exists(code):
            with self._lock:
                self._known.add(code)
                seen = self._opened.setdefault(address, set())
                if len(seen) < 20:
                    seen.add(code)
            return
        with self._lock:
            if len(self._misses) > self.MAX_ADDRESSES:
                self._forget(now)
            q = self._misses.setdefault(address, deque(maxlen=64))
            q.append(now)

    def _forget(self, now: float) -> None:
        for addr in [a for a, q in self._misses.items() if not q or q[-1] < now - self.policy.window]:
            del self._misses[addr]
            self._opened.pop(addr, None)


def meeting_exists(code: str) -> bool:
    from ..services import views
    with rt().read() as s:
        return views.load_meeting(s, code) is not None


def guard_join_code(code: str) -> None:
    current_app.extensions["moderator_join_guard"].check(client_address(), code, meeting_exists)


# -- cookies behind TLS -------------------------------------------------------------------------------------------
class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS (directly or, with
    MODERATOR_PROXIES, through nginx's X-Forwarded-Proto); plain HTTP in a hall without TLS still works."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def secure_cookies(response):
    if request.is_secure:
        cookies = response.headers.getlist("Set-Cookie")
        if cookies:
            del response.headers["Set-Cookie"]
            for c in cookies:
                response.headers.add("Set-Cookie", c if "; secure" in c.lower() else c + "; Secure")
    return response


def init_app(app) -> None:
    from .errors import error_response
    app.session_interface = SessionInterface()
    cfg = app.config
    app.extensions["moderator_join_guard"] = JoinCodeGuard(
        Backoff(free=cfg.get("JOIN_CODE_MISSES", 20), base=2.0, cap=300.0, window=600.0))

    @app.before_request
    def _staff_session_and_codes():
        if request.path.startswith("/static/"):
            return
        staff_session()
        code = (request.view_args or {}).get("code")
        if isinstance(code, str):
            guard_join_code(code)

    @app.errorhandler(Throttled)
    def _throttled(e: Throttled):
        from .errors import _format
        resp = error_response(e.status, e.code, _format(e.message, e.details), retry_after=e.retry_after)
        if isinstance(resp, tuple):
            resp = app.make_response(resp)
        resp.headers["Retry-After"] = str(e.retry_after)
        return resp

    app.after_request(secure_cookies)
    app.teardown_request(close_auth_read)

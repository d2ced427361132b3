"""Who is asking: organiser session, role key (header or session grant), or a delegate's device token.

One function, `actor_for(meeting)`, answers it for HTTP and Socket.IO alike.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, g, request, session
from sqlalchemy import select

from ..db.models import Admin, Meeting, RoleKey
from ..domain.enums import Role
from ..domain.errors import PermissionDenied
from ..services.meetings import hash_key
from ..services.uow import Actor

DEVICE_COOKIE = "mdev"


def rt():
    return current_app.extensions["moderator"]


def device_hash(token: str | None) -> str | None:
    if not token or len(token) > 200:
        return None
    return hashlib.sha256(token.encode()).hexdigest()


def device_token() -> str | None:
    return request.headers.get("X-Device-Token") or request.cookies.get(DEVICE_COOKIE)


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
    from ..domain.errors import NotFound
    from ..services import views
    with rt().read() as s:
        m = views.load_meeting(s, code)
    if m is None:
        raise NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.")
    return m


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
    """Opening a role link stores the grant in the session (so the key need not stay in the URL)."""
    with rt().read() as s:
        k = lookup_key(s, meeting, key)
        if k is None:
            return None
        grants = dict(session.get("grants", {}))
        grants[str(meeting.id)] = {"role": k.role, "key_id": k.id, "unit_id": k.unit_id}
        session["grants"] = grants
        session.permanent = True
        return k


def actor_for(meeting: Meeting, key: str | None = None, device: str | None = None, use_session: bool = True) -> Actor:
    """Resolve the strongest identity the caller holds for this meeting."""
    key = key if key is not None else request.headers.get("X-Role-Key")
    with rt().read() as s:
        if key:
            k = lookup_key(s, meeting, key)
            if k is None:
                raise PermissionDenied("key_invalid", "Liên kết không hợp lệ hoặc đã bị thu hồi.")
            return Actor(Role(k.role), f"key{k.id}", unit_id=k.unit_id, meeting_id=meeting.id)
        if use_session and session.get("admin_id") and s.get(Admin, session["admin_id"]) is not None:
            return Actor(Role.ORGANISER, f"admin{session['admin_id']}", meeting_id=meeting.id)
        grant = session.get("grants", {}).get(str(meeting.id)) if use_session else None
        if grant:
            k = s.get(RoleKey, grant["key_id"])
            if k is not None and k.revoked_at is None and k.meeting_id == meeting.id:
                return Actor(Role(k.role), f"key{k.id}", unit_id=k.unit_id, meeting_id=meeting.id)
    tok = device if device is not None else device_token()
    dh = device_hash(tok)
    if dh:
        return Actor(Role.DELEGATE, f"dev{dh[:8]}", device_hash=dh, meeting_id=meeting.id)
    return Actor(Role.ANONYMOUS, "", meeting_id=meeting.id)


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
    if not hmac.compare_digest(sent, session.get("csrf", "") or "\x00"):
        raise PermissionDenied("csrf", "Phiên làm việc đã hết hạn; vui lòng tải lại trang.")

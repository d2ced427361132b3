"""Screens. Each is a server-rendered page plus a small script; the data comes from the API and the socket."""
from __future__ import annotations

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, session, url_for

from ..db.models import Meeting
from ..domain.enums import Role
from .auth import actor_for, grant_from_key, meeting_or_404, rt

home = Blueprint("home", __name__)
screens = Blueprint("screens", __name__)

# Screen -> roles that may open it.
SCREEN_ROLES = {
    "chair": {Role.CHAIR, Role.ORGANISER},
    "secretary": {Role.SECRETARY, Role.ORGANISER},
    "projector": {Role.PROJECTOR, Role.CHAIR, Role.SECRETARY, Role.ORGANISER},
    "overlay": {Role.PROJECTOR, Role.CHAIR, Role.SECRETARY, Role.ORGANISER},     # OBS browser source
    "usher": {Role.USHER, Role.CHAIR, Role.SECRETARY, Role.ORGANISER},
    "unit": {Role.UNIT},
}


def blueprints():
    return [home, screens]


@home.get("/")
def index():
    meetings = []
    if session.get("admin_id"):
        from ..db.models import Admin
        from ..services.organisations import visible_meetings
        with rt().read() as s:
            admin = s.get(Admin, session["admin_id"])
            meetings = visible_meetings(s, admin) if admin is not None else []
    return render_template("home.html", meetings=meetings)


@home.get("/lang/<lang>")
def set_lang(lang):
    resp = redirect(request.referrer or url_for("home.index"))
    if lang in ("vi", "en"):
        resp.set_cookie("lang", lang, max_age=60 * 60 * 24 * 365, samesite="Lax")
    return resp


def opened_by_role_link(clean_url: str):
    """A role link was opened and its key became a session grant. Leave no trace of the key in the browser.

    A redirect is not enough: chromium stores every address it was sent through in its History database, shown
    in chrome://history and offered by the address bar (so are `#key=` fragments and addresses later changed
    by history.replaceState). A page answered with 404 is stored hidden (neither listed nor suggested). So a
    browser navigation gets the screen itself with status 404, and its first script (static/js/clean-url.js)
    replaces the address with the clean one; scripts and other clients get a plain 303 to the clean address.
    Returns the redirect, or None to render the screen (then `role_link_response` sets the status)."""
    if request.headers.get("Sec-Fetch-Mode") == "navigate" and request.headers.get("Sec-Fetch-Dest") == "document":
        g.role_link_clean_url = clean_url
        return None
    resp = redirect(clean_url, code=303)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def role_link_response(html: str):
    if not g.get("role_link_clean_url"):
        return html
    resp = make_response(html, 404)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def staff_screen(code: str, screen: str):
    """Open a role screen: a `key` in the URL becomes a session grant, then the key leaves the address bar."""
    m = meeting_or_404(code)
    key = request.args.get("key")
    if key:
        if grant_from_key(m, key) is None:
            resp = make_response(render_template("error.html", status=403, message_key="key_invalid"), 403)
            resp.headers["Referrer-Policy"] = "no-referrer"
            return resp
        redirected = opened_by_role_link(url_for(request.endpoint, code=m.code, **{
            k: v for k, v in (request.view_args or {}).items() if k != "code"}))
        if redirected is not None:
            return redirected
    a = actor_for(m)
    if a.role not in SCREEN_ROLES[screen]:
        return render_template("error.html", status=403, message_key="need_key"), 403
    return m, a


@screens.get("/m/<code>/<screen>")
def staff_page(code, screen):
    if screen not in SCREEN_ROLES:
        abort(404)
    result = staff_screen(code, screen)
    if not isinstance(result, tuple) or not isinstance(result[0], Meeting):
        return result
    m, a = result
    return role_link_response(render_template(f"{screen}.html", meeting=m, actor=a))


@home.get("/go")
def go():
    from ..domain.joincode import normalize_join_code
    code = normalize_join_code(request.args.get("code", ""))
    return redirect(url_for("delegate.join", code=code) if code else url_for("home.index"))

"""The citizen after the meeting: /k/<code> (the ticket link and the printed slip's code), the rating of the answer,
notifications (e-mail, opt-out); and for staff, printable slips with the codes for paper requests.

Works without JavaScript; the follow-up code is the only credential (services/follow.py). Lookups are rate
limited per address so codes cannot be guessed.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..db.models import Request
from ..domain.enums import Role
from ..domain.errors import DomainError, NotFound, PermissionDenied
from ..domain.followcode import display_follow_code, normalize_follow_code
from ..services import follow
from .auth import actor_for, meeting_or_404, rt
from .delegate import LEVELS, MODES, STATUS_TEXT, _fmt, join_url
from .errors import _format

bp = Blueprint("follow", __name__)

SLIP_ROLES = (Role.ORGANISER, Role.SECRETARY, Role.CHAIR, Role.USHER)

NOTES = {"rated": _l("Cảm ơn Ông/Bà đã đánh giá."), "email": _l("Đã lưu địa chỉ thư điện tử để nhận thông báo."),
         "opted_out": _l("Ông/Bà sẽ không nhận thông báo về phiếu này nữa.")}


def blueprints():
    return [bp]


@bp.context_processor
def _globals():
    from .admin import local_time
    return {"local_time": local_time}


def _limit() -> None:
    current_app.extensions["moderator_limiter"].hit("follow:" + (request.remote_addr or "?"),
                                                   current_app.config.get("RATE_FOLLOW_PER_MINUTE", 30))


def _found_or_404(code: str):
    _limit()
    with rt().read() as s:
        found = follow.find(s, code)
        if found is None:
            raise NotFound("follow_code_unknown", "Không tìm thấy phiếu với mã tra cứu này. Xin kiểm tra lại mã "
                                                  "in trên phiếu.")
        return found, follow.view(s, found, rt().config)


def status_lines(v: dict) -> dict:
    """Headline and lines for the follow page: what happened, who answers, by when, what was answered."""
    status = v["answer_status"] if v["merged"] else v["status"]
    head, detail = STATUS_TEXT.get(status, (status, ""))
    a = v["answer"]
    lines = []
    if v["merged"]:
        lines.append(gettext("Ý kiến của Ông/Bà được trả lời cùng phiếu số %(t)s.", t=v["merged_into_ticket"]))
    text = _fmt(detail, target=v["merged_into_ticket"] or "", level=LEVELS.get(a["level"] or "province", ""))
    if text and status not in ("answered",):
        lines.append(text)
    if v["reason"]:
        lines.append(gettext("Lý do: %(r)s", r=v["reason"]))
    if a["unit"]:
        lines.append(gettext("Đơn vị trả lời: %(u)s", u=a["unit"]))
    if a["mode"] in MODES and status in ("answered", "written", "forwarded"):
        lines.append(gettext("Hình thức: %(m)s", m=MODES[a["mode"]]))
    if a["mode"] == "forwarded" and a["level"] in LEVELS:
        lines.append(gettext("Đã chuyển đến: %(l)s", l=LEVELS[a["level"]]))
    if a["deadline"] and status != "answered":
        lines.append(gettext("Thời hạn trả lời: %(d)s", d=a["deadline"].strftime("%d/%m/%Y")))
    return {"head": str(head), "lines": lines}


@bp.get("/k")
def lookup():
    typed = request.args.get("code")
    if typed is None:
        return render_template("follow_lookup.html", error=None, typed="")
    code = normalize_follow_code(typed)
    if code is None:
        return render_template("follow_lookup.html", typed=typed[:40], error=gettext(
            "Mã tra cứu gồm 8 chữ và số, ví dụ ABCD-2345. Xin kiểm tra lại.")), 422
    return redirect(url_for("follow.page", code=code), code=303)


@bp.get("/k/<code>")
def page(code):
    canonical = normalize_follow_code(code)
    if canonical and canonical != code:
        return redirect(url_for("follow.page", code=canonical))
    _found, v = _found_or_404(code)
    return render_template("follow.html", v=v, st=status_lines(v), note=str(NOTES.get(request.args.get("note"), "")),
                           error=None)


def _after(code: str, note: str):
    return redirect(url_for("follow.page", code=code, note=note), code=303)


def _refuse(code: str, e: DomainError):
    _found, v = _found_or_404(code)
    return render_template("follow.html", v=v, st=status_lines(v), note="", error=_format(e.message, e.details),
                           error_field=e.details.get("field")), e.status


@bp.post("/k/<code>/rating")
def rate(code):
    _limit()
    choice = request.form.get("satisfied")
    try:
        if choice not in ("1", "0"):
            raise DomainError("rating_required", "Vui lòng chọn “Hài lòng” hoặc “Chưa hài lòng”.", field="satisfied")
        follow.rate(rt(), code, choice == "1", request.form.get("reason", ""))
    except NotFound:
        raise
    except DomainError as e:
        return _refuse(code, e)
    return _after(code, "rated")


@bp.post("/k/<code>/email")
def email(code):
    _limit()
    try:
        follow.set_email(rt(), code, request.form.get("email", "")[:300],
                         request.form.get("consent") in ("1", "on", "true"))
    except NotFound:
        raise
    except DomainError as e:
        return _refuse(code, e)
    return _after(code, "email")


@bp.post("/k/<code>/opt-out")
def opt_out(code):
    _limit()
    follow.opt_out(rt(), code)
    return _after(code, "opted_out")


# -- printed slips (paper requests) --------------------------------------------------------------------------------
@bp.get("/m/<code>/slips")
def slips(code):
    """Slips to hand to people who filed on paper: ticket, follow-up code, the address to type it in."""
    m = meeting_or_404(code)
    a = actor_for(m)
    if a.role not in SLIP_ROLES:
        raise PermissionDenied("forbidden", "Bạn không có quyền thực hiện thao tác này.")
    wanted = {int(x) for x in request.args.get("tickets", "").replace(" ", "").split(",") if x.isdigit()}
    with rt().read() as s:
        stmt = select(Request).where(Request.meeting_id == m.id).order_by(Request.ticket)
        rows = [r for r in s.scalars(stmt) if (r.ticket in wanted if wanted else r.source != "phone")]
    if wanted and not rows:
        abort(404)
    from .admin import qr_data_uri
    base = join_url(m.code).rsplit("/j/", 1)[0]
    return render_template("follow_slips.html", meeting=m, base=base, short=base.split("://", 1)[-1],
                           slips=[{"ticket": r.ticket, "code": display_follow_code(r.follow_code),
                                   "qr": qr_data_uri(f"{base}/k/{r.follow_code}")} for r in rows])

"""The delegate's phone: join page, the request form (works without JavaScript), the ticket page, QR codes,
the printable poster and seat cards.

Changes go through the same services and the same input schema as the JSON API (schemas.SubmitRequest,
services.requests.submit / edit_own / withdraw_own); these handlers only translate between HTML forms and them.
"""
from __future__ import annotations

import io
import secrets
from datetime import date

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import select

from ..db.models import Field
from ..domain.enums import Role, Source
from ..domain.errors import DomainError
from ..services import requests as reqs, views
from . import schemas as sc
from .auth import actor_for, device_hash, ensure_device_token, meeting_or_404, rt
from .errors import MESSAGES, _fields, _format

bp = Blueprint("delegate", __name__)


def blueprints():
    return [bp]


# ----------------------------------------------------------------------------------------------- helpers
def join_url(code: str) -> str:
    """The address phones open: PUBLIC_BASE_URL (the hall LAN address) or, unset, the host this request came to."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/") or request.host_url.rstrip("/")
    return f"{base}/j/{code}"


def short_url(code: str) -> str:
    """The join URL as people type it: without the scheme."""
    url = join_url(code)
    return url.split("://", 1)[-1]


def _meeting(code: str):
    with rt().read() as s:
        m = views.load_meeting(s, code)
        if m is None:
            abort(404)
        fields = list(s.scalars(select(Field).where(Field.meeting_id == m.id).order_by(Field.position)))
        public = views.public_state(s, m)
    return m, fields, public


def _delegate_actor(m):
    """The caller as a delegate: a device token is created on first visit (cookie set after the request)."""
    a = actor_for(m)
    if a.role in (Role.ANONYMOUS, Role.DELEGATE):
        a.role = Role.DELEGATE
        a.device_hash = a.device_hash or device_hash(ensure_device_token())
        a.name = a.name or f"dev{a.device_hash[:8]}"
    return a


def _mine(m, a) -> list[dict]:
    if not a.device_hash:
        return []
    with rt().read() as s:
        return views.owner_snapshot(s, m, a.device_hash)["requests"]


# Status texts: the same table feeds the server-rendered page and the live updates in delegate.js.
STATUS_TEXT = {
    "submitted": (_l("Đã nhận ý kiến"),
                  _l("Chủ trì đang xem xét ý kiến của bạn. Kết quả sẽ hiện ngay tại đây.")),
    "accepted": (_l("Đã xếp lượt phát biểu"), _l("Khi đến lượt, điện thoại sẽ báo để bạn chuẩn bị.")),
    "called": (_l("Mời bạn chuẩn bị phát biểu"),
               _l("Người phục vụ sẽ mang micrô đến chỗ bạn. Xin giơ tay để được nhận ra.")),
    "speaking": (_l("Bạn đang phát biểu"), _l("Xin trình bày ngắn gọn, đúng nội dung đã đăng ký.")),
    "answered": (_l("Đã được trả lời"), _l("Cảm ơn bạn đã đóng góp ý kiến.")),
    "declined": (_l("Ý kiến không đưa vào hội nghị"),
                 _l("Nếu cần, xin liên hệ ban tổ chức để được hướng dẫn gửi ý kiến đến nơi có thẩm quyền.")),
    "withdrawn": (_l("Bạn đã rút ý kiến này"), _l("Ý kiến này sẽ không được trình bày.")),
    "merged": (_l("Đã gộp với ý kiến cùng nội dung"),
               _l("Ý kiến của bạn được trả lời cùng phiếu số {target}; bạn không cần làm gì thêm.")),
    "written": (_l("Sẽ được trả lời bằng văn bản"),
                _l("Cơ quan có trách nhiệm sẽ trả lời bằng văn bản và gửi đến địa chỉ bạn đã ghi.")),
    "forwarded": (_l("Chuyển đến cấp có thẩm quyền"),
                  _l("Ý kiến được chuyển đến {level} để xem xét, giải quyết; kết quả sẽ được thông báo đến bạn.")),
    "deferred": (_l("Chưa đến lượt vì hết thời gian"),
                 _l("Ý kiến vẫn được ghi nhận và sẽ được trả lời bằng văn bản sau hội nghị.")),
    "complaint": (_l("Chuyển xử lý theo quy trình khiếu nại, tố cáo"),
                  _l("Cơ quan có thẩm quyền sẽ giải quyết theo quy định của pháp luật và liên hệ với bạn.")),
}

LEVELS = {"province": _l("cấp tỉnh"), "central": _l("cơ quan Trung ương"),
          "outside": _l("cơ quan, đơn vị có thẩm quyền"), "commune": _l("cấp xã")}
MODES = {"hall": _l("trả lời trực tiếp tại hội nghị"), "writing": _l("trả lời bằng văn bản"),
         "forwarded": _l("chuyển cấp có thẩm quyền")}

UI_TEXT = {
    "pos": _l("Bạn đang ở lượt thứ {n} trong hàng chờ."),
    "next": _l("Bạn là người tiếp theo."),
    "wait": _l("Thời gian chờ dự kiến: khoảng {min} phút."),
    "reason": _l("Lý do: {reason}"),
    "unit": _l("Đơn vị trả lời: {unit}"),
    "answerer": _l("Người trả lời: {name}"),
    "mode": _l("Hình thức: {mode}"),
    "deadline": _l("Thời hạn trả lời: {date}"),
    "summary": _l("Nội dung trả lời: {text}"),
    "now": _l("Đang phát biểu: phiếu số {ticket} – {name}"),
    "now_none": _l("Chưa có ai phát biểu."),
    "waiting": _l("Đang chờ phát biểu: {n} người"),
    "closed": _l("Chủ trì đã khóa đăng ký phát biểu."),
    "offline_kept": _l("Chưa gửi được vì mạng đang yếu hoặc mất kết nối. Ý kiến đã được lưu trên điện thoại "
                       "và sẽ tự gửi lại khi có mạng — bạn không cần gửi lại."),
    "sending": _l("Đang gửi…"),
    "retrying": _l("Đang thử gửi lại…"),
    "sent": _l("Đã gửi thành công."),
    "fix": _l("Thông tin chưa đúng, xin xem lại các mục được đánh dấu."),
    "saved": _l("Đã lưu bản nháp trên điện thoại."),
    "edit_saved": _l("Đã lưu nội dung mới."),
    "failed": _l("Chưa thực hiện được. Xin thử lại."),
    "ticket": _l("Phiếu số"),
    "open": _l("Xem phiếu"),
    "name_citizen": _l("Họ và tên"),
    "name_org": _l("Cơ quan, tổ chức hoặc cá nhân"),
    "required": MESSAGES["missing"],
    "too_long": _l("Nội dung dài quá {max} ký tự."),
    "phone_invalid": MESSAGES["phone_invalid"],
    "full_name_required": MESSAGES["full_name_required"],
    "phone_required": MESSAGES["phone_required"],
    "address_required": MESSAGES["address_required"],
    "position_required": MESSAGES["position_required"],
    "content_required": _l("Vui lòng ghi nội dung ý kiến, kiến nghị."),
    "consent_required": _l("Vui lòng đánh dấu đồng ý để hội nghị được dùng thông tin liên hệ của bạn."),
    "Mất kết nối": _l("Mất kết nối"),
    "Đang kết nối lại…": _l("Đang kết nối lại…"),
}


def _fmt(template, **kw) -> str:
    text = str(template)
    for k, v in kw.items():
        text = text.replace("{" + k + "}", str(v))
    return text


def i18n_table() -> dict:
    out = {k: str(v) for k, v in UI_TEXT.items()}
    for status, (head, detail) in STATUS_TEXT.items():
        out[f"st.{status}"] = str(head)
        out[f"st.{status}.d"] = str(detail)
    for k, v in LEVELS.items():
        out[f"level.{k}"] = str(v)
    for k, v in MODES.items():
        out[f"mode.{k}"] = str(v)
    return out


def _date_vi(iso_date: str | None) -> str:
    if not iso_date:
        return ""
    try:
        d = date.fromisoformat(iso_date[:10])
    except ValueError:
        return iso_date
    return d.strftime("%d/%m/%Y")


def ticket_status(r: dict, public: dict) -> dict:
    """Headline and detail lines for one ticket (the server-rendered twin of delegate.js `statusLines`)."""
    status = r["status"]
    head, detail = STATUS_TEXT.get(status, (r.get("status_label", status), ""))
    lines = []
    if status == "accepted":
        queue = public.get("queue") or []
        if r["ticket"] in queue:
            n = queue.index(r["ticket"]) + 1
            lines.append(_fmt(UI_TEXT["next"]) if n == 1 and not public.get("floor")
                         else _fmt(UI_TEXT["pos"], n=n))
            minutes = wait_minutes(n, public)
            if minutes:
                lines.append(_fmt(UI_TEXT["wait"], min=minutes))
    detail_text = _fmt(detail, target=r.get("merged_into_ticket") or "",
                       level=LEVELS.get((r.get("answer") or {}).get("level") or "province", ""))
    if detail_text:
        lines.append(detail_text)
    if r.get("reason") and status not in ("withdrawn",):
        lines.append(_fmt(UI_TEXT["reason"], reason=r["reason"]))
    a = r.get("answer") or {}
    if status in ("answered", "written", "forwarded", "deferred", "speaking", "called"):
        if a.get("unit"):
            lines.append(_fmt(UI_TEXT["unit"], unit=a["unit"]))
        if status in ("answered", "written", "forwarded"):
            if a.get("answerer"):
                lines.append(_fmt(UI_TEXT["answerer"], name=a["answerer"]))
            if a.get("mode") in MODES:
                lines.append(_fmt(UI_TEXT["mode"], mode=MODES[a["mode"]]))
            if a.get("deadline") and status != "answered":
                lines.append(_fmt(UI_TEXT["deadline"], date=_date_vi(a["deadline"])))
            if a.get("summary"):
                lines.append(_fmt(UI_TEXT["summary"], text=a["summary"]))
    return {"head": str(head), "lines": lines}


def wait_minutes(n: int, public: dict) -> int:
    pace = public.get("pace_seconds") or (public.get("meeting") or {}).get("speaking_seconds") or 180
    secs = (n - 1) * pace + (pace / 2 if public.get("floor") else 0)
    return max(1, round(secs / 60)) if secs > 0 else 0


# ----------------------------------------------------------------------------------------------- pages
@bp.get("/j/<code>")
def join(code):
    m, fields, public = _meeting(code)
    if m.code != code:
        return redirect(url_for("delegate.join", code=m.code))
    a = _delegate_actor(m)
    mine = _mine(m, a)
    return render_template("join.html", meeting=m, public=public, mine=mine, i18n=i18n_table(),
                           status_of=lambda r: ticket_status(r, public), screen="join")


FORM_FIELDS = ("kind", "full_name", "phone", "address", "locality", "organization", "position", "seat",
               "field_id", "content", "wants_to_speak", "consent", "idempotency_key")


def _form_values() -> dict:
    f = request.form
    kind = f.get("kind", "citizen")
    return {"kind": kind if kind in ("citizen", "organization") else "citizen",
            "full_name": f.get("full_name", ""), "phone": f.get("phone", ""), "address": f.get("address", ""),
            "locality": f.get("locality", ""), "organization": f.get("organization", ""),
            "position": f.get("position", ""), "seat": f.get("seat", ""), "field_id": f.get("field_id", ""),
            "content": f.get("content", ""), "wants_to_speak": f.get("wants_to_speak", "1") != "0",
            "consent": f.get("consent") in ("1", "on", "true"),
            "idempotency_key": f.get("idempotency_key", "")[:80]}


def _render_form(m, fields, public, values: dict, errors: dict | None = None, message: str = "", status=200):
    a = _delegate_actor(m)
    open_count = sum(1 for r in _mine(m, a) if r["status"] in ("submitted", "accepted", "called", "speaking"))
    return render_template("delegate_form.html", meeting=m, fields=fields, public=public, v=values,
                           errors=errors or {}, message=message, i18n=i18n_table(), screen="form",
                           limit_reached=open_count >= m.max_open_per_device), status


@bp.get("/j/<code>/form")
def form(code):
    m, fields, public = _meeting(code)
    kind = request.args.get("kind", "citizen")
    values = {"kind": kind if kind in ("citizen", "organization") else "citizen", "wants_to_speak": True,
              "consent": False, "idempotency_key": "nf-" + secrets.token_urlsafe(16)}
    return _render_form(m, fields, public, values)


@bp.post("/j/<code>/form")
def form_post(code):
    """The form without JavaScript: same schema and service as POST /api/v1/meetings/<code>/requests."""
    from .api import _new_request, limit_device
    m, fields, public = _meeting(code)
    values = _form_values()
    data = {k: values[k] for k in FORM_FIELDS if k != "field_id"}
    if values["field_id"]:
        data["field_id"] = values["field_id"]
    if not data["idempotency_key"]:
        data["idempotency_key"] = None
    errors: dict[str, str] = {}
    body = None
    try:
        body = sc.SubmitRequest.model_validate(data)
    except ValidationError as e:
        errors = _fields(e)
    errors.update({k: v for k, v in _required_errors(values).items() if k not in errors})
    if errors:
        return _render_form(m, fields, public, values, errors, gettext(
            "Thông tin chưa hợp lệ, vui lòng xem lại các mục được đánh dấu."), 422)
    a = _delegate_actor(m)
    try:
        limit_device(a)
        req, _created = reqs.submit(rt(), m.code, a, _new_request(body, Source.PHONE))
    except DomainError as e:
        msg = _format(e.message, e.details)
        field = e.details.get("field")
        if e.code == "idempotency_key_reused":     # the browser brought back an old key: this draft gets its own
            values["idempotency_key"] = "nf-" + secrets.token_urlsafe(16)
        return _render_form(m, fields, public, values, {field: msg} if field else {}, msg, e.status)
    return redirect(url_for("delegate.ticket", code=m.code, request_id=req.id), code=303)


def _required_errors(v: dict) -> dict[str, str]:
    """Every missing required field at once (the schema stops at the first), with the same messages."""
    out = {}
    if not v["full_name"].strip():
        out["full_name"] = str(MESSAGES["full_name_required"])
    if not v["phone"].strip():
        out["phone"] = str(MESSAGES["phone_required"])
    if v["kind"] == "citizen" and not v["address"].strip():
        out["address"] = str(MESSAGES["address_required"])
    if v["kind"] == "organization" and not v["position"].strip():
        out["position"] = str(MESSAGES["position_required"])
    if not v["content"].strip():
        out["content"] = str(UI_TEXT["content_required"])
    if not v["consent"]:
        out["consent"] = str(UI_TEXT["consent_required"])
    return out


@bp.get("/j/<code>/t")
def mine_page(code):
    return ticket(code, None)


@bp.get("/j/<code>/t/<int:request_id>")
def ticket(code, request_id):
    m, fields, public = _meeting(code)
    a = _delegate_actor(m)
    mine = _mine(m, a)
    focus = None
    if request_id is not None:
        focus = next((r for r in mine if r["id"] == request_id), None)
        if focus is None:
            abort(404)
        mine = [focus] + [r for r in mine if r["id"] != request_id]
    else:
        mine = list(reversed(mine))
    return render_template("ticket.html", meeting=m, public=public, mine=mine, focus=focus, fields=fields,
                           i18n=i18n_table(), status_of=lambda r: ticket_status(r, public), screen="ticket",
                           note=request.args.get("note", ""))


@bp.post("/j/<code>/t/<int:request_id>/withdraw")
def withdraw(code, request_id):
    from .api import limit_device
    m, _, _ = _meeting(code)
    a = _delegate_actor(m)
    limit_device(a)
    reqs.withdraw_own(rt(), m.code, a, request_id)
    return redirect(url_for("delegate.ticket", code=m.code, request_id=request_id), code=303)


@bp.post("/j/<code>/t/<int:request_id>/edit")
def edit(code, request_id):
    from .api import limit_device
    m, fields, public = _meeting(code)
    a = _delegate_actor(m)
    limit_device(a)
    try:
        body = sc.EditOwn.model_validate({"content": request.form.get("content", "")})
    except ValidationError as e:
        msg = next(iter(_fields(e).values()))
        return redirect(url_for("delegate.ticket", code=m.code, request_id=request_id, note=msg), code=303)
    reqs.edit_own(rt(), m.code, a, request_id, body.content)
    return redirect(url_for("delegate.ticket", code=m.code, request_id=request_id,
                            note=str(UI_TEXT["edit_saved"])), code=303)


# ----------------------------------------------------------------------------------------------- QR and print
def _qr(code: str):
    import qrcode
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
    q.add_data(join_url(code))
    q.make(fit=True)
    return q


@bp.get("/j/<code>/qr.svg")
def qr_svg(code):
    from qrcode.image.svg import SvgPathImage
    img = _qr(meeting_or_404(code).code).make_image(image_factory=SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    resp = Response(buf.getvalue(), mimetype="image/svg+xml")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/j/<code>/qr.png")
def qr_png(code):
    try:
        scale = min(max(int(request.args.get("box", 10)), 2), 40)
    except ValueError:
        scale = 10
    q = _qr(meeting_or_404(code).code)
    q.box_size = scale
    img = q.make_image(fill_color="black", back_color="white")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    resp = Response(buf.getvalue(), mimetype="image/png")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/j/<code>/poster")
def poster(code):
    m, _, _ = _meeting(code)
    return render_template("delegate_poster.html", meeting=m, url=join_url(m.code), short=short_url(m.code))


@bp.get("/j/<code>/cards")
def cards(code):
    m, _, _ = _meeting(code)
    try:
        n = min(max(int(request.args.get("n", 10)), 1), 200)
    except ValueError:
        n = 10
    return render_template("delegate_cards.html", meeting=m, url=join_url(m.code), short=short_url(m.code),
                           n=n)

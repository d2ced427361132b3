"""The organiser's workspace (/admin) and the public results page (/r/<code>).

Server-rendered forms with CSRF; every change goes through a service (UnitOfWork: audited, versioned).
Bad input re-renders the page with the message in the user's language and a 4xx status; nothing is changed.
"""
from __future__ import annotations

import base64
import io
import json
import secrets
from datetime import date
from functools import wraps
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..localtime import to_local
from ..db.models import Admin, AuditLog, Field, Meeting, ProgrammeStep, Request, RoleKey, Unit
from ..domain.enums import AnswerMode, Role
from ..domain.errors import DomainError, NotFound
from ..documents.summary import build_csv_table, build_xlsx_table
from ..domain.presets import PRESETS
from ..realtime.revocation import room_for_key, room_for_session
from ..services import follow, followup, importer, meetings, organisations, organiser, personal, sessions, views
from ..services import requests as reqs
from ..services.uow import Actor
from .auth import client_address, end_current_session, meeting_or_404, rt, start_organiser_session
from .sockets import cut_off
from .errors import _format, error_response

bp = Blueprint("admin", __name__, url_prefix="/admin")
results_bp = Blueprint("results", __name__)

ROLE_LABELS = {"chair": "Chủ trì", "secretary": "Thư ký", "projector": "Màn hình hội trường",
               "usher": "Người chuyển micro", "unit": "Đơn vị trả lời"}
STATUS_CHOICES = ["written", "forwarded", "deferred", "answered"]


def blueprints():
    return [bp, results_bp]


# -- helpers --------------------------------------------------------------------------------------------------
def message_of(e: DomainError) -> str:
    return _format(e.message, e.details)


def current_admin() -> Admin | None:
    aid = session.get("admin_id")
    if not aid:
        return None
    with rt().read() as s:
        return s.get(Admin, aid)


def may_open(admin: Admin, code: str) -> bool:
    """True when the meeting is within the admin's organisations (or does not exist: its page says so)."""
    with rt().read() as s:
        m = views.load_meeting(s, code)
        return m is None or organisations.may_see(s, admin, m)


def login_required(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        admin = current_admin()
        if admin is None:
            session.pop("admin_id", None)
            return redirect(url_for("admin.login", next=request.path))
        g.admin = admin
        g.actor = Actor(Role.ORGANISER, f"admin{admin.id}")
        if "code" in kwargs and not may_open(admin, kwargs["code"]):
            abort(404)     # another organisation's meeting: as if it did not exist
        return fn(*args, **kwargs)
    return wrapper


def lists(m: Meeting):
    with rt().read() as s:
        units = list(s.scalars(select(Unit).where(Unit.meeting_id == m.id).order_by(Unit.position)))
        fields = list(s.scalars(select(Field).where(Field.meeting_id == m.id).order_by(Field.position)))
    return units, fields


def int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_date(value: str, fld: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError("date_invalid", "Ngày không đúng; nhập theo dạng năm-tháng-ngày.", field=fld)


def parse_int(value: str, fld: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise DomainError("int_invalid", "Cần một số nguyên.", field=fld)


def parse_optional_int(value: str, fld: str) -> int | None:
    return parse_int(value, fld) if (value or "").strip() else None


def base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI (an <img> source: allowed by the CSP, crisp when printed)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage
    q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    q.add_data(text)
    q.make(fit=True)
    buf = io.BytesIO()
    q.make_image(image_factory=SvgPathImage).save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def done(message: str, endpoint: str, **kw):
    flash(message, "ok")
    return redirect(url_for(endpoint, **kw), code=303)


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    # Runs before the app's CSRF check parses the form: the import form may carry a spreadsheet up to 5 MB.
    if endpoint == "admin.import_upload":
        request.max_content_length = importer.MAX_BYTES + 64 * 1024


@bp.errorhandler(413)
def _too_large(e):
    """An upload over the limit is refused on the import page, naming the limit (the body is never parsed)."""
    if request.endpoint == "admin.import_upload" and session.get("admin_id"):
        m = meeting_or_404(request.view_args["code"])
        error = message_of(importer.ImportError_("file_too_large", "Tệp lớn quá %(limit)s MB.",
                                                 limit=importer.MAX_BYTES // (1024 * 1024)))
        return render_template("admin/import.html", m=m, tab="import", step="upload", error=error), 413
    return error_response(413, "too_large", _("Dữ liệu gửi lên quá lớn."))


def local_time(dt, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """Stored times are UTC; the people reading them are in the hall's time zone."""
    return to_local(dt).strftime(fmt) if dt else ""


@bp.context_processor
def _admin_globals():
    return {"role_labels": ROLE_LABELS, "mode_labels": followup.MODE_LABELS, "status_label": followup.status_label,
            "level_labels": followup.LEVEL_LABELS, "local_time": local_time}


# -- login ------------------------------------------------------------------------------------------------------
@bp.get("/login")
def login():
    return render_template("admin/login.html", next=request.args.get("next", ""))


@bp.post("/login")
def login_post():
    nxt = request.form.get("next", "")
    try:
        admin_id = organiser.login(rt(), request.form.get("username", ""), request.form.get("password", ""),
                                   client_address())
    except DomainError as e:
        resp = current_app.make_response((render_template(
            "admin/login.html", next=nxt, error=message_of(e), username=request.form.get("username", "")), e.status))
        if e.details.get("retry_after"):
            resp.headers["Retry-After"] = str(e.details["retry_after"])
        return resp
    start_organiser_session(admin_id)
    if not nxt.startswith("/admin") or nxt.startswith("//"):
        nxt = url_for("admin.index")
    return redirect(nxt, code=303)


@bp.post("/logout")
def logout():
    ended = end_current_session()
    if ended is not None:
        cut_off(room_for_session(ended))
    return redirect(url_for("admin.login"), code=303)


# -- meetings -----------------------------------------------------------------------------------------------------
@bp.get("/")
@login_required
def index():
    return render_index()


def render_index(error: str | None = None, status: int = 200, values: dict | None = None):
    with rt().read() as s:
        ms = organisations.visible_meetings(s, g.admin)
    return render_template("admin/index.html", meetings=ms, presets=PRESETS, error=error,
                           values=values or {}), status


@bp.post("/meetings")
@login_required
def create():
    f = request.form
    try:
        spec = meetings.MeetingSpec(
            title=f.get("title", "").strip(), preset=f.get("preset", "commune"), code=f.get("code", "").strip() or None,
            organiser=f.get("organiser", "").strip(), parent_body=f.get("parent_body", "").strip(),
            venue=f.get("venue", "").strip(), place_name=f.get("place_name", "").strip(),
            date=parse_date(f.get("date", ""), "date"), planned_start=f.get("planned_start", "07:30").strip(),
            planned_end=f.get("planned_end", "11:30").strip())
        from ..domain.joincode import is_valid_join_code, normalize_join_code
        if spec.code and not is_valid_join_code(normalize_join_code(spec.code)):
            raise DomainError("code_invalid", "Mã tham gia gồm 3 đến 12 chữ cái không dấu (A–Z) hoặc chữ số.",
                              field="code")
        organiser.validate_settings(organiser.MeetingSettings(
            title=spec.title, organiser=spec.organiser, parent_body=spec.parent_body, venue=spec.venue,
            place_name=spec.place_name, planned_start=spec.planned_start, planned_end=spec.planned_end))
        m = meetings.create_meeting(rt(), g.actor, spec)
        organisations.set_meeting_organisation(rt(), m.code, g.admin.organisation_id)
    except DomainError as e:
        return render_index(message_of(e), e.status, values=f.to_dict())
    return done(_("Đã tạo hội nghị."), "admin.meeting", code=m.code)


@bp.get("/meetings/<code>")
@login_required
def meeting(code):
    return render_settings(meeting_or_404(code))


def render_settings(m: Meeting, error: str | None = None, status: int = 200, fld: str | None = None):
    sig = m.signatories or {}
    chairs = "\n".join(f"{c.get('name', '')} | {c.get('title', '')}" for c in sig.get("chairs", []))
    sec = sig.get("secretary") or {}
    with rt().read() as s:
        n_requests = s.scalar(select(func.count()).select_from(Request).where(Request.meeting_id == m.id))
        steps = [p.title for p in s.scalars(select(ProgrammeStep).where(ProgrammeStep.meeting_id == m.id)
                                            .order_by(ProgrammeStep.position))]
    return render_template("admin/meeting.html", m=m, tab="settings", chairs=chairs, secretary=sec, error=error,
                           error_field=fld, n_requests=n_requests, steps=steps), status


def _signatories(f) -> dict:
    chairs = []
    for line in (f.get("chairs", "") or "").splitlines():
        if line.strip():
            name, _sep, title = line.partition("|")
            chairs.append({"name": name.strip(), "title": title.strip()})
    return {"chairs": chairs, "secretary": {"name": f.get("secretary_name", ""),
                                            "title": f.get("secretary_title", "")}}


@bp.post("/meetings/<code>/settings")
@login_required
def settings(code):
    m = meeting_or_404(code)
    f = request.form
    try:
        st = organiser.MeetingSettings(
            title=f.get("title", ""), organiser=f.get("organiser", ""), parent_body=f.get("parent_body", ""),
            venue=f.get("venue", ""), place_name=f.get("place_name", ""), date=parse_date(f.get("date", ""), "date"),
            planned_start=f.get("planned_start", "").strip(), planned_end=f.get("planned_end", "").strip(),
            speaking_seconds=parse_int(f.get("speaking_seconds", ""), "speaking_seconds"),
            max_open_per_device=parse_int(f.get("max_open_per_device", ""), "max_open_per_device"),
            max_devices_per_address=parse_optional_int(f.get("max_devices_per_address", ""), "max_devices_per_address"),
            max_open_per_address=parse_optional_int(f.get("max_open_per_address", ""), "max_open_per_address"),
            jurisdiction_note=f.get("jurisdiction_note", ""), doc_format=f.get("doc_format", ""),
            doc_number=f.get("doc_number", ""), signatories=_signatories(f),
            decline_reasons=(f.get("decline_reasons", "") or "").splitlines(),
            retention_days=parse_int(f.get("retention_days", ""), "retention_days"),
            results_hide_names=m.results_hide_names)
        organiser.update_settings(rt(), g.actor, m.code, st)
    except DomainError as e:
        return render_settings(m, message_of(e), e.status, e.details.get("field"))
    return done(_("Đã lưu thiết lập hội nghị."), "admin.meeting", code=m.code)


@bp.post("/meetings/<code>/programme")
@login_required
def programme(code):
    m = meeting_or_404(code)
    try:
        organiser.set_programme(rt(), g.actor, m.code, (request.form.get("steps", "") or "").splitlines())
    except DomainError as e:
        return render_settings(m, message_of(e), e.status, e.details.get("field"))
    return done(_("Đã lưu chương trình hội nghị."), "admin.meeting", code=m.code)


# -- units and fields ---------------------------------------------------------------------------------------------
@bp.get("/meetings/<code>/units")
@login_required
def units(code):
    return render_units(meeting_or_404(code))


def render_units(m: Meeting, error: str | None = None, status: int = 200):
    us, fs = lists(m)
    return render_template("admin/units.html", m=m, tab="units", units=us, fields=fs, error=error), status


@bp.post("/meetings/<code>/units/<action>")
@login_required
def units_post(code, action):
    m = meeting_or_404(code)
    f = request.form
    try:
        if action == "add-unit":
            organiser.add_unit(rt(), g.actor, m.code, f.get("name", ""))
        elif action == "rename-unit":
            organiser.rename_unit(rt(), g.actor, m.code, parse_int(f.get("unit_id", ""), "unit_id"), f.get("name", ""))
        elif action == "remove-unit":
            organiser.remove_unit(rt(), g.actor, m.code, parse_int(f.get("unit_id", ""), "unit_id"))
        elif action == "add-field":
            organiser.add_field(rt(), g.actor, m.code, f.get("name", ""), int_or_none(f.get("default_unit_id")))
        elif action == "update-field":
            organiser.update_field(rt(), g.actor, m.code, parse_int(f.get("field_id", ""), "field_id"),
                                   f.get("name", ""), int_or_none(f.get("default_unit_id")))
        elif action == "remove-field":
            organiser.remove_field(rt(), g.actor, m.code, parse_int(f.get("field_id", ""), "field_id"))
        else:
            abort(404)
    except DomainError as e:
        return render_units(m, message_of(e), e.status)
    return done(_("Đã lưu."), "admin.units", code=m.code)


# -- role links ---------------------------------------------------------------------------------------------------
def key_url(m: Meeting, role: str, key: str) -> str:
    return f"{base_url()}/m/{m.code}/{role}?key={key}"


@bp.get("/meetings/<code>/keys")
@login_required
def keys(code):
    return render_keys(meeting_or_404(code))


def render_keys(m: Meeting, created: list[dict] | None = None, error: str | None = None, status: int = 200):
    us, _fs = lists(m)
    with rt().read() as s:
        ks = list(s.scalars(select(RoleKey).where(RoleKey.meeting_id == m.id).order_by(RoleKey.id.desc())))
    unit_names = {u.id: u.name for u in us}
    return render_template("admin/keys.html", m=m, tab="keys", keys=ks, units=us, unit_names=unit_names,
                           sessions=sessions.active_for_meeting(rt(), m.id),
                           idle_minutes=f"{current_app.config.get('SESSION_IDLE_MINUTES', 240):g}",
                           created=created or [], error=error, join_url=f"{base_url()}/j/{m.code}",
                           join_qr=qr_data_uri(f"{base_url()}/j/{m.code}")), status


@bp.post("/meetings/<code>/keys")
@login_required
def keys_create(code):
    m = meeting_or_404(code)
    role = request.form.get("role", "")
    unit_raw = request.form.get("unit_id", "")
    label = request.form.get("label", "").strip()[:120]
    created = []
    try:
        if role not in ROLE_LABELS:
            raise DomainError("role_invalid", "Vai trò không hợp lệ.", field="role")
        us, _fs = lists(m)
        if role == "unit" and unit_raw == "all":
            targets = [(u.id, u.name) for u in us]
            if not targets:
                raise DomainError("no_units", "Hội nghị chưa có đơn vị trả lời nào.", field="unit_id")
        elif role == "unit":
            uid = int_or_none(unit_raw)
            targets = [(uid, next((u.name for u in us if u.id == uid), ""))]
        else:
            targets = [(None, label or ROLE_LABELS[role])]
        for uid, name in targets:
            key = meetings.create_role_key(rt(), g.actor, m.code, Role(role), unit_id=uid,
                                           label=label if role != "unit" or not name else name)
            url = key_url(m, role, key)
            created.append({"role": role, "label": name or label, "url": url, "qr": qr_data_uri(url)})
    except DomainError as e:
        return render_keys(m, created, message_of(e), e.status)
    return render_keys(m, created)


@bp.post("/meetings/<code>/keys/<int:key_id>/revoke")
@login_required
def keys_revoke(code, key_id):
    m = meeting_or_404(code)
    try:
        meetings.revoke_role_key(rt(), g.actor, m.code, key_id)
    except DomainError as e:
        return render_keys(m, error=message_of(e), status=e.status)
    cut_off(room_for_key(key_id))     # committed: its sockets go now, on every worker
    return done(_("Đã thu hồi liên kết; người giữ liên kết này không vào được nữa."), "admin.keys", code=m.code)


@bp.post("/meetings/<code>/sessions/<int:session_id>/end")
@login_required
def session_end(code, session_id):
    m = meeting_or_404(code)
    try:
        sessions.end_for_meeting(rt(), m.id, session_id)
    except DomainError as e:
        return render_keys(m, error=message_of(e), status=e.status)
    cut_off(room_for_session(session_id))
    return done(_("Đã kết thúc phiên làm việc; thiết bị đó phải mở lại liên kết hoặc đăng nhập lại."), "admin.keys",
                code=m.code)


# -- import of pre-collected recommendations ----------------------------------------------------------------------
def _import_dir() -> Path:
    p = Path(current_app.config["INSTANCE_DIR"]) / "imports"
    p.mkdir(parents=True, exist_ok=True)
    return p


def _forget_old_uploads(older_than: float = 24 * 3600) -> None:
    """Uploaded spreadsheets wait only until confirmed or abandoned: a day at most (they hold personal data)."""
    import time
    for f in _import_dir().glob("*.bin"):
        try:
            if f.stat().st_mtime < time.time() - older_than:
                f.unlink()
        except OSError:
            pass


def _stored_upload(m: Meeting):
    info = (session.get("imports") or {}).get(m.code)
    token = request.form.get("token", "")
    if not info or info.get("token") != token or not token.isalnum():
        raise DomainError("import_expired", "Tệp tải lên đã hết hạn; vui lòng chọn lại tệp.")
    path = _import_dir() / f"{token}.bin"
    if not path.exists():
        raise DomainError("import_expired", "Tệp tải lên đã hết hạn; vui lòng chọn lại tệp.")
    return info, path.read_bytes()


def _mapping_from_form(table: importer.Table) -> dict[str, int | None]:
    out = {}
    for target in importer.TARGETS:
        i = int_or_none(request.form.get(f"map_{target}"))
        out[target] = i if i is not None and 0 <= i < len(table.headers) else None
    return out


@bp.get("/meetings/<code>/import")
@login_required
def import_page(code):
    return render_template("admin/import.html", m=meeting_or_404(code), tab="import", step="upload")


@bp.post("/meetings/<code>/import")
@login_required
def import_upload(code):
    m = meeting_or_404(code)
    up = request.files.get("file")
    try:
        if up is None or not up.filename:
            raise DomainError("file_required", "Vui lòng chọn tệp Excel (.xlsx) hoặc CSV.", field="file")
        data = up.read(importer.MAX_BYTES + 1)
        table = importer.read_upload(data, up.filename)
    except DomainError as e:
        return render_template("admin/import.html", m=m, tab="import", step="upload", error=message_of(e)), e.status
    _forget_old_uploads()
    token = secrets.token_hex(16)
    (_import_dir() / f"{token}.bin").write_bytes(data)
    imports = dict(session.get("imports") or {})
    previous = (imports.get(m.code) or {}).get("token", "")
    if previous.isalnum():
        (_import_dir() / f"{previous}.bin").unlink(missing_ok=True)
    imports[m.code] = {"token": token, "filename": up.filename[:200]}
    session["imports"] = imports
    return render_template("admin/import.html", m=m, tab="import", step="map", token=token,
                           filename=up.filename, table=table, mapping=importer.guess_mapping(table.headers),
                           targets=importer.TARGETS, sample=table.rows[:5])


def _check_upload(m: Meeting):
    """Read the stored upload with the mapping chosen in the form, and check every row (writes nothing)."""
    info, data = _stored_upload(m)
    table = importer.read_upload(data, info["filename"])
    mapping = _mapping_from_form(table)
    with rt().read() as s:
        checked = importer.check(table, mapping, importer.MeetingNames.load(s, m.id))
    return info, table, mapping, checked


def _preview(m: Meeting, info, table, mapping, checked, **extra):
    return render_template("admin/import.html", m=m, tab="import", step="preview", token=request.form["token"],
                           filename=info["filename"], table=table, mapping=mapping, targets=importer.TARGETS,
                           checked=checked, sample=table.rows[:5], **extra)


@bp.post("/meetings/<code>/import/preview")
@login_required
def import_preview(code):
    m = meeting_or_404(code)
    try:
        info, table, mapping, checked = _check_upload(m)
    except DomainError as e:
        return render_template("admin/import.html", m=m, tab="import", step="upload", error=message_of(e)), e.status
    return _preview(m, info, table, mapping, checked), (200 if checked.ok else 422)


@bp.post("/meetings/<code>/import/confirm")
@login_required
def import_confirm(code):
    m = meeting_or_404(code)
    try:
        info, table, mapping, checked = _check_upload(m)
        if not checked.ok:
            return _preview(m, info, table, mapping, checked, error=_(
                "Tệp còn dòng lỗi nên chưa nhập dòng nào. Hãy sửa tệp rồi tải lên lại.")), 422
        tickets = importer.write_items(rt(), g.actor, m.code, checked.items, info["filename"])
    except DomainError as e:
        return render_template("admin/import.html", m=m, tab="import", step="upload", error=message_of(e)), e.status
    (_import_dir() / f"{request.form['token']}.bin").unlink(missing_ok=True)
    imports = dict(session.get("imports") or {})
    imports.pop(m.code, None)
    session["imports"] = imports
    return done(_("Đã nhập %(n)s ý kiến (phiếu số %(first)s đến %(last)s) vào hộp thư của chủ trì.",
                  n=len(tickets), first=tickets[0], last=tickets[-1]), "admin.import_page", code=m.code)


# -- follow-up --------------------------------------------------------------------------------------------------
@bp.get("/meetings/<code>/followup")
@login_required
def followup_page(code):
    return render_followup(meeting_or_404(code))


def render_followup(m: Meeting, error: str | None = None, status: int = 200):
    only_open = request.args.get("open") == "1"
    unit_id = int_or_none(request.args.get("unit"))
    us, _fs = lists(m)
    with rt().read() as s:
        everything = followup.tracker(s, m)
    rows = [t for t in everything if (not only_open or t.open) and (not unit_id or t.unit_id == unit_id)]
    by_unit: dict[str, dict] = {}
    for t in everything:
        c = by_unit.setdefault(t.unit or _("Chưa giao đơn vị"), {"total": 0, "open": 0, "overdue": 0})
        c["total"] += 1
        c["open"] += t.open
        c["overdue"] += t.overdue
    return render_template("admin/followup.html", m=m, tab="followup", rows=rows, units=us, only_open=only_open,
                           unit_id=unit_id, error=error, today=date.today(),
                           by_unit=sorted(by_unit.items(), key=lambda kv: (-kv[1]["overdue"], -kv[1]["open"]))), status


@bp.post("/meetings/<code>/followup/<int:request_id>/<action>")
@login_required
def followup_post(code, request_id, action):
    m = meeting_or_404(code)
    f = request.form
    try:
        if action == "assign":
            mode = f.get("mode", "writing")
            if mode not in ("writing", "forwarded"):
                raise DomainError("mode_invalid", "Hình thức trả lời không hợp lệ.", field="mode")
            level = f.get("level") or None
            if mode == "forwarded" and level not in ("province", "central", "outside"):
                level = "province"
            reqs.assign_answer(rt(), code, g.actor, [request_id], reqs.Answer(
                int_or_none(f.get("unit_id")), f.get("answerer", "")[:200], AnswerMode(mode),
                parse_date(f.get("deadline", ""), "deadline"), level))
            message = _("Đã cập nhật phân công.")
        elif action == "answer":
            summary = (f.get("summary") or "").strip()
            if not summary:
                raise DomainError("summary_required", "Vui lòng nhập nội dung trả lời.", field="summary")
            if len(summary) > 10000:
                raise DomainError("too_long", "Nội dung dài quá %(max_length)s ký tự.", max_length=10000)
            reqs.unit_answer(rt(), code, g.actor, request_id, summary, AnswerMode.WRITING)
            message = _("Đã ghi nhận trả lời.")
        else:
            abort(404)
    except DomainError as e:
        return render_followup(m, message_of(e), e.status)
    return done(message, "admin.followup_page", code=m.code)


@bp.get("/meetings/<code>/followup.xlsx")
@login_required
def followup_xlsx(code):
    m = meeting_or_404(code)
    with rt().read() as s:
        rows = followup.tracker(s, m)
    headers, data = followup.tracker_table(rows)
    body = build_xlsx_table(f"Theo dõi trả lời kiến nghị – {m.title}", headers, data, sheet_name="Theo dõi",
                            center_columns=(0, 6))
    return _download(body, f"theo-doi-{m.code}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _download(body, filename: str, mimetype: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


# -- results and statistics ---------------------------------------------------------------------------------------
@bp.get("/meetings/<code>/results")
@login_required
def results_admin(code):
    m = meeting_or_404(code)
    with rt().read() as s:
        stats = followup.statistics(s, m)
        satisfaction = follow.satisfaction(s, [m.id])
    charts = {sec["key"]: followup.bar_chart_svg(sec["rows"]) for sec in stats["sections"]}
    from datetime import timedelta
    due = (m.closed_at.date() if m.closed_at else m.date)
    return render_template("admin/results.html", m=m, tab="results", stats=stats, charts=charts,
                           satisfaction=satisfaction,
                           public_url=f"{base_url()}/r/{m.code}", publish_by=due + timedelta(days=10) if due else None)


@bp.post("/meetings/<code>/results")
@login_required
def results_publish(code):
    m = meeting_or_404(code)
    organiser.set_results(rt(), g.actor, m.code, request.form.get("published") == "1",
                          request.form.get("hide_names") == "1")
    return done(_("Đã cập nhật trang công khai kết quả."), "admin.results_admin", code=m.code)


@bp.get("/meetings/<code>/stats.csv")
@login_required
def stats_csv(code):
    m = meeting_or_404(code)
    with rt().read() as s:
        stats = followup.statistics(s, m)
        satisfaction = follow.satisfaction(s, [m.id])
    rows = [[sec["title"], label, value] for sec in stats["sections"] for label, value in sec["rows"]]
    rows += [[title, row["name"], f"{row['satisfied']}/{row['satisfied'] + row['unsatisfied']}"]
             for title, key in (("Hài lòng theo đơn vị", "by_unit"), ("Hài lòng theo lĩnh vực", "by_field"))
             for row in satisfaction[key]]
    body = build_csv_table(["Nhóm", "Giá trị", "Số lượng"], rows)
    return _download(body, f"thong-ke-{m.code}.csv", "text/csv; charset=utf-8")


# -- personal data ------------------------------------------------------------------------------------------------
@bp.get("/meetings/<code>/privacy")
@login_required
def privacy(code):
    return render_privacy(meeting_or_404(code))


def render_privacy(m: Meeting, error: str | None = None, status: int = 200, erased: list[int] | None = None):
    with rt().read() as s:
        log = list(s.scalars(select(AuditLog).where(
            AuditLog.action.in_(["purge_contact", "export_person", "erase_person"]),
            (AuditLog.meeting_id == m.id) | AuditLog.meeting_id.is_(None)).order_by(AuditLog.id.desc()).limit(20)))
    due = personal.purge(rt(), g.actor, dry_run=True)
    return render_template("admin/privacy.html", m=m, tab="privacy", error=error, log=log, due=due,
                           erased=erased), status


@bp.post("/meetings/<code>/privacy/<action>")
@login_required
def privacy_post(code, action):
    m = meeting_or_404(code)
    who = request.form.get("who", "")
    try:
        if action == "purge":
            n = personal.purge(rt(), g.actor)
            return done(_("Đã xóa số điện thoại và địa chỉ của %(n)s phiếu đã quá thời hạn lưu.", n=n),
                        "admin.privacy", code=m.code)
        if action == "export":
            data = personal.export_person(rt(), g.actor, m.code, who)
            return _download(json.dumps(data, ensure_ascii=False, indent=2), f"du-lieu-ca-nhan-{m.code}.json",
                             "application/json; charset=utf-8")
        if action == "erase":
            if request.form.get("confirm") != "1":
                raise DomainError("confirm_required", "Hãy đánh dấu xác nhận trước khi xóa.", field="confirm")
            tickets = personal.erase_person(rt(), g.actor, m.code, who)
            return render_privacy(m, erased=tickets)
        abort(404)
    except DomainError as e:
        return render_privacy(m, message_of(e), e.status)


# -- the public results page ------------------------------------------------------------------------------------
def _published(code: str) -> Meeting:
    with rt().read() as s:
        m = views.load_meeting(s, code)
    if m is None or not m.results_published:
        raise NotFound("results_unpublished", "Kết quả hội nghị này chưa được công bố.")
    return m


@results_bp.get("/r/<code>")
def public_results(code):
    m = _published(code)
    with rt().read() as s:
        data = followup.public_results(s, m)
    return render_template("results.html", m=m, data=data)


@results_bp.get("/r/<code>/data.json")
def public_results_json(code):
    m = _published(code)
    with rt().read() as s:
        return followup.public_results(s, m)

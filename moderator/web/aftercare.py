"""The organiser's view of what the citizens were told (/admin/meetings/<code>/notifications): every notice with its
channel, masked recipient, status, attempts and last error; a failed one can be sent again."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from ..domain.errors import DomainError
from ..services import archive, notify
from ..services.minutes import audit_export
from .admin import _admin_globals, done, login_required
from .auth import meeting_or_404, rt

bp = Blueprint("aftercare", __name__, url_prefix="/admin")


def blueprints():
    return [bp]


bp.context_processor(_admin_globals)   # the admin layout's helpers (local_time, labels)


@bp.url_value_preprocessor
def _allow_archives(endpoint, values):
    # Before the app's CSRF check parses the form: an archive is far larger than the default body limit.
    if endpoint == "aftercare.archive_upload":
        request.max_content_length = archive.MAX_ARCHIVE + 64 * 1024


@bp.get("/meetings/<code>/notifications")
@login_required
def notifications(code):
    m = meeting_or_404(code)
    with rt().read() as s:
        rows = notify.listing(s, m.id)
        counts = notify.counts(s, m.id)
    return render_template("admin/notifications.html", m=m, tab="notifications", rows=rows, counts=counts,
                           channels=notify.channels(rt().config))


@bp.post("/meetings/<code>/notifications/<int:notification_id>/retry")
@login_required
def retry(code, notification_id):
    m = meeting_or_404(code)
    if not notify.retry(rt(), m.id, notification_id):
        abort(404)
    return done(gettext("Đã xếp thông báo vào hàng đợi để gửi lại."), "aftercare.notifications", code=m.code)


# -- meeting archive -----------------------------------------------------------------------------------------------
@bp.get("/meetings/<code>/archive.zip")
@login_required
def archive_download(code):
    """The whole meeting as one file; with ?personal=1 phone, address and e-mail travel too (and that is audited)."""
    m = meeting_or_404(code)
    personal = request.args.get("personal") == "1"
    if personal:
        audit_export(rt(), m.code, g.actor, "archive")
    data, name = archive.export_meeting(rt(), m.code, personal=personal)
    resp = Response(data, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.post("/archive/import")
@login_required
def archive_upload():
    f = request.files.get("archive")
    data = f.read(archive.MAX_ARCHIVE + 1) if f else b""
    try:
        if not data:
            raise DomainError("archive_required", "Vui lòng chọn tệp lưu trữ hội nghị (.zip).")
        result = archive.import_archive(rt(), data)
    except DomainError as e:
        from .errors import _format
        flash(_format(e.message, e.details), "error")
        return redirect(url_for("admin.index"), code=303)
    messages = {"created": gettext("Đã nhập hội nghị %(code)s (%(n)s phiếu).", code=result.code, n=result.requests),
                "replaced": gettext("Đã cập nhật hội nghị %(code)s từ bản lưu trữ mới hơn (%(n)s phiếu).",
                                    code=result.code, n=result.requests),
                "unchanged": gettext("Hội nghị %(code)s đã được nhập từ bản lưu trữ này; không có gì thay đổi.",
                                     code=result.code)}
    flash(messages[result.status], "ok")
    return redirect(url_for("admin.meeting", code=result.code), code=303)


# -- across meetings: the province's overview ------------------------------------------------------------------------
@bp.get("/overview")
@login_required
def overview():
    from ..services import followup, organisations
    with rt().read() as s:
        ms = organisations.visible_meetings(s, g.admin)
        data = organisations.overview(s, ms)
        org = organisations.organisation_names(s).get(g.admin.organisation_id, "")
    charts = {k: followup.bar_chart_svg(data[k][:15]) for k in ("by_field", "by_unit", "by_level", "overdue_by_unit")}
    return render_template("admin/overview.html", m=None, data=data, charts=charts, organisation=org)

"""The organiser's view of what the citizens were told (/admin/meetings/<code>/notifications): every notice with its
channel, masked recipient, status, attempts and last error; a failed one can be sent again."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from ..services import notify
from .admin import _admin_globals, done, login_required
from .auth import meeting_or_404, rt

bp = Blueprint("aftercare", __name__, url_prefix="/admin")


def blueprints():
    return [bp]


bp.context_processor(_admin_globals)   # the admin layout's helpers (local_time, labels)


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
    from flask_babel import gettext
    return done(gettext("Đã xếp thông báo vào hàng đợi để gửi lại."), "aftercare.notifications", code=m.code)

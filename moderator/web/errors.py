"""Every error leaves as JSON with a stable code and a message in the user's language (for /api), or as a
friendly page (for screens). A 5xx is a bug: unexpected exceptions are logged and answered with a generic 500."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from ..db.engine import DatabaseBusy, is_sqlite_busy
from ..domain.errors import DomainError
from ..domain.labels import Phrase

log = logging.getLogger(__name__)

FIELD_CODES = {  # model-level rules -> the field they are about
    "full_name_required": "full_name", "phone_required": "phone", "address_required": "address",
    "position_required": "position", "phone_invalid": "phone", "order_base_required": "version",
}

MESSAGES = {
    "missing": _l("Vui lòng điền mục này."),
    "string_too_short": _l("Vui lòng điền mục này."),
    "string_too_long": _l("Nội dung dài quá %(max_length)s ký tự."),
    "too_long": _l("Danh sách dài quá %(max_length)s mục."),
    "too_short": _l("Cần ít nhất %(min_length)s mục."),
    "int_parsing": _l("Cần một số nguyên."),
    "int_type": _l("Cần một số nguyên."),
    "bool_parsing": _l("Cần giá trị đúng/sai."),
    "bool_type": _l("Cần giá trị đúng/sai."),
    "string_type": _l("Cần một đoạn chữ."),
    "list_type": _l("Cần một danh sách."),
    "date_from_datetime_parsing": _l("Ngày không đúng; nhập theo dạng năm-tháng-ngày."),
    "date_parsing": _l("Ngày không đúng; nhập theo dạng năm-tháng-ngày."),
    "date_type": _l("Ngày không đúng; nhập theo dạng năm-tháng-ngày."),
    "literal_error": _l("Giá trị không nằm trong danh sách cho phép."),
    "greater_than_equal": _l("Giá trị phải từ %(ge)s trở lên."),
    "less_than_equal": _l("Giá trị phải nhỏ hơn hoặc bằng %(le)s."),
    "extra_forbidden": _l("Mục này không được chấp nhận."),
    "phone_invalid": _l("Số điện thoại chưa đúng. Hãy nhập số di động 10 chữ số (ví dụ 0912 345 678) "
                        "hoặc số máy bàn 02x và 8 chữ số."),
    "full_name_required": _l("Vui lòng nhập họ và tên (hoặc tên tổ chức)."),
    "phone_required": _l("Vui lòng nhập số điện thoại để hội nghị liên hệ khi cần."),
    "address_required": _l("Vui lòng nhập địa chỉ liên hệ."),
    "position_required": _l("Vui lòng nhập chức vụ, đơn vị công tác."),
    "order_base_required": _l("Cần gửi kèm phiên bản hội nghị hoặc thứ tự hàng đợi bạn đang xem."),
}


def _translate_pydantic(e: dict) -> str:
    code = e.get("type", "")
    if code == "value_error":
        err = (e.get("ctx") or {}).get("error")
        code = str(err) if err is not None else code
    msg = MESSAGES.get(code)
    if msg is None:
        return gettext("Giá trị không hợp lệ.")
    ctx = {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, (int, float, str))}
    try:
        return str(msg) % ctx if "%(" in str(msg) else str(msg)
    except (KeyError, ValueError):
        return str(msg)


def _fields(exc: ValidationError) -> dict[str, str]:
    out = {}
    for e in exc.errors():
        code = e.get("type")
        if code == "value_error":
            err = (e.get("ctx") or {}).get("error")
            code = str(err) if err is not None else code
        loc = [str(p) for p in e.get("loc", ()) if not isinstance(p, int)] or [FIELD_CODES.get(code, "body")]
        # Drop the union/literal branch names pydantic appends (e.g. "to.int").
        name = loc[0] if len(loc) > 1 and loc[1] in ("int", "literal['top','up','down']") else ".".join(loc)
        out.setdefault(name, _translate_pydantic(e))
    return out


def _detail(value):
    """Phrases (and lists of them) named in a domain message are translated before they go into it."""
    if isinstance(value, Phrase):
        return value.render(gettext)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Phrase) for v in value):
        return "; ".join(v.render(gettext) for v in value)
    return value


def _format(message: str, details: dict) -> str:
    text = gettext(message) if message else ""
    try:
        return text % {k: _detail(v) for k, v in details.items()} if "%(" in text else text
    except (KeyError, ValueError, TypeError):
        return text


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, fields: dict | None = None, **extra):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        body["error"].update(extra)
        resp = jsonify(body)
        resp.status_code = status
        return resp
    return render_template("error.html", status=status, message=message), status


def register(app) -> None:
    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        fields = {e.details["field"]: _format(e.message, e.details)} if "field" in e.details else None
        # Machine-readable parts a client acts on: the version, and for a stale decision what changed and the
        # current state of the requests it was about (`current`, staff views: only staff can decide).
        extra = {k: e.details[k] for k in ("version", "changed", "request_id", "current") if k in e.details}
        resp = error_response(e.status, e.code, _format(e.message, e.details), fields, **extra)
        if "retry_after" in e.details:
            resp = app.make_response(resp)
            resp.headers["Retry-After"] = str(e.details["retry_after"])
        return resp

    @app.errorhandler(sa_exc.TimeoutError)
    def _pool_timeout(e: sa_exc.TimeoutError):
        # Every connection stayed taken for the whole wait (writers queued behind another process's lock).
        log.warning("database connection pool exhausted on %s %s", request.method, request.path)
        return _domain(DatabaseBusy())

    @app.errorhandler(sa_exc.OperationalError)
    def _operational(e: sa_exc.OperationalError):
        if is_sqlite_busy(e.orig):   # a statement met a lock it may not wait for: nothing was written
            return _domain(DatabaseBusy())
        return _unexpected(e)

    @app.errorhandler(sa_exc.DataError)
    def _data(e: sa_exc.DataError):
        # The database refused a value (a number out of its range, a byte it cannot store) and rolled back.
        log.warning("database refused a value on %s %s: %s", request.method, request.path, e.orig)
        return error_response(400, "invalid_value", gettext("Giá trị gửi lên không hợp lệ."))

    @app.errorhandler(ValidationError)
    def _validation(e: ValidationError):
        fields = _fields(e)
        return error_response(422, "invalid", gettext("Thông tin chưa hợp lệ, vui lòng xem lại các mục được đánh dấu."),
                              fields)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        messages = {
            400: gettext("Yêu cầu không hợp lệ."), 404: gettext("Không tìm thấy trang hoặc dữ liệu."),
            405: gettext("Phương thức không được hỗ trợ."),
            413: gettext("Dữ liệu gửi lên quá lớn."), 429: gettext("Bạn thao tác quá nhanh, vui lòng chờ giây lát."),
        }
        return error_response(e.code or 500, {404: "not_found", 405: "method_not_allowed", 413: "too_large",
                                              429: "rate_limited"}.get(e.code, "http_error"),
                              messages.get(e.code, e.description or ""))

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "server_error", gettext("Lỗi máy chủ; thao tác chưa được thực hiện."))

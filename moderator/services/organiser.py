"""The organiser's set-up work: meeting settings, answering units, fields, publication of results, login.

Every change goes through UnitOfWork (audit row + version bump + publish); login attempts are throttled.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, func, select

from ..db.models import Admin, AuditLog, Field, LoginAttempt, ProgrammeStep, Request, RoleKey, Unit, utcnow
from ..domain.access import Backoff, wait_text_args
from ..domain.errors import DomainError, NotFound
from ..domain.roles import require
from ..domain.spelling import comparison_key
from .uow import Actor, UnitOfWork

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SETTINGS = ["title", "organiser", "parent_body", "venue", "place_name", "date", "planned_start", "planned_end",
            "speaking_seconds", "max_open_per_device", "max_devices_per_address", "max_open_per_address",
            "jurisdiction_note", "registration_note", "doc_format",
            "doc_number", "signatories", "decline_reasons", "retention_days", "results_hide_names"]


class TooManyAttempts(DomainError):
    status = 429


@dataclass
class MeetingSettings:
    title: str
    organiser: str = ""
    parent_body: str = ""
    venue: str = ""
    place_name: str = ""
    date: date | None = None
    planned_start: str = "07:30"
    planned_end: str = "11:30"
    speaking_seconds: int = 180
    max_open_per_device: int = 3
    max_devices_per_address: int | None = None     # None: the installation's MODERATOR_DEVICES_PER_ADDRESS
    max_open_per_address: int | None = None        # None: the installation's MODERATOR_OPEN_PER_ADDRESS
    jurisdiction_note: str = ""
    doc_format: str = "party"
    doc_number: str = ""
    signatories: dict = field(default_factory=dict)
    decline_reasons: list[str] = field(default_factory=list)
    retention_days: int = 90
    results_hide_names: bool = True


def _bad(code: str, message: str, fld: str, **kw):
    raise DomainError(code, message, field=fld, **kw)


def validate_settings(st: MeetingSettings) -> MeetingSettings:
    """Check every setting; raise a DomainError naming the first field that is wrong."""
    st.title = (st.title or "").strip()
    if not st.title:
        _bad("title_required", "Vui lòng nhập tên hội nghị.", "title")
    if len(st.title) > 300:
        _bad("title_long", "Tên hội nghị dài quá 300 ký tự.", "title")
    for name, limit in (("organiser", 200), ("parent_body", 200), ("venue", 300), ("place_name", 120),
                        ("doc_number", 40)):
        value = (getattr(st, name) or "").strip()
        if len(value) > limit:
            _bad("too_long", "Nội dung dài quá %(max_length)s ký tự.", name, max_length=limit)
        setattr(st, name, value)
    st.jurisdiction_note = (st.jurisdiction_note or "").strip()[:2000]
    for name in ("planned_start", "planned_end"):
        if not TIME_RE.match(getattr(st, name) or ""):
            _bad("time_invalid", "Giờ không đúng; nhập theo dạng giờ:phút, ví dụ 07:30.", name)
    if st.planned_end <= st.planned_start:
        _bad("time_order", "Giờ kết thúc phải sau giờ bắt đầu.", "planned_end")
    if not 30 <= int(st.speaking_seconds) <= 1800:
        _bad("speaking_range", "Thời gian mỗi lượt phát biểu phải từ 30 giây đến 30 phút.", "speaking_seconds")
    if not 1 <= int(st.max_open_per_device) <= 20:
        _bad("max_open_range", "Số ý kiến đang chờ trên mỗi điện thoại phải từ 1 đến 20.", "max_open_per_device")
    for name in ("max_devices_per_address", "max_open_per_address"):
        value = getattr(st, name)
        if value is not None and not 1 <= int(value) <= 100_000:
            raise DomainError("per_address_range",
                              "Giới hạn theo địa chỉ mạng phải từ 1 đến 100000 (để trống: dùng mặc định).", field=name)
    if not 1 <= int(st.retention_days) <= 3650:
        _bad("retention_range", "Thời hạn lưu thông tin liên hệ phải từ 1 đến 3650 ngày.", "retention_days")
    if st.doc_format not in ("party", "state"):
        _bad("doc_format_invalid", "Thể thức văn bản phải là văn bản Đảng hoặc văn bản hành chính Nhà nước.",
             "doc_format")
    reasons = [r.strip() for r in st.decline_reasons if r and r.strip()]
    if len(reasons) > 20 or any(len(r) > 200 for r in reasons):
        _bad("reasons_invalid", "Tối đa 20 lý do, mỗi lý do không quá 200 ký tự.", "decline_reasons")
    st.decline_reasons = reasons
    st.signatories = _clean_signatories(st.signatories)
    return st


def _clean_person(p) -> dict | None:
    if not isinstance(p, dict):
        return None
    name, title = str(p.get("name", "")).strip()[:120], str(p.get("title", "")).strip()[:200]
    return {"name": name, "title": title} if name or title else None


def _clean_signatories(sig) -> dict:
    sig = sig if isinstance(sig, dict) else {}
    chairs = [c for c in (_clean_person(p) for p in (sig.get("chairs") or [])[:4]) if c]
    out: dict = {"chairs": chairs}
    sec = _clean_person(sig.get("secretary"))
    if sec:
        out["secretary"] = sec
    return out


def update_settings(rt, actor: Actor, code: str, st: MeetingSettings) -> None:
    require(actor.role, "meeting.setup")
    st = validate_settings(st)
    with UnitOfWork(rt, code, actor, "settings", f"meeting:{code}") as uow:
        m = uow.track_meeting()
        before = {k: _plain(getattr(m, k)) for k in SETTINGS if hasattr(st, k)}
        for k in SETTINGS:
            if hasattr(st, k):
                setattr(m, k, getattr(st, k))
        after = {k: _plain(getattr(m, k)) for k in SETTINGS if hasattr(st, k)}
        uow.audit_extra["settings"] = {"before": {k: v for k, v in before.items() if after[k] != v},
                                       "after": {k: v for k, v in after.items() if before[k] != v}}


def _plain(v):
    return v.isoformat() if isinstance(v, date) else v


def set_results(rt, actor: Actor, code: str, published: bool, hide_names: bool) -> None:
    """Publish (or withdraw) the public results page; names may be hidden."""
    require(actor.role, "results.publish")
    with UnitOfWork(rt, code, actor, "publish_results", f"meeting:{code}") as uow:
        uow.public = False
        m = uow.track_meeting()
        uow.audit_extra["results"] = {"before": {"published": m.results_published, "hide_names": m.results_hide_names},
                                      "after": {"published": published, "hide_names": hide_names}}
        m.results_published, m.results_hide_names = bool(published), bool(hide_names)


def set_programme(rt, actor: Actor, code: str, titles: list[str]) -> None:
    """Replace the programme (the steps the projector shows) before the meeting starts."""
    require(actor.role, "meeting.setup")
    titles = [" ".join(t.split()) for t in titles if t and t.strip()]
    if not titles:
        _bad("programme_empty", "Chương trình cần ít nhất một bước.", "steps")
    if len(titles) > 30 or any(len(t) > 300 for t in titles):
        _bad("programme_long", "Tối đa 30 bước, mỗi bước không quá 300 ký tự.", "steps")
    with UnitOfWork(rt, code, actor, "set_programme", f"meeting:{code}") as uow:
        m = uow.track_meeting()
        if m.current_step or m.status in ("live", "closed"):
            raise DomainError("programme_started", "Hội nghị đã bắt đầu; không sửa chương trình được nữa.",
                              field="steps")
        old = list(uow.session.scalars(select(ProgrammeStep).where(ProgrammeStep.meeting_id == m.id)))
        uow.audit_extra["programme"] = {"before": [s.title for s in sorted(old, key=lambda s: s.position)],
                                        "after": titles}
        for s in old:
            uow.session.delete(s)
        uow.session.flush()
        for i, title in enumerate(titles, 1):
            uow.session.add(ProgrammeStep(meeting_id=m.id, position=i, title=title))


# -- answering units and fields -----------------------------------------------------------------------------------
def _name(value: str, limit: int, fld: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        _bad("name_required", "Vui lòng nhập tên.", fld)
    if len(value) > limit:
        _bad("too_long", "Nội dung dài quá %(max_length)s ký tự.", fld, max_length=limit)
    return value


def _unit(uow: UnitOfWork, unit_id: int) -> Unit:
    u = uow.session.get(Unit, unit_id)
    if u is None or u.meeting_id != uow.meeting.id:
        raise NotFound("unit_unknown", "Không tìm thấy đơn vị trả lời.")
    return u


def _field(uow: UnitOfWork, field_id: int) -> Field:
    f = uow.session.get(Field, field_id)
    if f is None or f.meeting_id != uow.meeting.id:
        raise NotFound("field_unknown", "Không tìm thấy lĩnh vực.")
    return f


def _unique(uow: UnitOfWork, model, name: str, exclude: int | None, message: str, fld: str) -> None:
    rows = uow.session.scalars(select(model).where(model.meeting_id == uow.meeting.id))
    key = comparison_key(name)     # "Thuỷ lợi" and "Thủy lợi" are one field: statistics would split them
    if any(comparison_key(r.name) == key and r.id != exclude for r in rows):
        _bad("name_taken", message, fld)


def add_unit(rt, actor: Actor, code: str, name: str) -> int:
    require(actor.role, "meeting.setup")
    name = _name(name, 200, "name")
    with UnitOfWork(rt, code, actor, "add_unit", f"unit:{name}") as uow:
        uow.public = False
        uow.track_meeting()
        _unique(uow, Unit, name, None, "Đã có đơn vị trả lời với tên này.", "name")
        pos = uow.session.scalar(select(func.coalesce(func.max(Unit.position), -1))
                                 .where(Unit.meeting_id == uow.meeting.id)) + 1
        u = Unit(meeting_id=uow.meeting.id, position=pos, name=name)
        uow.session.add(u)
        uow.session.flush()
        uow.audit_extra["unit"] = {"id": u.id, "name": name}
        return u.id


def rename_unit(rt, actor: Actor, code: str, unit_id: int, name: str) -> None:
    require(actor.role, "meeting.setup")
    name = _name(name, 200, "name")
    with UnitOfWork(rt, code, actor, "rename_unit", f"unit:{unit_id}") as uow:
        uow.public = False
        uow.track_meeting()
        u = _unit(uow, unit_id)
        _unique(uow, Unit, name, u.id, "Đã có đơn vị trả lời với tên này.", "name")
        uow.audit_extra["unit"] = {"id": u.id, "before": u.name, "after": name}
        u.name = name


def remove_unit(rt, actor: Actor, code: str, unit_id: int) -> None:
    """Remove a unit that has no request assigned; its role links stop working; fields lose it as default."""
    require(actor.role, "meeting.setup")
    with UnitOfWork(rt, code, actor, "remove_unit", f"unit:{unit_id}") as uow:
        uow.public = False
        uow.track_meeting()
        u = _unit(uow, unit_id)
        n = uow.session.scalar(select(func.count()).select_from(Request).where(Request.unit_id == u.id))
        if n:
            raise DomainError("unit_in_use", "Đơn vị đang được giao %(count)s phiếu; hãy giao các phiếu đó cho "
                                             "đơn vị khác trước khi xóa.", count=n)
        for f in uow.session.scalars(select(Field).where(Field.default_unit_id == u.id)):
            f.default_unit_id = None
        uow.session.execute(delete(RoleKey).where(RoleKey.unit_id == u.id))
        uow.audit_extra["unit"] = {"id": u.id, "name": u.name}
        uow.session.delete(u)


def add_field(rt, actor: Actor, code: str, name: str, default_unit_id: int | None = None) -> int:
    require(actor.role, "meeting.setup")
    name = _name(name, 120, "name")
    with UnitOfWork(rt, code, actor, "add_field", f"field:{name}") as uow:
        uow.public = False
        uow.track_meeting()
        _unique(uow, Field, name, None, "Đã có lĩnh vực với tên này.", "name")
        if default_unit_id:
            _unit(uow, default_unit_id)
        pos = uow.session.scalar(select(func.coalesce(func.max(Field.position), -1))
                                 .where(Field.meeting_id == uow.meeting.id)) + 1
        f = Field(meeting_id=uow.meeting.id, position=pos, name=name, default_unit_id=default_unit_id or None)
        uow.session.add(f)
        uow.session.flush()
        uow.audit_extra["field"] = {"id": f.id, "name": name, "default_unit_id": f.default_unit_id}
        return f.id


def update_field(rt, actor: Actor, code: str, field_id: int, name: str, default_unit_id: int | None) -> None:
    require(actor.role, "meeting.setup")
    name = _name(name, 120, "name")
    with UnitOfWork(rt, code, actor, "update_field", f"field:{field_id}") as uow:
        uow.public = False
        uow.track_meeting()
        f = _field(uow, field_id)
        _unique(uow, Field, name, f.id, "Đã có lĩnh vực với tên này.", "name")
        if default_unit_id:
            _unit(uow, default_unit_id)
        uow.audit_extra["field"] = {"id": f.id, "before": {"name": f.name, "default_unit_id": f.default_unit_id},
                                    "after": {"name": name, "default_unit_id": default_unit_id or None}}
        f.name, f.default_unit_id = name, default_unit_id or None


def remove_field(rt, actor: Actor, code: str, field_id: int) -> None:
    require(actor.role, "meeting.setup")
    with UnitOfWork(rt, code, actor, "remove_field", f"field:{field_id}") as uow:
        uow.public = False
        uow.track_meeting()
        f = _field(uow, field_id)
        n = uow.session.scalar(select(func.count()).select_from(Request).where(Request.field_id == f.id))
        if n:
            raise DomainError("field_in_use", "Có %(count)s phiếu thuộc lĩnh vực này; không xóa được.", count=n)
        uow.audit_extra["field"] = {"id": f.id, "name": f.name}
        uow.session.delete(f)


# -- organiser login ------------------------------------------------------------------------------------------------
# Failures are counted per address and per address + account, never per account alone: a stranger's wrong
# passwords slow the stranger down and cannot lock the real organiser out from another address.
LOGIN_PER_ACCOUNT = Backoff(free=5, base=30.0, cap=15 * 60.0, window=60 * 60.0)
LOGIN_PER_ADDRESS = Backoff(free=20, base=60.0, cap=30 * 60.0, window=60 * 60.0)
LOGIN_WINDOW = timedelta(hours=1)


def login(rt, username: str, password: str, ip: str) -> int:
    """Check an organiser's password; after repeated failures from one address (for this account, or for any)
    the next try waits, doubling with each failure (429 with the wait in seconds)."""
    from werkzeug.security import check_password_hash
    username = (username or "").strip()[:80]
    ikey = f"ip:{ip or '?'}"[:120]
    akey = f"ipuser:{hashlib.sha256(f'{ip}|{username.casefold()}'.encode()).hexdigest()}"
    with rt.write_session() as s:
        now = utcnow()
        rows = s.execute(select(LoginAttempt.key, LoginAttempt.at).where(
            LoginAttempt.key.in_([ikey, akey]), LoginAttempt.at >= now - LOGIN_WINDOW)).all()
        times = {ikey: [], akey: []}
        for key, at in rows:
            times[key].append(at.timestamp())
        wait = max(LOGIN_PER_ACCOUNT.retry_after(times[akey], now.timestamp()),
                   LOGIN_PER_ADDRESS.retry_after(times[ikey], now.timestamp()))
        if wait:
            message, args = wait_text_args(wait)
            raise TooManyAttempts("login_throttled", message, retry_after=wait, **args)
        admin = s.scalars(select(Admin).where(Admin.username == username)).first() if username else None
        if admin is None or not check_password_hash(admin.password_hash, password or ""):
            s.add_all([LoginAttempt(key=ikey), LoginAttempt(key=akey)])
            s.commit()
            raise DomainError("login_failed", "Tên đăng nhập hoặc mật khẩu không đúng.")
        s.execute(delete(LoginAttempt).where(LoginAttempt.key == akey))
        s.execute(delete(LoginAttempt).where(LoginAttempt.at < now - LOGIN_WINDOW))
        s.add(AuditLog(actor=f"admin{admin.id}", role="organiser", action="login", target=f"admin:{username}"))
        s.commit()
        return admin.id

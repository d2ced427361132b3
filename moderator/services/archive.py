"""A whole meeting as one file, to carry a commune's offline meeting to the province's server.

The archive is a zip: `archive.json` (the meeting, programme, units, fields, requests, minutes with revisions,
ratings and the audit log) and the documents as they stood (minutes and conclusion notice .docx, summary .xlsx).
Phone, address, e-mail and device tokens travel only with `personal=True` (the organiser's explicit choice);
without it they are left out of the file itself, not just hidden. Names stay: the minutes are a record with them.

Import is idempotent: the meeting is known by its origin (the exporting installation and its meeting id). The
same archive imported twice changes nothing; a later archive of the same meeting (higher version) replaces the
imported copy; a different meeting with the same join code is refused. Row ids are renumbered; follow-up codes
are kept, so a citizen's ticket link works on the province's server too.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, delete, select

from ..db.models import (AuditLog, Field, Meeting, MinutesEntry, MinutesRevision, Organisation, ProgrammeStep,
                         Rating, Request, Unit, utcnow)
from ..domain.errors import Conflict, DomainError, NotFound

FORMAT = "moderator-meeting-archive"
FORMAT_VERSION = 1
PERSONAL = ("phone", "address", "email", "device_hash", "idempotency_key")
MAX_ARCHIVE = 200 * 1024 * 1024


@dataclass
class ImportResult:
    code: str
    status: str            # created | replaced | unchanged
    requests: int


def instance_id(cfg) -> str:
    """A stable, non-secret name for this installation (derived from its secret key, which it does not reveal)."""
    return hashlib.sha256(f"moderator-instance:{cfg.SECRET_KEY}".encode()).hexdigest()[:16]


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _row(obj, skip=()) -> dict:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def _typed(model, data: dict) -> dict:
    """Archive values back to column types (dates and times from ISO text); unknown keys are ignored."""
    out = {}
    for c in model.__table__.columns:
        if c.key not in data:
            continue
        v = data[c.key]
        if v is not None and isinstance(c.type, DateTime):
            v = datetime.fromisoformat(v)
        elif v is not None and isinstance(c.type, Date):
            v = date.fromisoformat(v)
        out[c.key] = v
    return out


# -- export --------------------------------------------------------------------------------------------------------
def export_meeting(rt, code: str, personal: bool = False) -> tuple[bytes, str]:
    from . import minutes as minutes_service
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == (code or "").strip().upper())).first()
        if m is None:
            raise NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.")
        mid = m.id
        skip = () if personal else PERSONAL
        entries = list(s.scalars(select(MinutesEntry).where(MinutesEntry.meeting_id == mid)))
        entry_ids = [e.id for e in entries]
        doc = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "exported_at": utcnow().isoformat(),
            "origin": m.archive_origin or f"{instance_id(rt.config)}:{mid}", "personal": personal,
            "meeting": _row(m, skip=("archive_origin", "archive_version", "organisation_id")),
            # Ids differ between servers; the organisation travels by name (linked on import if it exists there).
            "organisation": s.get(Organisation, m.organisation_id).name if m.organisation_id else None,
            "steps": [_row(x) for x in s.scalars(select(ProgrammeStep).where(ProgrammeStep.meeting_id == mid))],
            "units": [_row(x) for x in s.scalars(select(Unit).where(Unit.meeting_id == mid))],
            "fields": [_row(x) for x in s.scalars(select(Field).where(Field.meeting_id == mid))],
            "requests": [_row(x, skip=skip) for x in s.scalars(select(Request).where(Request.meeting_id == mid)
                                                                .order_by(Request.id))],
            "minutes": [_row(x) for x in entries],
            "minutes_revisions": [_row(x) for x in s.scalars(select(MinutesRevision).where(
                MinutesRevision.entry_id.in_(entry_ids)))] if entry_ids else [],
            "ratings": [_row(x) for x in s.scalars(select(Rating).where(Rating.meeting_id == mid))],
            "audit": [_row(x) for x in s.scalars(select(AuditLog).where(AuditLog.meeting_id == mid)
                                                 .order_by(AuditLog.id))],
        }
        code = m.code
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive.json", json.dumps(doc, ensure_ascii=False, indent=1))
        for build in (minutes_service.export_minutes, minutes_service.export_conclusion):
            data, name = build(rt, code)
            z.writestr(f"documents/{name}", data)
        data, name = minutes_service.export_summary(rt, code, with_phone=personal)
        z.writestr(f"documents/{name}", data)
    suffix = "-du-lieu-ca-nhan" if personal else ""
    return buf.getvalue(), f"luu-tru-{code}{suffix}.zip"


# -- import --------------------------------------------------------------------------------------------------------
def read_archive(data: bytes) -> dict:
    bad = DomainError("archive_invalid", "Tệp không phải bản lưu trữ hội nghị của Moderator.")
    if len(data) > MAX_ARCHIVE:
        raise DomainError("archive_too_large", "Tệp lưu trữ quá lớn.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            doc = json.loads(z.read("archive.json").decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise bad from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad
    if doc.get("format_version") != FORMAT_VERSION:
        raise DomainError("archive_version", "Phiên bản tệp lưu trữ chưa được hỗ trợ: %(v)s.", v=doc.get("format_version"))
    for key in ("meeting", "units", "fields", "requests", "steps", "minutes", "minutes_revisions", "ratings", "audit"):
        if key not in doc:
            raise bad
    return doc


def import_archive(rt, data: bytes) -> ImportResult:
    doc = read_archive(data)
    src = doc["meeting"]
    origin, version = str(doc["origin"])[:80], int(src["version"])
    with rt.write_session() as s:
        existing = s.scalars(select(Meeting).where(Meeting.code == src["code"])).first()
        if existing is not None:
            if existing.archive_origin != origin:
                raise Conflict("archive_code_taken", "Mã hội nghị %(meeting)s đã được dùng cho một hội nghị khác trên "
                                                     "máy chủ này.", meeting=src["code"])
            if existing.archive_version is not None and existing.archive_version >= version:
                return ImportResult(existing.code, "unchanged",
                                    len(list(s.scalars(select(Request.id).where(Request.meeting_id == existing.id)))))
            s.execute(delete(Meeting).where(Meeting.id == existing.id))   # cascades to everything of it
            s.flush()
            status = "replaced"
        else:
            status = "created"
        codes = [r.get("follow_code") for r in doc["requests"] if r.get("follow_code")]
        if codes and s.scalars(select(Request.id).where(Request.follow_code.in_(codes))).first() is not None:
            raise Conflict("archive_codes_taken", "Một số mã tra cứu trong tệp đã có trên máy chủ này.")

        m = Meeting(**{k: v for k, v in _typed(Meeting, src).items()
                       if k not in ("id", "organisation_id", "setup_stamp")})   # a fresh stamp: its own setup
        m.archive_origin, m.archive_version = origin, version
        if doc.get("organisation"):
            org = s.scalars(select(Organisation).where(Organisation.name == doc["organisation"])).first()
            m.organisation_id = org.id if org else None
        s.add(m)
        s.flush()
        ids: dict[str, dict] = {"unit": {}, "field": {}, "request": {}, "entry": {}}

        def add(model, rows, kind=None, fix=None):
            for row in rows:
                values = _typed(model, row)
                old = values.pop("id", None)
                values["meeting_id"] = m.id
                if fix:
                    fix(values)
                obj = model(**values)
                s.add(obj)
                s.flush()
                if kind:
                    ids[kind][old] = obj.id

        remap = lambda kind, v: ids[kind].get(v) if v is not None else None  # noqa: E731
        for row in doc["steps"]:
            values = _typed(ProgrammeStep, row)
            values.pop("id", None)
            s.add(ProgrammeStep(**{**values, "meeting_id": m.id}))
        add(Unit, doc["units"], "unit")
        add(Field, doc["fields"], "field",
            lambda v: v.update(default_unit_id=remap("unit", v.get("default_unit_id"))))
        merged: dict[int, int | None] = {}
        for row in doc["requests"]:
            values = _typed(Request, row)
            old = values.pop("id")
            target = values.pop("merged_into_id", None)
            values.update(meeting_id=m.id, unit_id=remap("unit", values.get("unit_id")),
                          field_id=remap("field", values.get("field_id")))
            req = Request(**values)
            s.add(req)
            s.flush()
            ids["request"][old] = req.id
            merged[req.id] = target
        for new_id, target in merged.items():
            if target is not None:
                s.get(Request, new_id).merged_into_id = remap("request", target)
        if src.get("floor_request_id") is not None:
            m.floor_request_id = remap("request", src["floor_request_id"])
        add(MinutesEntry, doc["minutes"], "entry",
            lambda v: v.update(request_id=remap("request", v.get("request_id"))))
        for row in doc["minutes_revisions"]:
            values = _typed(MinutesRevision, row)
            values.pop("id", None)
            values["entry_id"] = remap("entry", values.get("entry_id"))
            if values["entry_id"] is not None:
                s.add(MinutesRevision(**values))
        add(Rating, doc["ratings"], None, lambda v: v.update(request_id=remap("request", v.get("request_id"))))
        add(AuditLog, doc["audit"])
        s.add(AuditLog(meeting_id=m.id, version=m.version, actor="system", role="organiser",
                       action="import_archive", target=origin,
                       after={"status": status, "personal": bool(doc.get("personal")),
                              "requests": len(doc["requests"])}))
        s.commit()
        return ImportResult(m.code, status, len(doc["requests"]))

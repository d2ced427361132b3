"""The secretary's minutes (biên bản): the live view, edits with optimistic revisions, the meeting details the
minutes need (attendance, signatories), and the conversion of the database into the documents people sign.

Reading:   minutes_view(session, meeting)            -> dict for the secretary's screen (no phone, no address)
Writing:   save_entry / set_attendance / set_header   -> through UnitOfWork (staff stream only: uow.public = False)
Documents: doc_meeting / doc_interventions / notice_items / summary_rows -> plain data for moderator.documents
           export_minutes / export_conclusion / export_summary -> bytes

An entry is one intervention: a request the chair called to the floor, in order of call. It starts pre-filled
from the request (the content is the starting summary, the unit's answer the starting answer summary); the
secretary's text, once saved, lives in MinutesEntry with a revision number. A save names the revision it was
typed on; if someone else saved the same text field since, the save is refused with both texts (Conflict).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from .. import localtime
from ..db.models import (Meeting, MinutesEntry, MinutesRevision, ProgrammeStep, Request, RoleKey, utcnow)
from .. import documents   # its builders (python-docx, openpyxl) are imported when a document is first built
from ..documents import AttendanceLine, DocIntervention, DocMeeting, Person, StepLine, SummaryRow, redact_phones
from ..documents.text import body_name, clean_text
from ..domain.labels import MODE_LABELS, SOURCE_LABELS
from ..domain.outcomes import LEVEL_IN_TEXT, Outcome, mode_label
from ..domain.enums import Status
from ..domain.errors import Conflict, DomainError, NotFound
from ..domain.roles import require
from ..domain.states import STATUS_LABELS_VI
from .followup import outcome
from .follow import rating_label, ratings_by_request
from .uow import Actor, UnitOfWork
from .views import Names, display_locality, display_name, load_meeting, now_ms

TEXT_FIELDS = ("summary", "answer_summary")
MAX_TEXT = 20000

# Requests that reached the floor but are not part of the record.
NOT_IN_MINUTES = {Status.WITHDRAWN.value, Status.COMPLAINT.value, Status.MERGED.value}

# Forwarded "to …": the level as it reads inside a sentence of the minutes.
LEVEL_LABELS = LEVEL_IN_TEXT
LEADERS_LABEL = "Đại biểu lãnh đạo"
ROLE_NAMES = {"secretary": "Thư ký", "chair": "Chủ trì", "organiser": "Ban tổ chức"}


class MinutesConflict(Conflict):
    """Someone else saved this entry since the text was typed: both texts travel with the error."""


# -- time --------------------------------------------------------------------------------------------------------
def utc_offset(rt=None) -> timedelta:
    return localtime.OFFSET


def local(dt: datetime | None, offset: timedelta = localtime.OFFSET) -> datetime | None:
    return dt + offset if dt is not None else None


def hhmm(dt: datetime | None, offset: timedelta = localtime.OFFSET) -> str:
    return local(dt, offset).strftime("%H:%M") if dt is not None else ""


def _iso(dt) -> str | None:
    return dt.isoformat() if dt is not None else None


def who(session, label: str) -> str:
    """A person-readable author for an actor label ("secretary:key3" -> "Thư ký – Thư ký 2")."""
    if not label:
        return ""
    role, _, name = label.partition(":")
    role_name = ROLE_NAMES.get(role, role)
    if name.startswith("key") and name[3:].isdigit():
        key = session.get(RoleKey, int(name[3:]))
        if key is not None and key.label and key.label != role:
            return f"{role_name} – {key.label}"
    return role_name


# -- reading -----------------------------------------------------------------------------------------------------
def intervention_requests(session, meeting_id: int) -> list[Request]:
    """Every request the chair called to the floor, in order of call."""
    rows = session.scalars(select(Request).where(Request.meeting_id == meeting_id,
                                                 Request.called_at.is_not(None))
                           .order_by(Request.called_at, Request.ticket))
    return [r for r in rows if r.status not in NOT_IN_MINUTES]


def _entries(session, meeting_id: int) -> dict[int, MinutesEntry]:
    return {e.request_id: e for e in session.scalars(
        select(MinutesEntry).where(MinutesEntry.meeting_id == meeting_id, MinutesEntry.request_id.is_not(None)))}


def _co_signers(session, meeting_id: int) -> dict[int, list[Request]]:
    out: dict[int, list[Request]] = {}
    for r in session.scalars(select(Request).where(Request.meeting_id == meeting_id,
                                                   Request.merged_into_id.is_not(None))
                             .order_by(Request.ticket)):
        out.setdefault(r.merged_into_id, []).append(r)
    return out


def co_signer_label(r: Request) -> str:
    where = display_locality(r)
    return f"{display_name(r)} ({where})" if where else display_name(r)


def effective_texts(req: Request, entry: MinutesEntry | None) -> dict[str, str]:
    """What the minutes say: the secretary's text if written, else the request's content and answer."""
    return {"summary": (entry.summary if entry is not None and entry.summary else req.content) or "",
            "answer_summary": (entry.answer_summary if entry is not None and entry.answer_summary
                               else req.answer_summary) or ""}


def _duration(r: Request) -> int | None:
    if r.speaking_seconds is not None:
        return r.speaking_seconds
    if r.speaking_started_at and r.speaking_ended_at:
        return int((r.speaking_ended_at - r.speaking_started_at).total_seconds())
    return None


def entry_dict(r: Request, entry: MinutesEntry | None, order: int, names: Names, co: list[Request],
               offset: timedelta, floor_id: int | None = None, session=None) -> dict:
    """One intervention for the secretary's screen. Never the phone or the address."""
    texts = effective_texts(r, entry)
    return {
        "request_id": r.id, "order": order, "ticket": r.ticket, "speaker": display_name(r),
        "locality": display_locality(r), "field": names.fields.get(r.field_id, ""), "source": r.source,
        "source_label": SOURCE_LABELS.get(r.source, r.source), "status": r.status,
        "status_label": STATUS_LABELS_VI.get(Status(r.status), r.status), "on_floor": r.id == floor_id,
        "content": r.content,
        "called_at": _iso(r.called_at), "started_at": _iso(r.speaking_started_at),
        "ended_at": _iso(r.speaking_ended_at),
        "called_time": hhmm(r.called_at, offset), "start_time": hhmm(r.speaking_started_at, offset),
        "end_time": hhmm(r.speaking_ended_at, offset), "duration_seconds": _duration(r),
        "co_signers": [co_signer_label(c) for c in co],
        "answer": {"unit": names.units.get(r.unit_id, ""), "answerer": r.answerer, "mode": r.answer_mode,
                   "mode_label": MODE_LABELS.get(r.answer_mode or "", ""), "level": r.answer_level,
                   "level_label": LEVEL_LABELS.get(r.answer_level or "", r.answer_level or ""),
                   "deadline": _iso(r.answer_deadline), "unit_summary": r.answer_summary},
        "summary": texts["summary"], "answer_summary": texts["answer_summary"],
        "edited": entry is not None and entry.revision > 0,
        "revision": entry.revision if entry is not None else 0,
        "updated_by": (who(session, entry.updated_by) if session is not None else entry.updated_by)
        if entry is not None else "",
        "updated_at": _iso(entry.updated_at) if entry is not None else None,
    }


def _attendance(m: Meeting) -> dict:
    a = m.attendance or {}
    return {"leaders": [{"name": str(p.get("name", "")), "title": str(p.get("title", ""))}
                        for p in a.get("leaders", []) if isinstance(p, dict)],
            "groups": [{"label": str(g.get("label", "")), "count": g.get("count")}
                       for g in a.get("groups", []) if isinstance(g, dict)]}


def _signatories(m: Meeting) -> dict:
    s = m.signatories or {}
    sec = s.get("secretary") if isinstance(s.get("secretary"), dict) else {}
    return {"chairs": [{"name": str(p.get("name", "")), "title": str(p.get("title", ""))}
                       for p in s.get("chairs", []) if isinstance(p, dict)],
            "secretary": {"name": str(sec.get("name", "")), "title": str(sec.get("title", ""))}}


def _steps(session, m: Meeting) -> list[ProgrammeStep]:
    return list(session.scalars(select(ProgrammeStep).where(ProgrammeStep.meeting_id == m.id)
                                .order_by(ProgrammeStep.position)))


def minutes_view(session, m: Meeting, offset: timedelta | None = None) -> dict:
    """The minutes as they stand: opening, programme, attendance, every intervention, conclusion, closing."""
    offset = offset if offset is not None else localtime.OFFSET
    names = Names.load(session, m.id)
    entries = _entries(session, m.id)
    co = _co_signers(session, m.id)
    reqs = intervention_requests(session, m.id)
    steps = _steps(session, m)
    return {
        "v": m.version, "server_now": now_ms(),
        "meeting": {"code": m.code, "title": m.title, "status": m.status, "venue": m.venue,
                    "date": _iso(m.date), "doc_format": m.doc_format, "doc_number": m.doc_number,
                    "opened_at": _iso(m.opened_at), "opened_time": hhmm(m.opened_at, offset),
                    "closed_at": _iso(m.closed_at), "closed_time": hhmm(m.closed_at, offset),
                    "current_step": m.current_step, "conclusion": m.conclusion,
                    "floor_request_id": m.floor_request_id},
        "steps": [{"position": s.position, "title": s.title, "started_at": _iso(s.started_at),
                   "time": hhmm(s.started_at, offset)} for s in steps],
        "attendance": _attendance(m),
        "signatories": _signatories(m),
        "fields": [{"id": fid, "name": name} for fid, name in names.fields.items()],
        "units": [{"id": uid, "name": name} for uid, name in names.units.items()],
        "entries": [entry_dict(r, entries.get(r.id), k, names, co.get(r.id, []), offset, m.floor_request_id,
                               session) for k, r in enumerate(reqs, 1)],
    }


def minutes_snapshot(rt, code: str) -> dict:
    with rt.read() as s:
        m = load_meeting(s, code)
        if m is None:
            raise NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.")
        return minutes_view(s, m, utc_offset(rt))


def revisions(rt, code: str, request_id: int) -> dict:
    """Every saved revision of one entry, newest first."""
    with rt.read() as s:
        m = load_meeting(s, code)
        if m is None:
            raise NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.")
        req = s.get(Request, request_id)
        if req is None or req.meeting_id != m.id:
            raise NotFound("request_not_found", "Không tìm thấy phiếu ý kiến.", request_id=request_id)
        entry = s.scalars(select(MinutesEntry).where(MinutesEntry.meeting_id == m.id,
                                                     MinutesEntry.request_id == request_id)).first()
        rows = [] if entry is None else list(s.scalars(
            select(MinutesRevision).where(MinutesRevision.entry_id == entry.id)
            .order_by(MinutesRevision.revision.desc())))
        offset = utc_offset(rt)
        return {"request_id": request_id, "ticket": req.ticket, "revision": entry.revision if entry else 0,
                "original": {"summary": req.content, "answer_summary": req.answer_summary},
                "revisions": [{"revision": r.revision, "summary": r.summary, "answer_summary": r.answer_summary,
                               "author": who(s, r.author), "at": _iso(r.at), "time": hhmm(r.at, offset)}
                              for r in rows]}


# -- writing -----------------------------------------------------------------------------------------------------
def _check_text(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError("text_invalid", "Cần một đoạn chữ.", field=name)
    if len(value) > MAX_TEXT:
        raise DomainError("text_too_long", "Nội dung dài quá %(max)s ký tự.", field=name, max=MAX_TEXT)
    return value.replace("\r\n", "\n").strip()


def save_entry(rt, code: str, actor: Actor, request_id: int, expected_revision: int,
               summary: str | None = None, answer_summary: str | None = None) -> dict:
    """Save the secretary's text for one intervention.

    `expected_revision` is the revision the text was typed on (0 for an entry never saved). The save is refused
    (MinutesConflict, with both texts) only if a field it changes was saved by someone else since; a save of
    another field of the same entry goes through. Saving the very text already there is not a conflict.
    """
    require(actor.role, "minutes.edit")
    sent = {"summary": _check_text("summary", summary),
            "answer_summary": _check_text("answer_summary", answer_summary)}
    sent = {k: v for k, v in sent.items() if v is not None}
    if not sent:
        raise DomainError("nothing_to_save", "Không có nội dung để lưu.")
    if expected_revision < 0:
        raise DomainError("revision_invalid", "Số phiên bản không hợp lệ.", field="expected_revision")
    with UnitOfWork(rt, code, actor, "minutes_edit", f"request:{request_id}") as uow:
        uow.public = False
        req = uow.request(request_id, lock=False)
        entry = uow.session.scalars(select(MinutesEntry).where(
            MinutesEntry.meeting_id == uow.meeting.id, MinutesEntry.request_id == request_id)).first()
        current = entry.revision if entry is not None else 0
        now_texts = effective_texts(req, entry)
        if expected_revision != current:
            base = _texts_at(uow.session, entry, expected_revision)
            stored = {k: (getattr(entry, k) if entry is not None else "") for k in TEXT_FIELDS}
            clash = [k for k, v in sent.items()
                     if v != now_texts[k] and (base is None or stored[k] != base[k])]
            if clash:
                theirs = {"revision": current, **now_texts,
                          "updated_by": who(uow.session, entry.updated_by) if entry is not None else "",
                          "updated_at": _iso(entry.updated_at) if entry is not None else None}
                raise MinutesConflict(
                    "minutes_conflict",
                    "Người khác vừa sửa mục này. Hãy xem hai bản và chọn bản giữ lại.",
                    theirs=theirs, yours=dict(sent), fields=clash, request_id=request_id, ticket=req.ticket)
        if entry is None:
            entry = MinutesEntry(meeting_id=uow.meeting.id, request_id=request_id, summary="", answer_summary="",
                                 revision=0)
            uow.session.add(entry)
        changed = {k: v for k, v in sent.items() if v != getattr(entry, k)}
        for k, v in changed.items():
            setattr(entry, k, v)
        if changed or entry.id is None:
            entry.revision = (entry.revision or 0) + 1
            entry.updated_by = actor.label
            entry.updated_at = utcnow()
            uow.session.flush()
            uow.session.add(MinutesRevision(entry_id=entry.id, revision=entry.revision, summary=entry.summary,
                                            answer_summary=entry.answer_summary, author=actor.label,
                                            at=entry.updated_at))
        texts = effective_texts(req, entry)
        result = {"request_id": request_id, "ticket": req.ticket, "revision": entry.revision,
                  "summary": texts["summary"], "answer_summary": texts["answer_summary"],
                  "updated_by": who(uow.session, entry.updated_by), "updated_at": _iso(entry.updated_at),
                  "edited": entry.revision > 0}
        uow.extra = {"minutes": result}
        uow.audit_extra["minutes"] = {"request_id": request_id, "revision": entry.revision,
                                      "fields": sorted(changed)}
    return result


def _texts_at(session, entry: MinutesEntry | None, revision: int) -> dict[str, str] | None:
    """The stored texts of an entry at a past revision (revision 0: nothing saved yet); None if unknown."""
    if revision == 0:
        return {"summary": "", "answer_summary": ""}
    if entry is None or revision > entry.revision:
        return None
    row = session.scalars(select(MinutesRevision).where(MinutesRevision.entry_id == entry.id,
                                                        MinutesRevision.revision == revision)).first()
    return None if row is None else {"summary": row.summary, "answer_summary": row.answer_summary}


@dataclass
class AttendanceData:
    leaders: list[dict]          # [{"name", "title"}]
    groups: list[dict]           # [{"label", "count"}]


def set_attendance(rt, code: str, actor: Actor, data: AttendanceData) -> dict:
    """Who attended: leaders by name and title, the rest as counts by group (seed 003 §3)."""
    require(actor.role, "minutes.edit")
    leaders = [{"name": p["name"].strip(), "title": (p.get("title") or "").strip()}
               for p in data.leaders if (p.get("name") or "").strip()]
    groups = []
    for g in data.groups:
        label = (g.get("label") or "").strip()
        count = g.get("count")
        if not label:
            continue
        if count is not None and (not isinstance(count, int) or count < 0 or count > 100000):
            raise DomainError("count_invalid", "Số người phải là số nguyên không âm.", field="groups")
        groups.append({"label": label, "count": count})
    with UnitOfWork(rt, code, actor, "minutes_attendance", "meeting") as uow:
        uow.public = False
        before = uow.meeting.attendance or {}
        uow.meeting.attendance = {**before, "leaders": leaders, "groups": groups}
        uow.audit_extra["attendance"] = uow.meeting.attendance
        uow.extra = {"minutes_meta": {"attendance": {"leaders": leaders, "groups": groups}}}
    return {"leaders": leaders, "groups": groups}


def set_header(rt, code: str, actor: Actor, doc_number: str | None = None, doc_format: str | None = None,
               chairs: list[dict] | None = None, secretary: dict | None = None) -> dict:
    """The minutes' number and format, and who signs (chair or co-chairs, secretary)."""
    require(actor.role, "minutes.edit")
    if doc_format is not None and doc_format not in ("party", "state"):
        raise DomainError("format_invalid", "Thể thức văn bản phải là Đảng hoặc Nhà nước.", field="doc_format")
    with UnitOfWork(rt, code, actor, "minutes_header", "meeting") as uow:
        uow.public = False
        m = uow.meeting
        if doc_number is not None:
            m.doc_number = doc_number.strip()
        if doc_format is not None:
            m.doc_format = doc_format
        sig = dict(m.signatories or {})
        if chairs is not None:
            sig["chairs"] = [{"name": p["name"].strip(), "title": (p.get("title") or "").strip()}
                             for p in chairs if (p.get("name") or "").strip()]
        if secretary is not None:
            sig["secretary"] = {"name": (secretary.get("name") or "").strip(),
                                "title": (secretary.get("title") or "").strip()}
        m.signatories = sig
        out = {"doc_number": m.doc_number, "doc_format": m.doc_format, "signatories": _signatories(m)}
        uow.audit_extra["header"] = out
        uow.extra = {"minutes_meta": out}
    return out


def audit_export(rt, code: str, actor: Actor, what: str) -> None:
    """An export with phone numbers leaves a trace: who, when, which document."""
    require(actor.role, "export.with_phone")
    with UnitOfWork(rt, code, actor, "export_with_phone", what) as uow:
        uow.public = False
        uow.audit_extra["export"] = {"document": what, "with_phone": True}


# -- documents ---------------------------------------------------------------------------------------------------
def _person(p: dict) -> Person:
    return Person(p.get("name", ""), p.get("title", ""))


def doc_meeting(session, m: Meeting, offset: timedelta, recipients: list[str] | None = None) -> DocMeeting:
    att = _attendance(m)
    sig = _signatories(m)
    lines = []
    if att["leaders"]:
        lines.append(AttendanceLine(LEADERS_LABEL, None, [_person(p) for p in att["leaders"]]))
    for g in att["groups"]:
        lines.append(AttendanceLine(g["label"], g["count"] if isinstance(g["count"], int) else None))
    return DocMeeting(
        title=m.title, level=m.level, organiser=m.organiser, parent_body=m.parent_body or None, venue=m.venue,
        place_name=m.place_name, date=m.date or (local(m.opened_at, offset).date() if m.opened_at else None),
        opened_at=local(m.opened_at, offset), closed_at=local(m.closed_at, offset), doc_format=m.doc_format,
        number=m.doc_number, chairs=[_person(p) for p in sig["chairs"]],
        secretary=_person(sig["secretary"]) if sig["secretary"]["name"] else None, attendance=lines,
        steps=[StepLine(s.title, local(s.started_at, offset)) for s in _steps(session, m)],
        conclusion=m.conclusion, recipients=recipients or [])


def _doc_item(r: Request, order: int, names: Names, entry: MinutesEntry | None, co: list[Request],
              offset: timedelta, rating=None) -> DocIntervention:
    texts = effective_texts(r, entry)
    return DocIntervention(
        order=order, ticket=r.ticket, speaker=display_name(r), locality=display_locality(r),
        field=names.fields.get(r.field_id, ""), summary=texts["summary"],
        started_at=local(r.speaking_started_at or r.called_at, offset),
        ended_at=local(r.speaking_ended_at, offset), duration_seconds=_duration(r),
        co_signers=[co_signer_label(c) for c in co],
        answer_unit=names.units.get(r.unit_id) or None, answerer=r.answerer or None,
        answer_mode=r.answer_mode, answer_level=LEVEL_LABELS.get(r.answer_level or "", r.answer_level),
        answer_deadline=r.answer_deadline, answer_summary=texts["answer_summary"] or None,
        status=STATUS_LABELS_VI.get(Status(r.status), r.status), satisfaction=rating_label(rating))


def doc_interventions(session, m: Meeting, offset: timedelta) -> list[DocIntervention]:
    """The minutes' interventions: every request heard, in order of call."""
    names = Names.load(session, m.id)
    entries = _entries(session, m.id)
    co = _co_signers(session, m.id)
    ratings = ratings_by_request(session, m.id)
    return [_doc_item(r, k, names, entries.get(r.id), co.get(r.id, []), offset, ratings.get(r.id))
            for k, r in enumerate(intervention_requests(session, m.id), 1)]


def notice_items(session, m: Meeting, offset: timedelta) -> list[DocIntervention]:
    """Every request with an outcome, for the conclusion notice: those heard in order of call, then the others
    (decided from the inbox, deferred at the close, pre-collected) by ticket. A complaint carries only its
    ticket, field, unit and deadline: no name, place or content reaches the document."""
    names = Names.load(session, m.id)
    entries = _entries(session, m.id)
    co = _co_signers(session, m.id)
    reqs = list(session.scalars(select(Request).where(Request.meeting_id == m.id).order_by(Request.ticket)))
    reqs.sort(key=lambda r: (r.called_at is None, r.called_at or datetime.min, r.ticket))
    out = []
    for r in reqs:
        kind = outcome(r)
        if kind is None:
            continue
        if kind == Outcome.COMPLAINT:
            item = DocIntervention(order=len(out) + 1, ticket=r.ticket, speaker="",
                                   field=names.fields.get(r.field_id, ""),
                                   answer_unit=names.units.get(r.unit_id) or None,
                                   answer_deadline=r.answer_deadline,
                                   status=STATUS_LABELS_VI[Status.COMPLAINT])
        else:
            item = _doc_item(r, len(out) + 1, names, entries.get(r.id), co.get(r.id, []), offset)
        item.outcome, item.spoke = kind.value, r.called_at is not None
        out.append(item)
    return out


def summary_rows(session, m: Meeting, with_phone: bool = False) -> list[SummaryRow]:
    """Every request of the meeting, by ticket, for follow-up. The answer mode is the request's outcome, as the
    conclusion notice and the follow-up tracker show it."""
    names = Names.load(session, m.id)
    ratings = ratings_by_request(session, m.id)
    rows = []
    reqs = session.scalars(select(Request).where(Request.meeting_id == m.id).order_by(Request.ticket))
    for k, r in enumerate(reqs, 1):
        rows.append(SummaryRow(
            no=k, requester=display_name(r), locality=display_locality(r),
            field=names.fields.get(r.field_id, ""), content=r.content, unit=names.units.get(r.unit_id, ""),
            mode=mode_label(outcome(r), r.answer_level), deadline=r.answer_deadline,
            status=STATUS_LABELS_VI.get(Status(r.status), r.status),
            phone=(r.phone or "") if with_phone else None, source=SOURCE_LABELS.get(r.source, r.source),
            ticket=r.ticket, satisfaction=rating_label(ratings.get(r.id))))
    return rows


def _recipients(items: list[DocIntervention], m: Meeting) -> list[str]:
    """The parent body (to report to), then every unit given a task (to act on it)."""
    out = []
    if m.parent_body:
        # The committee of a provincial or city Party organisation is its Tỉnh ủy / Thành ủy (seed 004).
        party = re.match(r"^đảng bộ (tỉnh|thành phố)\b", clean_text(m.parent_body, multiline=False).lower())
        if party:
            out.append(f"Thường trực {'Tỉnh ủy' if party.group(1) == 'tỉnh' else 'Thành ủy'} (để báo cáo)")
        else:
            out.append(f"{body_name(m.parent_body)} (để báo cáo)")
    units = []
    for i in items:
        if i.outcome in (Outcome.WRITING, Outcome.FORWARDED, Outcome.COMPLAINT) and i.answer_unit \
                and i.answer_unit not in units:
            units.append(i.answer_unit)
    out.extend(f"{u} (để thực hiện)" for u in units)
    return out


def _load(rt, code: str):
    s = rt.read()
    m = load_meeting(s, code)
    if m is None:
        s.close()
        raise NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.")
    return s, m


def export_minutes(rt, code: str) -> tuple[bytes, str]:
    s, m = _load(rt, code)
    try:
        offset = utc_offset(rt)
        data = documents.build_minutes_docx(doc_meeting(s, m, offset), doc_interventions(s, m, offset))
        return data, f"bien-ban-{m.code}.docx"
    finally:
        s.close()


def export_conclusion(rt, code: str) -> tuple[bytes, str]:
    s, m = _load(rt, code)
    try:
        offset = utc_offset(rt)
        items = notice_items(s, m, offset)
        data = documents.build_conclusion_docx(doc_meeting(s, m, offset, _recipients(items, m)), items)
        return data, f"thong-bao-ket-luan-{m.code}.docx"
    finally:
        s.close()


def export_summary(rt, code: str, with_phone: bool = False) -> tuple[bytes, str]:
    s, m = _load(rt, code)
    try:
        data = documents.build_summary_xlsx(m.title, summary_rows(s, m, with_phone), include_phone=with_phone)
        suffix = "-co-sdt" if with_phone else ""
        return data, f"tong-hop-kien-nghi-{m.code}{suffix}.xlsx"
    finally:
        s.close()


def print_view(rt, code: str) -> tuple[Meeting, dict]:
    """The minutes for the print page: the same view, plus the meeting row. As in the .docx, a phone number
    typed into any free text is masked."""
    s, m = _load(rt, code)
    try:
        view = minutes_view(s, m, utc_offset(rt))
    finally:
        s.close()
    for e in view["entries"]:
        for k in ("summary", "answer_summary", "content"):
            e[k] = redact_phones(e[k] or "")
        e["co_signers"] = [redact_phones(c) for c in e["co_signers"]]
    view["meeting"]["conclusion"] = redact_phones(view["meeting"]["conclusion"] or "")
    return m, view

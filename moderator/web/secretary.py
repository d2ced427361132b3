"""The secretary: live minutes (JSON API), the documents to sign (.docx, .xlsx) and a print view.

API operations join the shared /api/v1 blueprint (and the OpenAPI document) through @operation; the print
page lives on this module's own blueprint `bp`.
"""
from __future__ import annotations

import io
from typing import Literal

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from typing_extensions import Annotated

from ..documents import DOCX_MIMETYPE, XLSX_MIMETYPE
from ..domain.enums import Role
from ..domain.roles import may
from ..services import meetings
from ..services import minutes as svc
from .api import actor as api_actor
from .apitools import operation
from .auth import actor_for, grant_from_key, meeting_or_404, rt
from .errors import error_response

bp = Blueprint("secretary", __name__)

Text = Annotated[str, StringConstraints(max_length=svc.MAX_TEXT)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntryBody(_Strict):
    """The secretary's text for one intervention; send only the fields that changed."""
    expected_revision: int = Field(ge=0, le=2**31 - 1)
    summary: Text | None = None
    answer_summary: Text | None = None


class ConclusionBody(_Strict):
    text: Text = ""


class PersonBody(_Strict):
    name: Name
    title: Short = ""


class GroupBody(_Strict):
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    count: int | None = Field(default=None, ge=0, le=100000)


class AttendanceBody(_Strict):
    leaders: Annotated[list[PersonBody], Field(max_length=100)] = []
    groups: Annotated[list[GroupBody], Field(max_length=50)] = []


class HeaderBody(_Strict):
    doc_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    doc_format: Literal["party", "state"] | None = None
    chairs: Annotated[list[PersonBody], Field(max_length=4)] | None = None
    secretary: PersonBody | None = None


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    with_phone: bool = False


# -- the minutes -----------------------------------------------------------------------------------------------
@operation("/meetings/<code>/minutes", "GET", summary="The minutes as they stand: opening, programme, attendance, "
           "every intervention in order of call with its answer, conclusion (no phone numbers)",
           roles="secretary, chair, organiser", tags=["secretary"])
def minutes_get(code):
    api_actor(code, "staff.view")
    return svc.minutes_snapshot(rt(), code)


@operation("/meetings/<code>/minutes/entries/<int:request_id>", "PUT", body=EntryBody,
           summary="Save the secretary's summary / answer summary of one intervention (409 with both texts if "
                   "someone else saved it since expected_revision)",
           roles="secretary, chair, organiser", tags=["secretary"])
def minutes_entry_put(code, request_id, body: EntryBody):
    m, a = api_actor(code)
    try:
        entry = svc.save_entry(rt(), code, a, request_id, body.expected_revision, body.summary,
                               body.answer_summary)
    except svc.MinutesConflict as e:
        return error_response(409, e.code, gettext(e.message), theirs=e.details["theirs"],
                              yours=e.details["yours"], conflict_fields=e.details["fields"],
                              request_id=request_id, ticket=e.details.get("ticket"))
    return {"ok": True, "entry": entry}


@operation("/meetings/<code>/minutes/entries/<int:request_id>/revisions", "GET",
           summary="Every saved revision of one entry, newest first", roles="secretary, chair, organiser",
           tags=["secretary"])
def minutes_revisions(code, request_id):
    api_actor(code, "staff.view")
    return svc.revisions(rt(), code, request_id)


@operation("/meetings/<code>/minutes/conclusion", "PUT", body=ConclusionBody,
           summary="The chair's conclusion as the minutes record it", roles="secretary, chair, organiser",
           tags=["secretary"])
def minutes_conclusion(code, body: ConclusionBody):
    m, a = api_actor(code)
    meetings.set_conclusion(rt(), code, a, body.text)
    return {"ok": True}


@operation("/meetings/<code>/minutes/attendance", "PUT", body=AttendanceBody,
           summary="Attendance: leaders by name and title, the rest as counts by group",
           roles="secretary, chair, organiser", tags=["secretary"])
def minutes_attendance(code, body: AttendanceBody):
    m, a = api_actor(code)
    out = svc.set_attendance(rt(), code, a, svc.AttendanceData(
        [p.model_dump() for p in body.leaders], [g.model_dump() for g in body.groups]))
    return {"ok": True, "attendance": out}


@operation("/meetings/<code>/minutes/header", "PUT", body=HeaderBody,
           summary="The minutes' number, format (party/state) and signatories", roles="secretary, chair, organiser",
           tags=["secretary"])
def minutes_header(code, body: HeaderBody):
    m, a = api_actor(code)
    out = svc.set_header(rt(), code, a, body.doc_number, body.doc_format,
                         [p.model_dump() for p in body.chairs] if body.chairs is not None else None,
                         body.secretary.model_dump() if body.secretary is not None else None)
    return {"ok": True, **out}


# -- documents ---------------------------------------------------------------------------------------------------
def _file(data: bytes, name: str, mimetype: str):
    resp = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@operation("/meetings/<code>/minutes.docx", "GET", summary="The minutes (biên bản) as .docx, to edit and sign",
           roles="secretary, chair, organiser", tags=["documents"], binary=DOCX_MIMETYPE)
def export_minutes_docx(code):
    api_actor(code, "minutes.export")
    return _file(*svc.export_minutes(rt(), code), DOCX_MIMETYPE)


@operation("/meetings/<code>/conclusion.docx", "GET",
           summary="Draft conclusion notice (thông báo kết luận) as .docx: summary, tasks with unit and deadline, "
                   "recipients", roles="secretary, chair, organiser", tags=["documents"], binary=DOCX_MIMETYPE)
def export_conclusion_docx(code):
    api_actor(code, "minutes.export")
    return _file(*svc.export_conclusion(rt(), code), DOCX_MIMETYPE)


@operation("/meetings/<code>/summary.xlsx", "GET", query=ExportQuery,
           summary="Summary table of all requests as .xlsx; with_phone=1 adds phone numbers (secretary and "
                   "organiser only; audited)", roles="secretary, chair, organiser", tags=["documents"],
           binary=XLSX_MIMETYPE)
def export_summary_xlsx(code, query: ExportQuery):
    m, a = api_actor(code, "minutes.export")
    if query.with_phone:
        svc.audit_export(rt(), code, a, "summary.xlsx")
    return _file(*svc.export_summary(rt(), code, query.with_phone), XLSX_MIMETYPE)


# -- the print view ----------------------------------------------------------------------------------------------
PRINT_ROLES = {Role.SECRETARY, Role.CHAIR, Role.ORGANISER}


@bp.get("/m/<code>/secretary/print")
def print_minutes(code):
    m = meeting_or_404(code)
    key = request.args.get("key")
    if key:
        if grant_from_key(m, key) is None:
            return render_template("error.html", status=403, message_key="key_invalid"), 403
        return redirect(url_for("secretary.print_minutes", code=m.code))
    a = actor_for(m)
    if a.role not in PRINT_ROLES or not may(a.role, "minutes.export"):
        return render_template("error.html", status=403, message_key="need_key"), 403
    meeting, view = svc.print_view(rt(), code)
    return render_template("secretary_print.html", meeting=meeting, view=view,
                           signatories=view["signatories"], attendance=view["attendance"])


def blueprints():
    return [bp]


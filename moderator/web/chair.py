"""The chair's console: read-only helpers under /api/v1 (merge suggestions, forecast, audit log, complaints).
The page itself is /m/<code>/chair (pages.py); every change uses the core operations in api.py."""
from __future__ import annotations

from typing import Annotated

from flask import Blueprint
from pydantic import Field

from ..services import chair as chair_views
from ..services import views
from . import schemas as sc
from .api import actor
from .apitools import operation
from .auth import rt

# Registered by the app factory after the core `api` blueprint, hence a blueprint of its own.
bp = Blueprint("chair_api", __name__, url_prefix="/api/v1")


class AuditQuery(sc.Strict):
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    before: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None


@operation("/meetings/<code>/merge-suggestions", "GET",
           summary="Pairs of open requests in the same field that say the same thing (target first)",
           roles="chair, secretary, organiser", tags=["chair"], blueprint=bp)
def merge_suggestions(code):
    m, _ = actor(code, "staff.view")
    with rt().read() as s:
        mm = views.load_meeting(s, m.code)
        return {"v": mm.version, "suggestions": chair_views.merge_suggestions(s, mm)}


@operation("/meetings/<code>/forecast", "GET",
           summary="How many queued requests the remaining session time reaches at the pace so far",
           roles="chair, secretary, organiser", tags=["chair"], blueprint=bp)
def forecast(code):
    m, _ = actor(code, "staff.view")
    with rt().read() as s:
        mm = views.load_meeting(s, m.code)
        return {"v": mm.version, "server_now": views.now_ms(), **chair_views.forecast(s, mm)}


@operation("/meetings/<code>/audit", "GET", query=AuditQuery,
           summary="The audit log, newest first: who did what and when (no phone or address)",
           roles="chair, secretary, organiser", tags=["chair"], blueprint=bp)
def audit(code, query: AuditQuery):
    m, _ = actor(code, "audit.view")
    with rt().read() as s:
        mm = views.load_meeting(s, m.code)
        return {"v": mm.version, "entries": chair_views.audit_log(s, mm, query.limit, query.before)}


@operation("/meetings/<code>/complaints", "GET",
           summary="Requests flagged as complaints or denunciations (formal process; never public)",
           roles="chair, secretary, organiser", tags=["chair"], blueprint=bp)
def complaints(code):
    m, _ = actor(code, "staff.view")
    with rt().read() as s:
        mm = views.load_meeting(s, m.code)
        return {"v": mm.version, "requests": chair_views.complaints(s, mm)}

"""The JSON API (/api/v1): a few lines per operation; rules live in the services and the domain."""
from __future__ import annotations

from flask import current_app, jsonify, request

from ..domain.enums import AnswerMode, Jurisdiction, Role, Source, SubmitterKind
from ..domain.errors import NotFound
from ..domain.roles import require
from ..realtime.publisher import public_state_cached
from ..services import floor, meetings, requests as reqs, views
from ..services.requests import Answer, Decision, NewRequest
from . import schemas as sc
from .apitools import api, openapi_document, operation  # noqa: F401 - `api` is the blueprint app.py registers
from .auth import csrf_token, device_hash, ensure_device_token, identify, rt


def actor(code: str, operation_name: str | None = None):
    m, a = identify(code)
    if operation_name:
        require(a.role, operation_name)
    return m, a


def limit_device(a):
    cfg = current_app.config
    limiter = current_app.extensions["moderator_limiter"]
    limiter.hit("ip:" + (request.remote_addr or "?"), cfg["RATE_IP_PER_MINUTE"])
    if a.device_hash:
        limiter.hit("dev:" + a.device_hash, cfg["RATE_DEVICE_PER_MINUTE"])


# -- reading ---------------------------------------------------------------------------------------------------
@operation("/csrf", "GET", summary="CSRF token for cookie-authenticated writes", roles="anyone", tags=["session"])
def get_csrf():
    return {"csrf_token": csrf_token()}


@operation("/meetings/<code>/public", "GET", summary="Public state: now speaking, next, queue tickets, timer",
           roles="anyone", tags=["public"])
def public_state(code):
    with rt().read() as s:
        m = views.load_meeting(s, code)
        if m is None:
            raise NotFound("meeting_not_found", "Không tìm thấy hội nghị với mã này.")
        return public_state_cached(rt(), s, m)


@operation("/meetings/<code>/staff", "GET", summary="Full state for chair, secretary and organiser",
           roles="chair, secretary, organiser", tags=["staff"])
def staff_state(code):
    m, _ = actor(code, "staff.view")
    with rt().read() as s:
        return views.staff_snapshot(s, views.load_meeting(s, m.code))


@operation("/meetings/<code>/mine", "GET", summary="The calling device's own requests", roles="delegate",
           tags=["delegate"])
def mine(code):
    m, a = actor(code, "request.view_own")
    with rt().read() as s:
        return views.owner_snapshot(s, views.load_meeting(s, m.code), a.device_hash)


@operation("/meetings/<code>/unit", "GET", summary="Requests assigned to the calling unit", roles="unit",
           tags=["unit"])
def unit_state(code):
    m, a = actor(code, "unit.view")
    with rt().read() as s:
        return views.unit_snapshot(s, views.load_meeting(s, m.code), a.unit_id)


@operation("/meetings/<code>/usher", "GET", summary="Speaker now and the next three, with seats",
           roles="usher, staff", tags=["usher"])
def usher_state(code):
    m, _ = actor(code, "usher.view")
    with rt().read() as s:
        return views.usher_snapshot(s, views.load_meeting(s, m.code))


# -- the delegate ------------------------------------------------------------------------------------------------
@operation("/meetings/<code>/requests", "POST", body=sc.SubmitRequest, status=201,
           summary="File a speaking request (idempotent with idempotency_key)", roles="anonymous, delegate",
           tags=["delegate"])
def submit(code, body: sc.SubmitRequest):
    m, a = identify(code)
    if a.role in (Role.ANONYMOUS, Role.DELEGATE):
        a.role = Role.DELEGATE
        a.device_hash = a.device_hash or device_hash(ensure_device_token())
    limit_device(a)
    req, created = reqs.submit(rt(), code, a, _new_request(body, Source.PHONE))
    with rt().read() as s:
        d = views.owner_request(req, views.Names.load(s, m.id))
    resp = jsonify({"request": d, "created": created})
    resp.status_code = 201 if created else 200
    return resp


def _new_request(body, source: Source, **extra) -> NewRequest:
    return NewRequest(
        kind=SubmitterKind(body.kind), full_name=body.full_name, content=body.content, phone=body.phone or None,
        address=body.address or None, locality=body.locality, organization=body.organization,
        position=body.position, seat=body.seat, field_id=body.field_id, wants_to_speak=body.wants_to_speak,
        jurisdiction=Jurisdiction(body.jurisdiction) if body.jurisdiction else None, consent=body.consent,
        idempotency_key=body.idempotency_key, source=source, **extra)


@operation("/meetings/<code>/mine/<int:request_id>", "PATCH", body=sc.EditOwn,
           summary="Edit one's own request until called", roles="delegate (owner)", tags=["delegate"])
def edit_own(code, request_id, body: sc.EditOwn):
    m, a = actor(code)
    limit_device(a)
    reqs.edit_own(rt(), code, a, request_id, body.content, body.field_id, body.seat, body.wants_to_speak)
    return {"ok": True}


@operation("/meetings/<code>/mine/<int:request_id>/withdraw", "POST",
           summary="Withdraw one's own request before speaking", roles="delegate (owner)", tags=["delegate"])
def withdraw_own(code, request_id):
    m, a = actor(code)
    limit_device(a)
    reqs.withdraw_own(rt(), code, a, request_id)
    return {"ok": True}


# -- staff entry -------------------------------------------------------------------------------------------------
@operation("/meetings/<code>/paper", "POST", body=sc.StaffEntry, status=201,
           summary="Enter a paper form or a speaker from the floor", roles="secretary, chair, organiser",
           tags=["staff"])
def enter_paper(code, body: sc.StaffEntry):
    m, a = actor(code)
    req, created = reqs.submit(rt(), code, a, _new_request(body, Source(body.source), unit_id=body.unit_id))
    return {"id": req.id, "ticket": req.ticket, "created": created}


# -- the chair's decisions ---------------------------------------------------------------------------------------
DECISIONS = ("accept", "decline", "to_writing", "forward", "flag_complaint", "defer", "requeue", "answer_written")


@operation("/meetings/<code>/requests/<int:request_id>/<action>", "POST", body=sc.DecisionBody,
           summary="Decide on a request: " + ", ".join(DECISIONS) + " (409 if `expected` is stale)", roles="chair, organiser", tags=["chair"])
def decide(code, request_id, action, body: sc.DecisionBody):
    if action not in DECISIONS:
        raise NotFound("action_unknown", "Thao tác không tồn tại.")
    m, a = actor(code)
    reqs.decide(rt(), code, a, request_id, Decision(action, body.reason, body.deadline, body.level, body.priority,
                                                      body.unit_id), body.version, sc.seen_of(body))
    return {"ok": True}


def _row_id(request_id: int) -> int:
    """A path id the database can hold (ids beyond 64 bits overflow the driver): anything else is not found."""
    if not 1 <= request_id <= 2**31 - 1:
        raise NotFound("request_not_found", "Không tìm thấy phiếu ý kiến.")
    return request_id


@operation("/meetings/<code>/sources/<int:request_id>/quarantine", "POST",
           summary="Quarantine a burst: every new request from the same source (network address) as this one "
                   "leaves the inbox", roles="chair, organiser", tags=["chair"])
def quarantine_source(code, request_id):
    m, a = actor(code)
    rows = reqs.quarantine_source(rt(), code, a, _row_id(request_id))
    return {"ok": True, "tickets": sorted(r.ticket for r in rows)}


@operation("/meetings/<code>/sources/<int:request_id>/release", "POST",
           summary="Bring the quarantined requests from this request's source back to the inbox",
           roles="chair, organiser", tags=["chair"])
def release_source(code, request_id):
    m, a = actor(code)
    rows = reqs.release_source(rt(), code, a, _row_id(request_id))
    return {"ok": True, "tickets": sorted(r.ticket for r in rows)}


@operation("/meetings/<code>/queue", "PUT", body=sc.ReorderBody,
           summary="Reorder the whole queue (refused with 409 if the version is stale)", roles="chair, organiser",
           tags=["chair"])
def reorder(code, body: sc.ReorderBody):
    m, a = actor(code)
    reqs.reorder(rt(), code, a, body.order, body.version, sc.seen_of(body))
    return {"ok": True}


@operation("/meetings/<code>/queue/<int:request_id>/move", "POST", body=sc.MoveBody,
           summary="Move one request: top, up, down or to an index", roles="chair, organiser", tags=["chair"])
def move(code, request_id, body: sc.MoveBody):
    m, a = actor(code)
    reqs.move(rt(), code, a, request_id, body.to, body.version, sc.seen_of(body))
    return {"ok": True}


@operation("/meetings/<code>/merge", "POST", body=sc.MergeBody,
           summary="Merge duplicate requests into one; requesters become co-signers", roles="chair, organiser",
           tags=["chair"])
def merge(code, body: sc.MergeBody):
    m, a = actor(code)
    reqs.merge(rt(), code, a, body.target_id, body.source_ids, sc.seen_of(body))
    return {"ok": True}


@operation("/meetings/<code>/answers", "POST", body=sc.AnswerBody,
           summary="Assign the answering unit, answerer and mode to one or several requests",
           roles="chair, organiser", tags=["chair"])
def assign_answer(code, body: sc.AnswerBody):
    m, a = actor(code)
    reqs.assign_answer(rt(), code, a, body.request_ids, Answer(
        body.unit_id, body.answerer, AnswerMode(body.mode) if body.mode else None, body.deadline, body.level,
        body.summary), sc.seen_of(body))
    return {"ok": True}


# -- the floor ---------------------------------------------------------------------------------------------------
@operation("/meetings/<code>/floor/call", "POST", body=sc.CallBody,
           summary="Call the next speaker (or a given request)", roles="chair", tags=["floor"])
def floor_call(code, body: sc.CallBody):
    m, a = actor(code)
    req = floor.call(rt(), code, a, body.request_id, body.version, sc.seen_of(body))
    return {"ok": True, "request_id": req.id, "ticket": req.ticket}


for _name, _fn, _summary in [
        ("pause", floor.pause, "Pause the timer"),
        ("resume", floor.resume, "Resume the timer")]:
    def _make(name=_name, fn=_fn, summary=_summary):   # one endpoint per operation, same few lines
        def view(code):
            m, a = actor(code)
            fn(rt(), code, a)
            return {"ok": True}
        view.__name__ = f"floor_{name}"
        operation(f"/meetings/<code>/floor/{name}", "POST", summary=summary, roles="chair", tags=["floor"])(view)
    _make()

# Decisions about the speaker on the floor carry the floor the chair saw (`expected`): 409 if it changed.
for _name, _fn, _summary in [
        ("start", floor.start, "Start the speaker's timer"),
        ("end", floor.end, "End the intervention (its answer mode decides where it goes)"),
        ("requeue", floor.requeue_current, "The called speaker is absent: back to the head of the queue")]:
    def _make_decision(name=_name, fn=_fn, summary=_summary):
        def view(code, body: sc.FloorBody):
            m, a = actor(code)
            fn(rt(), code, a, sc.seen_of(body))
            return {"ok": True}
        view.__name__ = f"floor_{name}"
        operation(f"/meetings/<code>/floor/{name}", "POST", body=sc.FloorBody, summary=summary + " (409 if `expected` is stale)",
                  roles="chair", tags=["floor"])(view)
    _make_decision()


@operation("/meetings/<code>/floor/extend", "POST", body=sc.ExtendBody, summary="Give the speaker more time",
           roles="chair", tags=["floor"])
def floor_extend(code, body: sc.ExtendBody):
    m, a = actor(code)
    floor.extend(rt(), code, a, body.seconds)
    return {"ok": True}


# -- the hall ----------------------------------------------------------------------------------------------------
@operation("/meetings/<code>/message", "PUT", body=sc.MessageBody, summary="Message shown over the projector",
           roles="chair", tags=["chair"])
def set_message(code, body: sc.MessageBody):
    m, a = actor(code)
    meetings.set_message(rt(), code, a, body.text)
    return {"ok": True}


@operation("/meetings/<code>/registration", "PUT", body=sc.RegistrationBody,
           summary="Open or close registration to speak", roles="chair, organiser", tags=["chair"])
def set_registration(code, body: sc.RegistrationBody):
    m, a = actor(code)
    meetings.set_registration(rt(), code, a, body.open, body.note)
    return {"ok": True}


@operation("/meetings/<code>/programme", "PUT", body=sc.StepBody, summary="Move the programme to a step",
           roles="chair, secretary", tags=["chair"])
def set_step(code, body: sc.StepBody):
    m, a = actor(code)
    meetings.set_step(rt(), code, a, body.position)
    return {"ok": True}


@operation("/meetings/<code>/close", "POST", body=sc.CloseBody,
           summary="Close the session; the queue left is deferred to written answers", roles="chair, organiser",
           tags=["chair"])
def close(code, body: sc.CloseBody):
    m, a = actor(code)
    meetings.close_meeting(rt(), code, a, body.conclusion)
    return {"ok": True}


@operation("/meetings/<code>/undo", "POST", summary="Undo the chair's last decision", roles="chair",
           tags=["chair"])
def undo(code):
    m, a = actor(code)
    return {"ok": True, "undone": meetings.undo_last(rt(), code, a)}


# -- the answering unit ------------------------------------------------------------------------------------------
@operation("/meetings/<code>/unit/requests/<int:request_id>/answer", "POST", body=sc.UnitAnswerBody,
           summary="The unit records its answer", roles="unit (own items), organiser", tags=["unit"])
def unit_answer(code, request_id, body: sc.UnitAnswerBody):
    m, a = actor(code)
    reqs.unit_answer(rt(), code, a, request_id, body.summary, AnswerMode(body.mode))
    return {"ok": True}


def register_openapi(app) -> None:
    @app.get("/api/openapi.json")
    def openapi_json():
        return jsonify(openapi_document())

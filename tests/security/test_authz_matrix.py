"""Every API operation × {anonymous, delegate, projector, usher, unit, chair of another meeting}: refused unless
the role may do it. Generated from the registered operations, so a new endpoint is covered the day it lands.

Each operation declares its roles (the `roles=` text of @operation). A caller outside them must get no 2xx
and change nothing; a caller inside them must not get a 403."""
import re

import pytest

from moderator.domain.enums import Role
from moderator.services import meetings
from moderator.services.uow import SYSTEM
from moderator.web import all_blueprints, api as _api_module  # noqa: F401 - registers the operations
from moderator.web.apitools import OPERATIONS

all_blueprints()

CALLERS = ["anonymous", "delegate", "projector", "usher", "unit", "other_chair"]
ROLE_OF = {"anonymous": "anonymous", "delegate": "delegate", "projector": "projector", "usher": "usher", "unit": "unit"}

EXAMPLES = {
    "SubmitRequest": {"kind": "citizen", "full_name": "Lê Thị B", "phone": "0987654321", "address": "Xóm 5",
                      "content": "Nội dung kiến nghị", "consent": True},
    "StaffEntry": {"full_name": "Lê Thị B", "content": "Nội dung", "source": "paper"},
    "EditOwn": {"content": "Nội dung mới"},
    "DecisionBody": {"reason": "Lý do", "deadline": "2030-01-01"},
    "ReorderBody": {"order": [], "version": 0},
    "MoveBody": {"to": "top"},
    "CallBody": {},
    "ExtendBody": {"seconds": 30},
    "AnswerBody": {"request_ids": [1], "mode": "hall"},
    "MergeBody": {"target_id": 1, "source_ids": [2]},
    "MessageBody": {"text": "Xin chào"},
    "RegistrationBody": {"open": False, "note": "Đóng"},
    "StepBody": {"position": 1},
    "CloseBody": {"conclusion": "Kết luận"},
    "UnitAnswerBody": {"summary": "Trả lời", "mode": "writing"},
}


def allowed_roles(op) -> set[str]:
    text = op.roles.lower()
    if "anyone" in text or "public" in text:
        return set(CALLERS)
    roles = {r.value for r in Role if re.search(rf"\b{r.value}\b", text)}
    return {c for c in CALLERS if ROLE_OF.get(c) in roles}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the whole matrix (each case checks its own before/after)."""
    import os
    tmp = tmp_path_factory.mktemp("matrix")
    os.environ["MODERATOR_INSTANCE"] = str(tmp)
    from moderator import create_app
    from moderator.config import Config
    return create_app(Config(TESTING=True, ASYNC_MODE="threading", DATABASE_URL=f"sqlite:///{tmp / 'm.db'}",
                             REDIS_URL=None, RATE_DEVICE_PER_MINUTE=10_000))


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def world(app, client, tmp_path_factory):
    from moderator.demo import ensure_demo
    rt = app.extensions["moderator"]
    demo = ensure_demo(rt, str(tmp_path_factory.mktemp("keys")))
    meetings.create_meeting(rt, SYSTEM, meetings.MeetingSpec(title="Hội nghị khác", code="OTHER"))
    other_chair = meetings.create_role_key(rt, SYSTEM, "OTHER", Role.CHAIR)
    headers = {
        "anonymous": {},
        "delegate": {"X-Device-Token": "a-delegate-who-owns-nothing-here"},
        "projector": {"X-Role-Key": demo["projector"]},
        "usher": {"X-Role-Key": demo["usher"]},
        "unit": {"X-Role-Key": demo["unit"]},
        "other_chair": {"X-Role-Key": other_chair},
    }
    staff = client.get("/api/v1/meetings/DEMO/staff", headers={"X-Role-Key": demo["chair"]}).get_json()
    own = client.post("/api/v1/meetings/DEMO/requests", headers=headers["delegate"],
                      json={**EXAMPLES["SubmitRequest"], "idempotency_key": "matrix-own"}).get_json()
    return {"headers": headers, "chair": {"X-Role-Key": demo["chair"]}, "request_id": staff["requests"][0]["id"],
            "own_id": own["request"]["id"]}


def fill(path: str, request_id: int, own_id: int) -> str:
    if "/mine/" in path:        # the delegate acts on a request of their own
        request_id = own_id
    path = path.replace("<code>", "DEMO").replace("<int:request_id>", str(request_id))
    path = re.sub(r"<action>", "accept", path)
    path = re.sub(r"<int:\w+>", "1", path)
    return re.sub(r"<(?:\w+:)?\w+>", "x", path)


def snapshot(client, chair):
    return client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()


CASES = [(op, caller) for op in OPERATIONS for caller in CALLERS]


@pytest.mark.parametrize("op,caller", CASES, ids=[f"{op.method}-{op.endpoint}-{c}" for op, c in CASES])
def test_authorization_matrix(client, world, op, caller):
    before = snapshot(client, world["chair"])
    path = "/api/v1" + fill(op.path, world["request_id"], world["own_id"])
    body = EXAMPLES.get(op.body.__name__, {}) if op.body is not None else None
    r = client.open(path, method=op.method, headers=world["headers"][caller],
                    json=body if op.method != "GET" else None)
    assert r.status_code < 500, r.get_data(as_text=True)
    if caller in allowed_roles(op):
        assert r.status_code != 403, (op.endpoint, caller, r.get_json())
    else:
        assert not 200 <= r.status_code < 300, (op.endpoint, caller, r.status_code)
        after = snapshot(client, world["chair"])
        assert after["v"] == before["v"], f"{op.endpoint} by {caller} changed the meeting"

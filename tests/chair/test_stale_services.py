"""Stale decisions refused by the services and the API (issue 13, point 1), on SQLite and PostgreSQL: the check
runs under the meeting's write lock, so of two co-chairs deciding on the same state at the same moment exactly
one wins and the other is told what changed; a refused decision commits, audits and publishes nothing."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from moderator.db.migrate import upgrade
from moderator.db.models import AuditLog, Meeting, Request
from moderator.domain.enums import Role, SubmitterKind
from moderator.domain.errors import Conflict
from moderator.domain.seen import Seen
from moderator.services import floor, meetings, requests as reqs
from moderator.services.runtime import Runtime
from moderator.services.uow import SYSTEM, Actor

CHAIR_A = Actor(Role.CHAIR, "a")
CHAIR_B = Actor(Role.CHAIR, "b")


class Recorder:
    def __init__(self):
        self.published = []
        self.lock = threading.Lock()

    def publish(self, change):
        with self.lock:
            self.published.append(change)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    rt = Runtime.from_url(url, Recorder())
    upgrade(rt.engine)
    meetings.create_meeting(rt, SYSTEM, meetings.MeetingSpec(title="Đối thoại thử", code="TEST"))
    yield rt
    rt.engine.dispose()


def file(rt, content="Đề nghị sửa đường liên thôn", n=0):
    req, _ = reqs.submit(rt, "TEST", Actor(Role.DELEGATE, "dev", device_hash=f"{n:064d}"), reqs.NewRequest(
        kind=SubmitterKind.CITIZEN, full_name="Nguyễn Văn A", content=content, phone="0912 345 678",
        address="Xóm 1", consent=True))
    return req


def counts(rt):
    with rt.read() as s:
        return (s.scalar(select(Meeting.version).where(Meeting.code == "TEST")),
                s.scalar(select(func.count()).select_from(AuditLog)), len(rt.publisher.published))


def status(rt, rid):
    with rt.read() as s:
        return s.get(Request, rid).status


def test_a_decline_on_a_request_accepted_meanwhile_is_refused_and_changes_nothing(runtime):
    r = file(runtime)
    seen_by_b = Seen(requests={r.id: {"status": "submitted", "unit_id": None, "content": r.content}})
    reqs.decide(runtime, "TEST", CHAIR_A, r.id, reqs.Decision("accept"))
    before = counts(runtime)
    with pytest.raises(Conflict) as e:
        reqs.decide(runtime, "TEST", CHAIR_B, r.id, reqs.Decision("decline", reason="Trùng"), seen=seen_by_b)
    assert e.value.code == "stale_decision" and e.value.details["changed"] == ["status"]
    assert [c["status"] for c in e.value.details["current"]] == ["accepted"]
    assert counts(runtime) == before                 # no commit, no audit row, nothing published
    assert status(runtime, r.id) == "accepted"
    # Deciding again on what is there now is allowed.
    reqs.decide(runtime, "TEST", CHAIR_B, r.id, reqs.Decision("decline", reason="Trùng"),
                seen=Seen(requests={r.id: {"status": "accepted"}}))
    assert status(runtime, r.id) == "declined"


def test_of_two_chairs_deciding_on_the_same_state_at_once_exactly_one_wins(runtime):
    for round_ in range(5):
        r = file(runtime, f"Đề nghị số {round_} về đèn đường", n=round_)
        seen = Seen(requests={r.id: {"status": "submitted"}})
        barrier = threading.Barrier(2)
        outcome = {}

        def chair(actor, decision):
            barrier.wait()
            try:
                reqs.decide(runtime, "TEST", actor, r.id, decision, seen=seen)
                outcome[actor.name] = "ok"
            except Conflict as e:
                outcome[actor.name] = e.code

        threads = [threading.Thread(target=chair, args=(CHAIR_A, reqs.Decision("accept"))),
                   threading.Thread(target=chair, args=(CHAIR_B, reqs.Decision("decline", reason="Trùng")))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert sorted(outcome.values()) == ["ok", "stale_decision"], outcome
        winner = "accepted" if outcome["a"] == "ok" else "declined"
        assert status(runtime, r.id) == winner


def test_the_floor_and_the_queue_seen_must_be_the_current_ones(runtime):
    x, y, z = (file(runtime, f"Ý kiến {i}", n=i) for i in range(3))
    for r in (x, y, z):
        reqs.decide(runtime, "TEST", CHAIR_A, r.id, reqs.Decision("accept"))
    idle = Seen(floor={"request_id": None, "state": "idle"})
    floor.call(runtime, "TEST", CHAIR_A, y.id)
    with pytest.raises(Conflict) as e:
        floor.call(runtime, "TEST", CHAIR_B, x.id, seen=idle)
    assert e.value.code == "floor_changed"
    with runtime.read() as s:
        assert s.scalars(select(Meeting)).one().floor_request_id == y.id
    with pytest.raises(Conflict) as e:
        floor.end(runtime, "TEST", CHAIR_B, seen=Seen(floor={"request_id": x.id, "state": "speaking"}))
    assert e.value.code == "floor_changed"
    # The queue: B moves z to the top on the order it saw before A moved it.
    seen_order = [x.id, z.id]
    reqs.move(runtime, "TEST", CHAIR_A, z.id, "top")
    with pytest.raises(Conflict) as e:
        reqs.move(runtime, "TEST", CHAIR_B, x.id, "down", seen=Seen(queue=seen_order))
    assert e.value.code == "queue_changed"
    with pytest.raises(Conflict):
        reqs.reorder(runtime, "TEST", CHAIR_B, [x.id, z.id], seen=Seen(queue=seen_order))
    reqs.reorder(runtime, "TEST", CHAIR_B, [x.id, z.id], seen=Seen(queue=[z.id, x.id]))


def test_merge_and_assign_check_every_request_they_touch(runtime):
    a, b = file(runtime, "Kênh tưới bị bồi lấp", n=1), file(runtime, "Kênh tưới bồi lấp cần nạo vét", n=2)
    seen = Seen(requests={b.id: {"status": "submitted"}, a.id: {"status": "submitted", "unit_id": None}})
    reqs.decide(runtime, "TEST", CHAIR_A, a.id, reqs.Decision("flag_complaint"))
    with pytest.raises(Conflict) as e:
        reqs.merge(runtime, "TEST", CHAIR_B, a.id, [b.id], seen=seen)
    assert e.value.details["ticket"] == a.ticket
    with pytest.raises(Conflict):
        reqs.assign_answer(runtime, "TEST", CHAIR_B, [b.id, a.id], reqs.Answer(None), seen=seen)
    assert status(runtime, b.id) == "submitted"


# -- the API ----------------------------------------------------------------------------------------------------
def test_api_answers_409_with_a_code_what_changed_and_the_current_state(client, demo):
    chair = {"X-Role-Key": demo["chair"]}
    staff = client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()
    r = next(x for x in staff["requests"] if x["status"] == "submitted")
    seen = {"requests": {str(r["id"]): {"status": "submitted", "answer_mode": r["answer_mode"]}}}
    assert client.post(f"/api/v1/meetings/DEMO/requests/{r['id']}/accept", headers=chair, json={}).status_code == 200
    v = client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()["meeting"]["version"]
    res = client.post(f"/api/v1/meetings/DEMO/requests/{r['id']}/decline", headers=chair,
                      json={"reason": "Trùng nội dung", "expected": seen})
    assert res.status_code == 409
    err = res.get_json()["error"]
    assert err["code"] == "stale_decision" and err["changed"] == ["status"] and err["request_id"] == r["id"]
    assert err["message"] == (f"Phiếu số {r['ticket']} vừa được xử lý trên màn hình khác: từ “Đã nhận” thành "
                              "“Đã xếp lượt”. Hãy xem trạng thái mới và quyết định lại.")
    assert [c["status"] for c in err["current"]] == ["accepted"]
    assert client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()["meeting"]["version"] == v
    # In English through the catalog.
    res = client.post(f"/api/v1/meetings/DEMO/requests/{r['id']}/decline?lang=en", headers=chair,
                      json={"reason": "Trùng nội dung", "expected": seen})
    assert res.get_json()["error"]["message"] == (
        f"Ticket {r['ticket']} was just handled on another screen: from “Received” to “Queued”. "
        "Look at its new state and decide again.")
    # Bad `expected` is a clear 422, not a 500.
    res = client.post(f"/api/v1/meetings/DEMO/requests/{r['id']}/decline", headers=chair,
                      json={"reason": "x", "expected": {"requests": {"abc": {"status": "nope"}}}})
    assert res.status_code == 422 and res.get_json()["error"]["fields"]


def test_a_reorder_must_be_built_on_a_version_or_on_the_order_seen(client, demo):
    chair = {"X-Role-Key": demo["chair"]}
    res = client.put("/api/v1/meetings/DEMO/queue", headers=chair, json={"order": []})
    assert res.status_code == 422
    assert "thứ tự hàng đợi" in res.get_json()["error"]["fields"]["version"]
    assert client.put("/api/v1/meetings/DEMO/queue", headers=chair,
                      json={"order": [], "expected": {"queue": []}}).status_code == 200

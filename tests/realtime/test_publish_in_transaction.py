"""A change's messages are built inside its own committing transaction and sent after the commit
(moderator/realtime/publisher.py `prepare`, docs/performance.md): one database session per chair action, the
public message carries exactly the committed state, and a commit that fails sends nothing that was prepared.
The real app (threading mode), the real publisher and Flask-SocketIO's test client, on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import event, select

from moderator.db.models import Meeting, Request
from moderator.demo import DEMO_CODE, ensure_demo
from moderator.domain.enums import Role
from moderator.services import requests as reqs
from moderator.services.uow import Actor

CHAIR = Actor(Role.CHAIR, "chair")


@pytest.fixture(params=["sqlite", "postgresql"])
def hall(request, tmp_path, monkeypatch):
    monkeypatch.setenv("MODERATOR_INSTANCE", str(tmp_path))
    monkeypatch.delenv("REDIS_URL", raising=False)
    if request.param == "postgresql":
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("pg_url"))
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    from moderator import create_app
    from moderator.config import Config
    from moderator.extensions import socketio
    # no coalescing window: every change goes out at once, no trailing message arrives later
    app = create_app(Config(TESTING=True, ASYNC_MODE="threading", PUBLIC_COALESCE_MS=0,
                            PUBLIC_COALESCE_DELEGATE_MS=0))
    rt = app.extensions["moderator"]
    ensure_demo(rt, str(tmp_path))
    phone = socketio.test_client(app, auth={"meeting": DEMO_CODE, "scope": "public"})
    assert phone.is_connected()
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == DEMO_CODE)).one()
        queued = s.scalars(select(Request).where(Request.meeting_id == m.id, Request.status == "submitted")).all()
    for r in queued[:3]:
        reqs.decide(rt, DEMO_CODE, CHAIR, r.id, reqs.Decision("accept"))
    phone.get_received()
    yield app, rt, phone, queued[0].id
    phone.disconnect()
    rt.engine.dispose()


def public_messages(phone):
    return [m["args"][0] for m in phone.get_received() if m["name"] == "public"]


def test_a_chair_action_uses_one_database_session_for_its_change_and_all_its_messages(hall):
    app, rt, phone, rid = hall
    checkouts = []
    listener = lambda *a: checkouts.append(1)  # noqa: E731
    # readers and the writer may have pools of their own (SQLite: one write connection, db/engine.py)
    pools = {id(p): p for p in (rt.engine.pool, rt.write_session.kw["bind"].pool)}.values()
    for pool in pools:
        event.listen(pool, "checkout", listener)
    try:
        reqs.move(rt, DEMO_CODE, CHAIR, rid, "down")
    finally:
        for pool in pools:
            event.remove(pool, "checkout", listener)
    # Before: the write session, then one read session for the public state and one for the staff payloads.
    assert len(checkouts) == 1
    msgs = public_messages(phone)
    assert len(msgs) == 1
    with app.test_client() as c:
        snapshot = c.get(f"/api/v1/meetings/{DEMO_CODE}/public").get_json()
    assert msgs[0]["v"] == snapshot["v"]
    assert {k: v for k, v in msgs[0]["state"].items() if k != "server_now"} == \
        {k: v for k, v in snapshot.items() if k != "server_now"}
    assert msgs[0]["state"]["queue"].index(snapshot["queue"][1]) == 1


def test_messages_prepared_for_a_commit_that_fails_are_never_sent(hall):
    app, rt, phone, rid = hall
    with rt.read() as s:
        v = s.scalar(select(Meeting.version).where(Meeting.code == DEMO_CODE))

    def refuse(session):
        raise RuntimeError("disk full")

    event.listen(rt.write_session, "before_commit", refuse)
    try:
        with pytest.raises(RuntimeError):
            reqs.move(rt, DEMO_CODE, CHAIR, rid, "down")
    finally:
        event.remove(rt.write_session, "before_commit", refuse)
    assert public_messages(phone) == []
    with rt.read() as s:
        assert s.scalar(select(Meeting.version).where(Meeting.code == DEMO_CODE)) == v
    # the next change publishes its own, committed version (the failed one left nothing in the cache)
    reqs.move(rt, DEMO_CODE, CHAIR, rid, "down")
    msgs = public_messages(phone)
    assert [m["v"] for m in msgs] == [v + 1]
    with app.test_client() as c:
        assert c.get(f"/api/v1/meetings/{DEMO_CODE}/public").get_json()["queue"] == msgs[0]["state"]["queue"]

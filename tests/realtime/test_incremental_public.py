"""A chair action that only moves the queue builds the hall's public state from the previous one (services/views.py
PublicInputs): same members, same counters, the queue re-sorted by the new ranks. It may do so only from the
version just before its own, and only if it touched no request beyond its rank. Here every broadcast a real phone
receives is compared with the state computed from the database at that version, while the server's moves alternate
with changes made by another process (a second worker, the CLI) — a rename, a move, a request leaving the queue —
on SQLite and PostgreSQL."""
from sqlalchemy import select

from moderator.db.models import Meeting
from moderator.domain.enums import Role
from moderator.services import requests as reqs, views
from moderator.services.uow import Actor, UnitOfWork
from tests.realtime.test_live_server import Listener

OTHER_CHAIR = Actor(Role.CHAIR, "other-worker")


def _from_database(rt) -> dict:
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == "DEMO")).one()
        state = views.public_state(s, m)
    state.pop("server_now")
    return state


def _received(phone, v: int) -> dict:
    msg = phone.wait_for("public", lambda m: m["v"] == v)
    state = dict(msg["state"])
    state.pop("server_now")
    return state


def test_every_broadcast_is_the_state_of_its_version(hall):
    srv, other = hall
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    for r in [r for r in staff["requests"] if r["status"] == "submitted"][:3]:
        assert srv.api("POST", f"/meetings/DEMO/requests/{r['id']}/accept", role="chair", json={}).ok
    queue = sorted((r for r in srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["requests"]
                    if r["status"] == "accepted"), key=lambda r: (r.get("queue_position") or 0, r["ticket"]))
    assert len(queue) >= 3
    head, second = queue[0], queue[1]
    phone = Listener(srv.url, {"meeting": "DEMO", "scope": "public"})

    def server_move(rid, to):
        assert srv.api("POST", f"/meetings/DEMO/queue/{rid}/move", role="chair", json={"to": to}).ok
        v = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["v"]
        assert _received(phone, v) == _from_database(other)
        return v

    try:
        server_move(head["id"], "down")
        server_move(head["id"], "up")          # built from the one before

        # Another process renames the head of the queue (not a rank): the server's next move must show it.
        with UnitOfWork(other, "DEMO", OTHER_CHAIR, "edit", f"request:{head['id']}") as uow:
            uow.request(head["id"]).full_name = "Nguyễn Văn Đổi Tên"
        server_move(head["id"], "down")
        assert any(n["name"] == "Nguyễn Văn Đổi Tên" for n in _from_database(other)["next"])

        # Another process moves the queue: the server's next move starts from that order, not its own last one.
        reqs.move(other, "DEMO", OTHER_CHAIR, second["id"], "top")
        server_move(head["id"], "up")

        # A request leaves the queue elsewhere (counters and members change); then the server moves again twice.
        with UnitOfWork(other, "DEMO", OTHER_CHAIR, "decline", f"request:{second['id']}") as uow:
            uow.request(second["id"]).status = "declined"
        v = server_move(head["id"], "down")
        state = _received(phone, v)
        assert second["ticket"] not in state["queue"]
        server_move(head["id"], "up")
    finally:
        phone.close()

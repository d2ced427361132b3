"""The public state after a chair action takes the field and unit names and the programme from memory
(services/views.py SetupCache, docs/performance.md), keyed by the meeting's setup_stamp. Whoever changes the
setup — this server, another worker, the CLI — renews the stamp in the same commit (db/models.py), so the next
broadcast shows the new names. Here the change is made by another process on the same database, as a second
worker would; the real server (eventlet) and a real socket client watch the result, on SQLite and PostgreSQL."""
from sqlalchemy import select

from moderator.db.models import Field, Meeting, ProgrammeStep, Request, Unit
from moderator.domain.enums import Role
from moderator.services import organiser
from moderator.services.runtime import Runtime
from moderator.services.uow import Actor
from tests.realtime.test_live_server import Listener

ORGANISER = Actor(Role.ORGANISER, "admin1")


def _queue_head(srv) -> dict:
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    for r in [r for r in staff["requests"] if r["status"] == "submitted" and r["field_id"]][:2]:
        assert srv.api("POST", f"/meetings/DEMO/requests/{r['id']}/accept", role="chair", json={}).ok
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    queued = sorted((r for r in staff["requests"] if r["status"] == "accepted"),
                    key=lambda r: (r.get("queue_position") or 0, r["ticket"]))
    return queued[0]


def test_names_and_programme_changed_elsewhere_reach_the_next_broadcast(hall):
    srv, other = hall
    head = _queue_head(srv)
    phone = Listener(srv.url, {"meeting": "DEMO", "scope": "public"})
    try:
        assert srv.api("POST", f"/meetings/DEMO/queue/{head['id']}/move", role="chair", json={"to": "down"}).ok
        first = phone.wait_for("public", lambda m: head["ticket"] in [n["ticket"] for n in m["state"]["next"]])
        shown = next(n for n in first["state"]["next"] if n["ticket"] == head["ticket"])
        assert shown["field"] == head["field"] != ""          # the cache is filled with the old name

        with other.read() as s:
            m = s.scalars(select(Meeting).where(Meeting.code == "DEMO")).one()
            stamp = m.setup_stamp
            fld = s.get(Field, head["field_id"])
            titles = list(s.scalars(select(ProgrammeStep.title).where(ProgrammeStep.meeting_id == m.id)
                                    .order_by(ProgrammeStep.position)))
        organiser.update_field(other, ORGANISER, "DEMO", fld.id, "Đất đai và môi trường (đổi tên)",
                               fld.default_unit_id)
        organiser.set_programme(other, ORGANISER, "DEMO", titles + ["Bế mạc hội nghị (bổ sung)"])
        with other.read() as s:
            assert s.scalars(select(Meeting.setup_stamp).where(Meeting.code == "DEMO")).one() != stamp

        assert srv.api("POST", f"/meetings/DEMO/queue/{head['id']}/move", role="chair", json={"to": "up"}).ok
        after = phone.wait_for("public", lambda m: m["v"] > first["v"] + 1)
        shown = next(n for n in after["state"]["next"] if n["ticket"] == head["ticket"])
        assert shown["field"] == "Đất đai và môi trường (đổi tên)"
        assert after["state"]["meeting"]["steps"][-1] == "Bế mạc hội nghị (bổ sung)"
        snapshot = srv.api("GET", "/meetings/DEMO/public").json()
        assert snapshot["meeting"]["steps"] == after["state"]["meeting"]["steps"]
    finally:
        phone.close()


def test_every_kind_of_setup_change_renews_the_stamp(tmp_path):
    """Adding, renaming and removing units and fields, and rewriting the programme: each commit gives the meeting
    a new stamp (and a change to a request does not)."""
    from moderator.demo import ensure_demo
    from moderator.services import requests as reqs
    rt = Runtime.from_url(f"sqlite:///{tmp_path / 'm.db'}")
    from moderator.db.migrate import upgrade
    upgrade(rt.engine)
    ensure_demo(rt, str(tmp_path))

    def stamp():
        with rt.read() as s:
            return s.scalars(select(Meeting.setup_stamp).where(Meeting.code == "DEMO")).one()

    seen = [stamp()]

    def renewed():
        now = stamp()
        assert now and now not in seen
        seen.append(now)

    uid = organiser.add_unit(rt, ORGANISER, "DEMO", "Phòng Văn hóa – Thông tin")
    renewed()
    organiser.rename_unit(rt, ORGANISER, "DEMO", uid, "Phòng Văn hóa và Thông tin")
    renewed()
    fid = organiser.add_field(rt, ORGANISER, "DEMO", "Văn hóa, thể thao", uid)
    renewed()
    organiser.update_field(rt, ORGANISER, "DEMO", fid, "Văn hóa – thể thao", None)
    renewed()
    organiser.remove_field(rt, ORGANISER, "DEMO", fid)
    renewed()
    organiser.remove_unit(rt, ORGANISER, "DEMO", uid)
    renewed()
    organiser.set_programme(rt, ORGANISER, "DEMO", ["Khai mạc", "Đối thoại", "Bế mạc"])
    renewed()
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == "DEMO")).one()
        assert [u.name for u in s.scalars(select(Unit).where(Unit.meeting_id == m.id))]
        rid = s.scalars(select(Request.id).where(Request.meeting_id == m.id, Request.status == "submitted")).first()
    reqs.decide(rt, "DEMO", Actor(Role.CHAIR, "chair"), rid, reqs.Decision("accept"))
    assert stamp() == seen[-1]
    rt.engine.dispose()

"""Personal data: the purge button erases phone and address of closed requests past the retention period and
nothing else; a person's data can be exported or erased on request; every such action is audited."""
import json
from datetime import timedelta

from sqlalchemy import select

from moderator.db.models import AuditLog, Meeting, Request, utcnow
from moderator.domain.enums import Role, Source, SubmitterKind
from moderator.services.requests import NewRequest, submit
from moderator.services.uow import Actor

from .helpers import login
from .test_setup import create

STAFF = Actor(Role.ORGANISER, "test")


def file(rt, code, name, phone, address="Số 1 đường A"):
    req, _ = submit(rt, code, STAFF, NewRequest(kind=SubmitterKind.CITIZEN, full_name=name, content=f"Ý kiến về đường xóm {phone[-2:]}",
                                                phone=phone, address=address, locality="Xóm 1", source=Source.PAPER))
    return req.id


def set_state(rt, rid, status, closed_days_ago):
    with rt.write_session() as s:
        r = s.get(Request, rid)
        r.status = status
        r.closed_at = utcnow() - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
        s.commit()


def test_purge_removes_exactly_what_it_should(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)          # retention 90 days by default
    ids = {
        "old_answered": file(rt, code, "An", "0912000001"),
        "old_declined": file(rt, code, "Bình", "0912000002"),
        "recent_answered": file(rt, code, "Chi", "0912000003"),
        "old_but_open_written": file(rt, code, "Dũng", "0912000004"),
        "waiting": file(rt, code, "Em", "0912000005"),
    }
    set_state(rt, ids["old_answered"], "answered", 120)
    set_state(rt, ids["old_declined"], "declined", 91)
    set_state(rt, ids["recent_answered"], "answered", 10)
    set_state(rt, ids["old_but_open_written"], "written", None)
    page = client.get(f"/admin/meetings/{code}/privacy").get_data(as_text=True)
    assert "Hiện có 2 phiếu đến hạn xóa" in page
    r = client.post(f"/admin/meetings/{code}/privacy/purge", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "của 2 phiếu" in client.get(r.headers["Location"]).get_data(as_text=True)
    with rt.read() as s:
        rows = {k: s.get(Request, v) for k, v in ids.items()}
        for k in ("old_answered", "old_declined"):
            assert rows[k].phone is None and rows[k].address is None and rows[k].contact_purged_at is not None
            assert rows[k].full_name and rows[k].content.startswith("Ý kiến")     # the record stays
        for k in ("recent_answered", "old_but_open_written", "waiting"):
            assert rows[k].phone and rows[k].address == "Số 1 đường A" and rows[k].contact_purged_at is None
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "purge_contact")).one()
        assert sorted(audit.after["request_ids"]) == sorted([ids["old_answered"], ids["old_declined"]])
        assert audit.actor.startswith("organiser:admin")
        # Shorter retention set by the organiser: the recent one goes too on the next purge.
        m = s.scalars(select(Meeting).where(Meeting.code == code)).one()
    with rt.write_session() as s:
        s.get(Meeting, m.id).retention_days = 5
        s.commit()
    client.post(f"/admin/meetings/{code}/privacy/purge", data={"csrf_token": csrf})
    with rt.read() as s:
        assert s.get(Request, ids["recent_answered"]).phone is None
        assert s.get(Request, ids["waiting"]).phone == "0912000005"


def test_person_export_and_erase(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    a1 = file(rt, code, "Nguyễn Thị Yêu Cầu", "0987654321", "Số 9 ngõ 3")
    a2 = file(rt, code, "Nguyễn Thị Yêu Cầu", "0987654321", "Số 9 ngõ 3")
    other = file(rt, code, "Người Khác", "0912111222")
    r = client.post(f"/admin/meetings/{code}/privacy/export", data={"csrf_token": csrf, "who": "098 765 4321"})
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    data = json.loads(r.get_data(as_text=True))
    assert len(data["requests"]) == 2 and data["requests"][0]["address"] == "Số 9 ngõ 3"
    r = client.post(f"/admin/meetings/{code}/privacy/export", data={"csrf_token": csrf, "who": "0900000000"})
    assert r.status_code == 404 and "Không tìm thấy" in r.get_data(as_text=True)
    r = client.post(f"/admin/meetings/{code}/privacy/erase", data={"csrf_token": csrf, "who": "0987654321"})
    assert r.status_code == 400                                  # confirmation box not ticked
    r = client.post(f"/admin/meetings/{code}/privacy/erase",
                    data={"csrf_token": csrf, "who": "0987654321", "confirm": "1"})
    assert r.status_code == 200 and "Đã xóa thông tin cá nhân trên các phiếu số: 1, 2" in r.get_data(as_text=True)
    with rt.read() as s:
        for rid in (a1, a2):
            q = s.get(Request, rid)
            assert (q.phone, q.address, q.locality) == (None, None, "") and "Yêu Cầu" not in q.full_name
            assert q.content.startswith("Ý kiến")
        assert s.get(Request, other).phone == "0912111222"
        logs = s.scalars(select(AuditLog).where(AuditLog.meeting_id.is_not(None))).all()
        assert {"export_person", "erase_person"} <= {a.action for a in logs}
        # No audit row keeps the erased name, phone or address.
        dump = json.dumps([[a.before, a.after] for a in logs], ensure_ascii=False)
        assert "Yêu Cầu" not in dump and "0987654321" not in dump and "Số 9 ngõ 3" not in dump


def test_purge_also_erases_the_source_address_hash(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    phone_actor = Actor(Role.DELEGATE, "dev1", device_hash="d" * 64, source_hash="s" * 32)
    req, _ = submit(rt, code, phone_actor, NewRequest(
        kind=SubmitterKind.CITIZEN, full_name="Gia", content="Ý kiến từ điện thoại", phone="0912000009",
        address="Xóm 2", consent=True, source=Source.PHONE))
    with rt.read() as s:
        assert s.get(Request, req.id).source_hash == "s" * 32
    set_state(rt, req.id, "answered", 120)
    client.post(f"/admin/meetings/{code}/privacy/purge", data={"csrf_token": csrf})
    with rt.read() as s:
        r = s.get(Request, req.id)
        assert r.source_hash is None and r.phone is None and r.contact_purged_at is not None

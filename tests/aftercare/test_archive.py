"""A meeting held offline on a commune's laptop (SQLite) is exported as one file and imported into the province's
server (PostgreSQL), idempotently; personal data travels only when asked; the citizen's ticket link works there."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
import requests
from sqlalchemy import text

from moderator.db.engine import make_engine

from moderator.services import archive
from tests.support.server import ROOT, ServerProcess

from .test_follow import answer_in_writing, file_request


def cli(args, env_extra, instance) -> subprocess.CompletedProcess:
    env = {**os.environ, "MODERATOR_INSTANCE": str(instance), **env_extra}
    return subprocess.run([sys.executable, "-m", "moderator.cli", *args], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=120)


def hold_meeting(client, demo) -> dict:
    chair = {"X-Role-Key": demo["chair"]}
    mine = file_request(client, "dev-archive", phone="0966 123 456", address="Số 12, xóm Thượng ADDRARCH12")
    merged = file_request(client, "dev-archive-2", content="Kênh tưới bị bồi lấp.")
    assert client.post("/api/v1/meetings/DEMO/merge", headers=chair,
                       json={"target_id": mine["id"], "source_ids": [merged["id"]]}).status_code == 200
    answer_in_writing(client, demo, chair, mine["id"], "Kênh được nạo vét trong quý I năm 2027.")
    assert client.post(f"/k/{mine['follow_code']}/rating", data={"satisfied": "1"}).status_code == 303
    r = client.put(f"/api/v1/meetings/DEMO/minutes/entries/{mine['id']}", headers={"X-Role-Key": demo["secretary"]},
                   json={"expected_revision": 0, "summary": "Bà Dung đề nghị nạo vét kênh tưới (thư ký ghi)."})
    assert r.status_code == 200, r.get_json()
    return mine


def test_commune_meeting_goes_to_the_province_and_is_followed_there(client, rt, demo, tmp_path, pg_url):
    mine = hold_meeting(client, demo)
    data, name = archive.export_meeting(rt, "DEMO")
    assert name == "luu-tru-DEMO.zip"
    z = zipfile.ZipFile(io.BytesIO(data))
    assert {n for n in z.namelist() if n.startswith("documents/")} == {
        "documents/bien-ban-DEMO.docx", "documents/thong-bao-ket-luan-DEMO.docx",
        "documents/tong-hop-kien-nghi-DEMO.xlsx"}
    everything = b"".join(z.read(n) for n in z.namelist())
    for private in (b"0966123456", "ADDRARCH12".encode(), b"dev-archive"):
        assert private not in everything, private
    for doc in ("documents/bien-ban-DEMO.docx", "documents/tong-hop-kien-nghi-DEMO.xlsx"):
        inner = zipfile.ZipFile(io.BytesIO(z.read(doc)))
        assert not any(b"0966123456" in inner.read(n) for n in inner.namelist())
    path = tmp_path / name
    path.write_bytes(data)

    province = {"DATABASE_URL": pg_url}
    first = cli(["import-meeting", str(path)], province, tmp_path / "province")
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    engine = make_engine(pg_url)

    def counts():
        with engine.connect() as c:
            mid = c.execute(text("SELECT id FROM meeting WHERE code = 'DEMO'")).scalar_one()
            return {t: c.execute(text(f"SELECT count(*) FROM {t} WHERE meeting_id = :m"), {"m": mid}).scalar_one()
                    for t in ("request", "unit", "field", "programme_step", "minutes_entry", "rating", "audit_log")}

    after_first = counts()
    with rt.read() as s:
        from sqlalchemy import func, select
        from moderator.db.models import AuditLog, Request
        hall_requests = s.scalar(select(func.count()).select_from(Request))
        hall_audit = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.meeting_id.is_not(None)))
    assert after_first["request"] == hall_requests and after_first["rating"] == 1
    assert after_first["audit_log"] == hall_audit + 1 and after_first["minutes_entry"] == 1
    again = cli(["import-meeting", str(path)], province, tmp_path / "province")
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert counts() == after_first
    with engine.connect() as c:
        row = c.execute(text("SELECT phone, address, status, answer_summary FROM request WHERE follow_code = :c"),
                        {"c": mine["follow_code"]}).one()
        merged_ok = c.execute(text("SELECT count(*) FROM request r JOIN request t ON t.id = r.merged_into_id "
                                   "WHERE r.status = 'merged' AND t.follow_code = :c"),
                              {"c": mine["follow_code"]}).scalar_one()
    assert row.phone is None and row.address is None and row.status == "answered"
    assert row.answer_summary == "Kênh được nạo vét trong quý I năm 2027." and merged_ok == 1

    # A later archive of the same meeting (a new answer posted in the commune) replaces the imported copy.
    late = file_request(client, "dev-archive-3", content="Đề nghị làm cầu qua kênh.")
    newer, _ = archive.export_meeting(rt, "DEMO", personal=True)
    assert b"0966123456" in zipfile.ZipFile(io.BytesIO(newer)).read("archive.json")
    path.write_bytes(newer)
    replaced = cli(["import-meeting", str(path)], province, tmp_path / "province")
    assert replaced.returncode == 0 and "replaced" in replaced.stdout, replaced.stderr
    assert counts()["request"] == after_first["request"] + 1
    with engine.connect() as c:
        assert c.execute(text("SELECT phone FROM request WHERE follow_code = :c"),
                         {"c": mine["follow_code"]}).scalar_one() == "0966123456"   # asked for: it travelled
        assert c.execute(text("SELECT count(*) FROM request WHERE follow_code = :c"),
                         {"c": late["follow_code"]}).scalar_one() == 1
    engine.dispose()

    # The province's server answers the citizen's ticket link.
    srv = ServerProcess(tmp_path / "province", demo=False, env=province).start()
    try:
        page = requests.get(f"{srv.url}/k/{mine['follow_code']}", timeout=10).text
        assert "Kênh được nạo vét trong quý I năm 2027." in page and "0966123456" not in page
    finally:
        srv.stop()


def test_a_different_meeting_with_the_same_code_and_junk_are_refused(client, rt, demo, tmp_path):
    data, _ = archive.export_meeting(rt, "DEMO")
    doc_path = tmp_path / "a.zip"
    doc_path.write_bytes(data)
    other = tmp_path / "other"
    created = cli(["create-admin", "--username", "x", "--password", "mat-khau-rat-dai"], {}, other)
    assert created.returncode == 0
    from moderator.services.runtime import Runtime
    from moderator.demo import ensure_demo
    other_rt = Runtime.from_url(f"sqlite:///{other / 'moderator.db'}")
    ensure_demo(other_rt, str(other))                    # its own DEMO meeting
    other_rt.engine.dispose()
    r = cli(["import-meeting", str(doc_path)], {}, other)
    assert r.returncode == 2 and "đã được dùng cho một hội nghị khác" in r.stderr
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    r = cli(["import-meeting", str(junk)], {}, other)
    assert r.returncode == 2 and "không phải bản lưu trữ" in r.stderr


def test_the_organiser_exports_and_imports_from_the_admin_pages(client, rt, demo, tmp_path):
    from moderator import create_app
    from moderator.config import Config
    from tests.admin.helpers import login
    login(client, rt)
    page = client.get("/admin/meetings/DEMO").get_data(as_text=True)
    assert 'id="archive-export"' in page
    plain = client.get("/admin/meetings/DEMO/archive.zip")
    assert plain.status_code == 200 and plain.mimetype == "application/zip"
    personal = client.get("/admin/meetings/DEMO/archive.zip?personal=1")
    assert personal.status_code == 200
    with rt.read() as s:
        from sqlalchemy import select
        from moderator.db.models import AuditLog
        assert s.scalars(select(AuditLog).where(AuditLog.action == "export_with_phone",
                                                AuditLog.target == "archive")).first() is not None

    province = create_app(Config(TESTING=True, ASYNC_MODE="threading", SECRET_KEY="province-secret",
                                 DATABASE_URL=f"sqlite:///{tmp_path / 'province.db'}"))
    other = province.test_client()
    csrf = login(other, province.extensions["moderator"])
    upload = lambda body: other.post("/admin/archive/import", data={  # noqa: E731
        "csrf_token": csrf, "archive": (io.BytesIO(body), "luu-tru-DEMO.zip")}, content_type="multipart/form-data")
    r = upload(plain.data)
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/meetings/DEMO")
    assert "Đã nhập hội nghị DEMO" in other.get("/admin/meetings/DEMO").get_data(as_text=True)
    r = upload(plain.data)
    assert "không có gì thay đổi" in other.get(r.headers["Location"]).get_data(as_text=True)
    r = upload(b"not a zip")
    assert r.status_code == 303
    assert "không phải bản lưu trữ" in other.get(r.headers["Location"]).get_data(as_text=True)

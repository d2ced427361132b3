"""The hall laptop is never a single point of failure: `moderator backup --every` copies the live SQLite database
to a folder (a USB stick) while the meeting runs; the server is killed mid-meeting (kill -9); `moderator restore`
brings the last backup back on a second instance, which serves the meeting having lost at most the window."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time

import requests

from moderator.services.backup import backups_in
from tests.support.server import ROOT, ServerProcess

EVERY = 1.0          # the backup window for the test (`--every 1s`); a hall would use 5m


def cli(instance, *args, timeout=60) -> subprocess.CompletedProcess:
    env = {**os.environ, "MODERATOR_INSTANCE": str(instance)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "moderator.cli", *args], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=timeout)


def submit(srv, i: int) -> requests.Response:
    return requests.post(srv.url + "/api/v1/meetings/DEMO/requests", timeout=5,
                         headers={"X-Device-Token": f"backup-dev-{i % 50}"},
                         json={"kind": "citizen", "full_name": f"Đại biểu {i}", "phone": "0912345678",
                               "address": "Xóm 1", "content": f"Ý kiến sao lưu số {i:05d}", "consent": True,
                               "idempotency_key": f"bk-{i}"})


def test_kill_mid_meeting_and_restore_the_last_backup_elsewhere(tmp_path):
    usb = tmp_path / "usb"
    srv = ServerProcess(tmp_path / "hall", demo=True, env={"MODERATOR_RATE_IP": "100000",
                                                           "MODERATOR_RATE_DEVICE": "100000"}).start()
    env = {**os.environ, "MODERATOR_INSTANCE": str(srv.instance)}
    env.pop("DATABASE_URL", None)
    backer = subprocess.Popen([sys.executable, "-m", "moderator.cli", "backup", "--every", "1s", "--to", str(usb),
                               "--keep", "5"], cwd=str(ROOT), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    acked: dict[int, float] = {}      # submission -> when its 2xx arrived
    stop = threading.Event()

    def meeting():
        i = 0
        while not stop.is_set():
            try:
                if submit(srv, i).status_code in (200, 201):
                    acked[i] = time.time()
            except requests.RequestException:
                pass
            i += 1
            time.sleep(0.02)

    writer = threading.Thread(target=meeting, daemon=True)
    try:
        writer.start()
        deadline = time.time() + 30
        while len(backups_in(usb)) < 4 and time.time() < deadline:   # several backups taken under writes
            time.sleep(0.1)
        assert len(backups_in(usb)) >= 4, backer.stderr.read() if backer.poll() is not None else "too slow"
        time.sleep(0.5)
        srv.kill()                       # kill -9 mid-meeting
        killed_at = time.time()
        stop.set()
        writer.join(10)
    finally:
        backer.terminate()
        backer.wait(10)
        srv.stop()
    out = backer.stdout.read()
    assert "backed up" in out
    kept = backups_in(usb)
    assert 4 <= len(kept) <= 6              # --keep 5 (and the one being written)
    last = kept[-1]
    taken_at = last.stat().st_mtime

    # The second instance: restore the newest backup in the folder, then serve it.
    second = tmp_path / "province"
    r = cli(second, "restore", str(usb))
    assert r.returncode == 0, r.stderr
    assert "restored" in r.stdout
    r = cli(second, "restore", str(usb))
    assert r.returncode == 2 and "--force" in r.stderr           # never overwrites silently
    srv2 = ServerProcess(second, demo=False).start()
    try:
        con = sqlite3.connect(second / "moderator.db")
        contents = {row[0] for row in con.execute("SELECT content FROM request WHERE content LIKE 'Ý kiến sao lưu%'")}
        versions = con.execute("SELECT version, next_ticket FROM meeting WHERE code = 'DEMO'").fetchone()
        tickets = [row[0] for row in con.execute("SELECT ticket FROM request WHERE meeting_id = "
                                                 "(SELECT id FROM meeting WHERE code = 'DEMO') ORDER BY ticket")]
        con.close()
        restored = {int(c.rsplit(" ", 1)[1]) for c in contents}
        # Everything acknowledged before the last backup began is there (one window of margin for the copy).
        before = {i for i, at in acked.items() if at < taken_at - EVERY}
        assert before and before <= restored, sorted(before - restored)[:10]
        lost = {i for i in acked if i not in restored}
        assert all(acked[i] >= taken_at - EVERY for i in lost)       # lost: only the last window
        assert all(acked[i] <= killed_at for i in lost)
        print(f"acknowledged {len(acked)}, restored {len(restored)}, lost {len(lost)} "
              f"(last backup {killed_at - taken_at:.2f} s before the kill)")
        assert len(tickets) == len(set(tickets)) and versions[1] == max(tickets) + 1   # consistent snapshot
        public = requests.get(srv2.url + "/api/v1/meetings/DEMO/public", timeout=10).json()
        assert public["v"] == versions[0] and public["counts"]["received"] >= len(restored)
        # The restored hall keeps working: a new request gets the next ticket.
        r = submit(srv2, 99_999)
        assert r.status_code == 201 and r.json()["request"]["ticket"] == versions[1]
    finally:
        srv2.stop()


def test_backup_and_restore_refuse_what_they_cannot_do(tmp_path):
    r = cli(tmp_path / "empty", "backup", "--to", str(tmp_path / "usb"))
    assert r.returncode == 2 and "Không có cơ sở dữ liệu" in r.stderr
    r = cli(tmp_path / "x", "backup", "--to", str(tmp_path / "usb"), "--every", "5 phút")
    assert r.returncode == 2 and "Chu kỳ không hợp lệ" in r.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    r = cli(tmp_path / "y", "restore", str(junk))
    assert r.returncode == 2 and "junk.db" in r.stderr
    assert not (tmp_path / "y" / "moderator.db").exists()
    env_pg = {**os.environ, "MODERATOR_INSTANCE": str(tmp_path / "z"), "DATABASE_URL": "postgresql://u@127.0.0.1/x"}
    r = subprocess.run([sys.executable, "-m", "moderator.cli", "backup", "--to", str(tmp_path / "usb")],
                       cwd=str(ROOT), env=env_pg, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "pg_dump" in r.stderr

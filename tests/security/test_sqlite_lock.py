"""Another process holds SQLite's write lock (a backup, a second server): the loop keeps serving everyone.

sqlite3 is C code: a writer waiting on busy_timeout used to freeze the whole eventlet loop (/healthz waited ~10 s).
Here, on the real server in a subprocess: a second process takes `BEGIN IMMEDIATE` on the same file and holds it
for 6 s while phones submit (the first measurements held it 10 s; every wait below scales with it). Meanwhile
/healthz, the public state and a fresh phone's socket answer within 200 ms and a public update already due goes
out on time; a write that waits longer than MODERATOR_DB_BUSY_WAIT gets a clear 503 with Retry-After (and wrote
nothing); a write that is still waiting when the lock is released completes. Nothing acknowledged is lost."""
from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time

import pytest
import requests
import socketio

from tests.support.server import ServerProcess

HOLD_SECONDS = 6.0
BUSY_WAIT = 2.5        # the server's MODERATOR_DB_BUSY_WAIT in this test
LIMIT_MS = 200.0       # the figure

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
print("released", flush=True)
"""


def submission(n: int) -> dict:
    return {"kind": "citizen", "full_name": f"Người thử khóa {n}", "phone": "0912 345 678", "address": "Xóm 2",
            "content": f"Ý kiến số {n} trong lúc cơ sở dữ liệu bị khóa.", "consent": True,
            "idempotency_key": f"lock-test-{n}"}


def submit(srv: ServerProcess, n: int, out: dict, timeout: float = 30) -> None:
    t0 = time.monotonic()
    r = requests.post(srv.url + "/api/v1/meetings/DEMO/requests", json=submission(n), timeout=timeout,
                      headers={"X-Device-Token": f"lock-test-device-{n:04d}"})
    out[n] = (r, time.monotonic() - t0, time.monotonic())


def staff_contents(srv: ServerProcess) -> list[str]:
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    return [r["content"] for r in staff["requests"]]


@pytest.fixture
def lock_server(tmp_path, request):
    srv = ServerProcess(tmp_path / "instance", demo=True, async_mode=request.param,
                        env={"MODERATOR_DB_BUSY_WAIT": str(BUSY_WAIT), "MODERATOR_RATE_IP": "100000"}).start()
    yield srv
    srv.stop()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lock_server", ["eventlet", "gevent", "threading"], indirect=True)
def test_the_loop_keeps_answering_while_another_process_holds_the_write_lock(lock_server):
    srv = lock_server
    db_path = srv.instance / "moderator.db"
    before = staff_contents(srv)

    public: list[tuple[float, int]] = []
    watcher = socketio.Client(reconnection=False)
    watcher.on("public", lambda msg: public.append((time.monotonic(), msg["v"])))
    watcher.connect(srv.url, auth={"meeting": "DEMO", "scope": "public"}, transports=["websocket"], wait_timeout=10)

    # A delegate's change just before the lock: its public message goes out at once, a second one within the
    # delegate coalescing window (1 s) is sent when the window ends, i.e. while the lock is held.
    results: dict[int, tuple] = {}
    submit(srv, 0, results)
    submit(srv, 1, results)
    assert results[0][0].status_code == 201 and results[1][0].status_code == 201
    trailing_due = time.monotonic() + 1.0

    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path), str(HOLD_SECONDS)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        locked_at = time.monotonic()
        public_before = len(public)
        # Two writers wait longer than BUSY_WAIT: one on the lock, one for the write connection; both get a 503.
        early = [threading.Thread(target=submit, args=(srv, n, results)) for n in (2, 4)]
        for t in early:
            t.start()
        late: threading.Thread | None = None

        health_ms, public_ms, socket_ms, phones = [], [], [], []
        while time.monotonic() < locked_at + HOLD_SECONDS - 0.5:
            t0 = time.monotonic()
            r = requests.get(srv.url + "/healthz", timeout=15)
            health_ms.append((time.monotonic() - t0) * 1000)
            assert r.status_code == 200, r.text
            t0 = time.monotonic()
            r = requests.get(srv.url + "/api/v1/meetings/DEMO/public", timeout=15)
            public_ms.append((time.monotonic() - t0) * 1000)
            assert r.status_code == 200
            if len(socket_ms) < 3 and time.monotonic() > locked_at + 1.5 * len(socket_ms) + 1:
                phone = socketio.Client(reconnection=False)
                t0 = time.monotonic()
                phone.connect(srv.url, auth={"meeting": "DEMO"}, transports=["websocket"], wait_timeout=10)
                socket_ms.append((time.monotonic() - t0) * 1000)
                phones.append(phone)    # hung up after the loop: a client's disconnect may take seconds (threading)
            if late is None and time.monotonic() > locked_at + HOLD_SECONDS - BUSY_WAIT + 1:
                late = threading.Thread(target=submit, args=(srv, 3, results))   # still waiting at release: 201
                late.start()
            time.sleep(0.05)
        assert holder.stdout.readline().strip() == "released"
        released_at = time.monotonic()
    finally:
        holder.kill()
        holder.wait(10)
    for t in (*early, late):
        t.join(30)
    # All at once: under threading each client's goodbye waits ~3 s for the server's close.
    goodbyes = [threading.Thread(target=c.disconnect) for c in (*phones, watcher)]
    for t in goodbyes:
        t.start()
    for t in goodbyes:
        t.join(30)

    figures = (f"healthz max {max(health_ms):.0f} ms median {statistics.median(health_ms):.0f} ms "
               f"({len(health_ms)} samples); public max {max(public_ms):.0f} ms; "
               f"socket connect {[round(x) for x in socket_ms]} ms")
    print(figures)
    # The loop never froze: the probes during the 10 s answered within the 200 ms. The machine is shared
    # (2 cores, other suites running): a stray probe or two may miss it by scheduling; a frozen loop misses by
    # seconds (all probes waited ~10 s before this change).
    probes = health_ms + public_ms + socket_ms
    slow = [round(x) for x in probes if x >= LIMIT_MS]
    assert len(socket_ms) == 3 and len(health_ms) > 20, figures
    assert max(probes) < 1000 and len(slow) <= max(1, len(probes) // 50), (slow, figures)
    # The public message that fell due during the lock went out on time.
    during = [t for t, _ in public[public_before:] if t < released_at]
    assert during and during[0] - trailing_due < 1.0, (public, trailing_due)   # before: ~9 s late

    for n in (2, 4):
        early_r, early_s, _ = results[n]
        assert early_r.status_code == 503, early_r.text
        err = early_r.json()["error"]
        assert err["code"] == "database_busy" and "thử lại" in err["message"], err
        assert int(early_r.headers["Retry-After"]) >= 1
        assert BUSY_WAIT - 0.5 < early_s < BUSY_WAIT + 1.5, early_s   # one deadline for both waits
    figures += f"; refused after {results[2][1]:.1f} s and {results[4][1]:.1f} s"
    figures += f"; the late write answered {results[3][2] - released_at:+.2f} s after the release"
    print(figures)

    late_r, _, late_done = results[3]
    assert late_r.status_code == 201, late_r.text
    assert late_done >= released_at - 0.2

    # Nothing acknowledged is lost, nothing refused was written; a refused one goes through on retry, once.
    contents = staff_contents(srv)
    new = [c for c in contents if c not in before]
    assert sorted(new) == sorted(submission(n)["content"] for n in (0, 1, 3))
    for _ in range(2):
        retry: dict[int, tuple] = {}
        submit(srv, 2, retry)
        assert retry[2][0].status_code in (200, 201), retry[2][0].text
    assert staff_contents(srv).count(submission(2)["content"]) == 1


@pytest.mark.timeout(60)
def test_the_server_starts_once_another_process_lets_go_of_the_lock(tmp_path):
    """A fresh database file (WAL, no tables yet) locked by another process while the server starts: the
    migrations wait for the lock (up to MODERATOR_DB_BUSY_WAIT) instead of failing the start."""
    instance = tmp_path / "instance"
    instance.mkdir()
    import sqlite3
    sqlite3.connect(instance / "moderator.db").execute("PRAGMA journal_mode=WAL").fetchall()
    # Held longer than the server takes to import and reach its migrations (1-3 s here).
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(instance / "moderator.db"), "6"],
                              stdout=subprocess.PIPE, text=True)
    srv = ServerProcess(instance, demo=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        srv.start()
        assert requests.get(srv.url + "/api/v1/meetings/DEMO/public", timeout=10).status_code == 200
        assert holder.wait(10) == 0 and time.monotonic() - t0 > 5   # it did wait for the release
    finally:
        srv.stop()
        holder.kill()
        holder.wait(10)


@pytest.mark.timeout(60)
def test_a_staff_read_during_the_lock_is_served_though_its_session_touch_cannot_be_written(tmp_path):
    """A staff session's last-seen time is written now and then (services/sessions.py); when that write falls
    during another process's lock, it is skipped after the wait, and the chair's read is still answered."""
    srv = ServerProcess(tmp_path / "instance", demo=True,
                        env={"MODERATOR_DB_BUSY_WAIT": "2", "MODERATOR_SESSION_IDLE_MINUTES": "0.1"}).start()
    holder = None
    try:
        chair = requests.Session()
        r = chair.get(srv.screen_url("chair"), timeout=10)
        assert r.status_code in (200, 404) and chair.cookies, r.status_code   # the link became a session
        assert chair.get(srv.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 200
        time.sleep(2.0)         # past the touch interval (a quarter of the 6 s idle timeout), within the timeout
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(srv.instance / "moderator.db"), "4"],
                                  stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"
        r = chair.get(srv.url + "/api/v1/meetings/DEMO/staff", timeout=20)
        assert r.status_code == 200, r.text[:300]
    finally:
        if holder:
            holder.kill()
            holder.wait(10)
        srv.stop()

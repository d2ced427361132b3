"""Crash safety: `kill -9` of the real server in the middle of a burst of submissions, restart on the same
instance folder and port. Every request that got a 2xx is in the database, retrying every idempotency key creates
nothing twice, and a connected socket client reconnects by itself and catches up."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import socketio

from bench.run import post_submission, staff_contents
from tests.support.server import ServerProcess

N = 300
TAG = "crash"


def _content(i: int) -> str:
    return f"Ý kiến thử tải {TAG} số {i:05d}"


def test_kill9_during_burst_loses_no_acknowledged_request(tmp_path):
    srv = ServerProcess(tmp_path / "instance", demo=True, env={"MODERATOR_RATE_IP": "100000"}).start()
    seen: list[tuple[int, str]] = []        # (v, "m" message | "s" snapshot) as a phone using live.js sees them
    phone = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
    phone.on("public", lambda d: seen.append((d["v"], "m")))

    def on_connect():       # live.js: on every (re)connect, fetch the snapshot
        def fetch():
            for _ in range(20):
                try:
                    seen.append((requests.get(srv.url + "/api/v1/meetings/DEMO/public", timeout=5).json()["v"], "s"))
                    return
                except requests.RequestException:
                    time.sleep(0.2)
        threading.Thread(target=fetch, daemon=True).start()

    phone.on("connect", on_connect)
    try:
        phone.connect(srv.url, transports=["websocket"], auth={"meeting": "DEMO", "device": "crash-watcher"})
        acked: set[int] = set()
        failed: set[int] = set()
        killed = threading.Event()
        lock = threading.Lock()

        def one(i):
            if killed.is_set():
                time.sleep(0.01)
            try:
                r = post_submission(srv.url, i, TAG, timeout=15)
            except requests.RequestException:
                with lock:
                    failed.add(i)
                return
            with lock:
                (acked if r.status_code in (200, 201) else failed).add(i)
                if len(acked) >= 80 and not killed.is_set():
                    killed.set()
                    srv.kill()          # SIGKILL: no shutdown handler runs

        with ThreadPoolExecutor(max_workers=12) as ex:
            list(ex.map(one, range(N)))
        assert killed.is_set() and srv.proc.poll() is not None
        assert 80 <= len(acked) < N, (len(acked), len(failed))
        v_before = max(v for v, _ in seen)

        srv.restart()               # same instance folder, same port
        contents = staff_contents(srv)
        missing = [i for i in acked if _content(i) not in contents]
        assert missing == [], f"acknowledged but lost after kill -9: {missing}"

        # the phones retry everything they sent: one request per idempotency key, never two
        def retry(i):
            for attempt in range(5):     # as a phone does: again after a moment if the link fails
                try:
                    return post_submission(srv.url, i, TAG, timeout=30).status_code
                except requests.RequestException as e:
                    last = e
                    time.sleep(0.5 * (attempt + 1))
            raise AssertionError(f"retry of {i} failed: {last}\n" + srv.log_path.read_text()[-2000:])

        statuses = {}
        with ThreadPoolExecutor(max_workers=12) as ex:
            for i, code in zip(range(N), ex.map(retry, range(N))):
                statuses[i] = code
        assert set(statuses.values()) <= {200, 201}, statuses
        assert all(statuses[i] == 200 for i in acked), "a retry of an acknowledged request created a new one"
        contents = staff_contents(srv)
        counts = {i: contents.count(_content(i)) for i in range(N)}
        assert all(c == 1 for c in counts.values()), {i: c for i, c in counts.items() if c != 1}

        # the phone came back by itself and caught up with the state after the restart
        v_now = requests.get(srv.url + "/api/v1/meetings/DEMO/public", timeout=5).json()["v"]
        assert v_now > v_before
        deadline = time.time() + 10
        while time.time() < deadline and max(v for v, _ in seen) < v_now:
            time.sleep(0.1)
        assert phone.connected
        assert max(v for v, _ in seen) == v_now, (v_before, v_now, seen[-5:])
    finally:
        phone.disconnect()
        srv.stop()

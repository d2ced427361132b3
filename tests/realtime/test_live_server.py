"""The real server (eventlet, subprocess) with real python-socketio clients."""
import csv
import threading
import time
from pathlib import Path

import pytest
import socketio

from tests.support.server import ServerProcess

DEMO_CSV = Path(__file__).resolve().parents[2] / "moderator" / "demo" / "recommendations.csv"


class Listener:
    """A socket client that records every message by event."""

    def __init__(self, url, auth):
        self.events: dict[str, list] = {}
        self.raw: list[tuple[str, object]] = []
        self.cond = threading.Condition()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        for ev in ("public", "staff", "mine", "unit"):
            self.sio.on(ev, self._handler(ev))
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def _handler(self, ev):
        def h(data):
            with self.cond:
                self.events.setdefault(ev, []).append(data)
                self.raw.append((ev, data))
                self.cond.notify_all()
        return h

    def wait_for(self, ev, pred, timeout=5.0):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for msg in self.events.get(ev, []):
                    if pred(msg):
                        return msg
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"no {ev} message matched within {timeout}s: {self.events.get(ev, [])[-3:]}")
                self.cond.wait(left)

    def close(self):
        self.sio.disconnect()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("live") / "instance", demo=True).start()
    yield srv
    srv.stop()


def staff_requests(srv):
    return srv.api("GET", "/meetings/DEMO/staff", role="chair").json()


def test_a_change_reaches_staff_and_public_with_the_next_version(live):
    snap = staff_requests(live)
    v0 = snap["v"]
    rid = next(r["id"] for r in snap["requests"] if r["status"] == "submitted")
    chair = Listener(live.url, {"meeting": "DEMO", "key": live.keys["chair"]})
    projector = Listener(live.url, {"meeting": "DEMO", "key": live.keys["projector"]})
    try:
        r = live.api("POST", f"/meetings/DEMO/requests/{rid}/accept", role="chair", json={})
        assert r.status_code == 200, r.text
        staff = chair.wait_for("staff", lambda m: m["v"] == v0 + 1)
        assert staff["action"] == "accept" and staff["requests"][0]["status"] == "accepted"
        pub = projector.wait_for("public", lambda m: m["v"] >= v0 + 1)
        ticket = staff["requests"][0]["ticket"]
        assert ticket in pub["state"]["queue"]
        assert "staff" not in projector.events    # the projector is not in the staff room
    finally:
        chair.close()
        projector.close()


def test_a_reconnecting_client_catches_up(live):
    chair = Listener(live.url, {"meeting": "DEMO", "key": live.keys["chair"]})
    v_before = staff_requests(live)["v"]
    chair.close()
    rid = next(r["id"] for r in staff_requests(live)["requests"] if r["status"] == "submitted")
    live.api("POST", f"/meetings/DEMO/requests/{rid}/accept", role="chair", json={})
    live.api("PUT", "/meetings/DEMO/message", role="chair", json={"text": "Mời đại biểu chuẩn bị"})
    # Back online: the snapshot carries what was missed, and live messages continue from there.
    chair = Listener(live.url, {"meeting": "DEMO", "key": live.keys["chair"]})
    try:
        snap = staff_requests(live)
        assert snap["v"] == v_before + 2
        assert next(r for r in snap["requests"] if r["id"] == rid)["status"] == "accepted"
        assert snap["meeting"]["message"] == "Mời đại biểu chuẩn bị"
        live.api("PUT", "/meetings/DEMO/message", role="chair", json={"text": ""})
        assert chair.wait_for("staff", lambda m: m["v"] == snap["v"] + 1)["meeting"]["message"] == ""
    finally:
        chair.close()


def test_public_payloads_never_carry_phone_or_address(live):
    rows = list(csv.DictReader(open(DEMO_CSV, encoding="utf-8")))
    phones = {r["phone"] for r in rows}
    phone_like = __import__("re").compile(r"0[35789]\d{8}")
    listeners = [Listener(live.url, {"meeting": "DEMO", "key": live.keys["projector"]}),
                 Listener(live.url, {"meeting": "DEMO"}),                     # an anonymous phone
                 Listener(live.url, {"meeting": "DEMO", "key": live.keys["usher"]})]
    try:
        snap = staff_requests(live)
        pending = [r for r in snap["requests"] if r["status"] == "submitted"][:4]
        for r in pending:
            live.api("POST", f"/meetings/DEMO/requests/{r['id']}/accept", role="chair", json={})
        assert live.api("POST", "/meetings/DEMO/floor/call", role="chair", json={}).status_code == 200
        assert live.api("POST", "/meetings/DEMO/floor/start", role="chair").status_code == 200
        live.api("POST", "/meetings/DEMO/answers", role="chair",
                 json={"request_ids": [pending[0]["id"]], "unit_id": snap["meeting"]["units"][1]["id"],
                       "mode": "hall", "answerer": "Trưởng phòng Kinh tế"})
        assert live.api("POST", "/meetings/DEMO/floor/end", role="chair").status_code == 200
        v_end = staff_requests(live)["v"]
        for lst in listeners:
            lst.wait_for("public", lambda m: m["v"] >= v_end, timeout=5)
        public_text = str([data for lst in listeners for ev, data in lst.raw])
        # The usher's public stream and the usher snapshot hold seats, never contact data.
        public_text += live.api("GET", "/meetings/DEMO/usher", role="usher").text
        public_text += live.api("GET", "/meetings/DEMO/public").text
        assert not phone_like.search(public_text)
        assert not any(p in public_text for p in phones)
        for ev, _ in (x for lst in listeners for x in lst.raw):
            assert ev == "public"
    finally:
        for lst in listeners:
            lst.close()


def test_unknown_meeting_or_revoked_key_is_refused(live):
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(live.url, {"meeting": "NOPE9"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        Listener(live.url, {"meeting": "DEMO", "key": "not-a-key"})


@pytest.mark.services
def test_two_processes_share_one_meeting_through_redis(tmp_path, pg_url, redis_url):
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url}
    a = ServerProcess(tmp_path / "a", demo=True, env=env).start()
    b = ServerProcess(tmp_path / "b", demo=False, env=env).start()
    try:
        assert b.api("GET", "/meetings/DEMO/public").status_code == 200
        on_b = Listener(b.url, {"meeting": "DEMO", "key": a.keys["chair"]})
        try:
            snap = a.api("GET", "/meetings/DEMO/staff", role="chair").json()
            rid = next(r["id"] for r in snap["requests"] if r["status"] == "submitted")
            assert a.api("POST", f"/meetings/DEMO/requests/{rid}/accept", role="chair", json={}).status_code == 200
            msg = on_b.wait_for("staff", lambda m: m["v"] == snap["v"] + 1, timeout=5)
            assert msg["requests"][0]["id"] == rid
            on_b.wait_for("public", lambda m: m["v"] >= snap["v"] + 1, timeout=5)
        finally:
            on_b.close()
    finally:
        a.stop()
        b.stop()

"""The vendored Socket.IO client + Live.connect against a real python-socketio 5 server (threading mode).

Checks protocol compatibility (Engine.IO 4: polling first, then the upgrade to websocket), the auth payload,
snapshots on connect and reconnect, in-order and gap handling with real events, and a refused connection.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from frontend_paths import PAGES, STATIC

from tests.support.browser import wait_in_page

socketio = pytest.importorskip("socketio")
serving = pytest.importorskip("werkzeug.serving")

pytestmark = pytest.mark.browser


class Hall:
    """A tiny stand-in for the app: version counter, snapshot routes, rooms."""

    def __init__(self):
        self.v = 1
        self.auths = []
        self.snapshot_hits = {"public": 0, "staff": 0}
        self.sio = socketio.Server(async_mode="threading", ping_interval=5, ping_timeout=5)
        self.sio.on("connect", self.on_connect)
        self.app = socketio.WSGIApp(
            self.sio, self.snapshots, static_files={"/static": str(STATIC), "/t": str(PAGES)}
        )

    def on_connect(self, sid, environ, auth):
        self.auths.append(auth)
        if not auth or auth.get("meeting") != "ABC" or auth.get("key") != "k":
            raise socketio.exceptions.ConnectionRefusedError("bad key")
        self.sio.enter_room(sid, "public")
        self.sio.enter_room(sid, "staff")

    def snapshots(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/api/public":
            self.snapshot_hits["public"] += 1
            body = {"v": self.v, "state": {"server_now": int(time.time() * 1000) + 3_600_000, "title": "Hội nghị"}}
        elif path == "/api/staff":
            self.snapshot_hits["staff"] += 1
            body = {"v": self.v, "requests": [], "meeting": None}
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        data = json.dumps(body).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def commit(self, *, staff=True, public=True):
        self.v += 1
        if staff:
            self.sio.emit("staff", {"v": self.v, "action": "test", "requests": [], "meeting": None}, room="staff")
        if public:
            state = {"server_now": int(time.time() * 1000) + 3_600_000, "title": f"v{self.v}"}
            self.sio.emit("public", {"v": self.v, "state": state}, room="public")


@pytest.fixture
def hall():
    h = Hall()
    server = serving.make_server("127.0.0.1", 0, h.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sio-server", daemon=True)
    thread.start()
    h.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield h
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


CONNECT = """(key) => {
  window.got = [];
  window.live = Live.connect({
    meeting: "ABC", auth: {key},
    snapshotUrls: {public: "/api/public", staff: "/api/staff"},
    onSnapshot: (kind, data) => got.push(["snapshot:" + kind, data.v]),
    onPublic: (state, v) => got.push(["public", v]),
    onStaff: (msg) => got.push(["staff", msg.v]),
    onStatus: (s) => got.push(["status", s]),
  });
}"""


def open_socket_page(open_page, hall):
    page, errors = open_page(hall.url + "/t/socket.html")
    # a long-poll still in flight when the server drops or refuses the session gets a 400: expected noise
    errors.allow("HTTP 400: " + hall.url + "/socket.io/")
    wait_in_page(page, "!!(window.Live && window.io)")  # (a function value would be called)
    return page, errors


def wait_got(page, item, timeout=10000):
    wait_in_page(page, "item => window.got.some(g => JSON.stringify(g) === JSON.stringify(item))", arg=item,
               timeout=timeout)


def test_live_connect_with_python_socketio(hall, open_page):
    page, errors = open_socket_page(open_page, hall)
    page.evaluate(CONNECT, "k")
    wait_got(page, ["status", "online"])
    wait_got(page, ["snapshot:public", 1])
    wait_got(page, ["snapshot:staff", 1])
    assert hall.auths == [{"meeting": "ABC", "key": "k"}], page.evaluate("window.got")
    # the server clock (1 h ahead here) is taken from the snapshot
    assert abs(page.evaluate("Live.serverNow() - Date.now()") - 3_600_000) < 2000

    # Engine.IO 4 upgrade from polling to websocket
    wait_in_page(page, "window.live.socket.io.engine.transport.name === 'websocket'", timeout=10000)

    hall.commit()  # v2
    wait_got(page, ["staff", 2])
    wait_got(page, ["public", 2])

    hall.commit(staff=False, public=False)  # v3 is lost on the staff stream
    hits = hall.snapshot_hits["staff"]
    hall.commit()  # v4: a gap for staff -> snapshot v4
    wait_got(page, ["snapshot:staff", 4])
    wait_got(page, ["public", 4])
    assert hall.snapshot_hits["staff"] == hits + 1
    assert ["staff", 4] not in page.evaluate("window.got")

    # the connection drops (server closes the transport): reconnect by itself, snapshots again
    page.evaluate("window.got.length = 0")
    for sid, sock in list(hall.sio.eio.sockets.items()):
        # wait=False: engineio's disconnect() waits for the writer to drain its queue, which the threading test
        # server can leave waiting forever (seen hanging a CI run); the client still gets the CLOSE packet.
        sock.close(wait=False)
        hall.sio.eio.sockets.pop(sid, None)
    wait_got(page, ["status", "reconnecting"])
    hall.v += 1  # something happened while it was away
    wait_got(page, ["status", "online"], timeout=15000)
    wait_got(page, ["snapshot:staff", 5])
    wait_got(page, ["snapshot:public", 5])
    hall.commit()
    wait_got(page, ["staff", 6])
    errors.check()


def test_refused_connection_goes_offline(hall, open_page):
    page, errors = open_socket_page(open_page, hall)
    # The refusal can land while the transport is upgrading; the test server (werkzeug, threading) then drops
    # the half-open websocket and Chrome logs a frame error: harness noise, not what this test is about.
    errors.allow("failed: Invalid frame header")
    page.evaluate(CONNECT, "wrong")
    wait_got(page, ["status", "offline"])
    assert page.evaluate("document.querySelector('.reconnecting').textContent") == "Mất kết nối"
    assert hall.snapshot_hits == {"public": 0, "staff": 0}
    errors.check()

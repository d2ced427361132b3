"""One device flooding 100 requests/s is throttled while the other phones of the hall (same IP) are not;
oversize bodies and socket messages are refused cheaply."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from tests.support.server import ServerProcess

BODY = {"kind": "citizen", "full_name": "Trần Văn C", "phone": "0912345678", "address": "Xóm 3",
        "content": "Đề nghị lắp đèn đường.", "consent": True}


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("flood") / "instance", demo=True).start()
    yield srv
    srv.stop()


def post(url, device, i):
    r = requests.post(url, json={**BODY, "idempotency_key": f"{device}-{i}"},
                      headers={"X-Device-Token": device}, timeout=20)
    return r.status_code


def test_flooding_device_is_throttled_and_the_hall_is_not(hall):
    url = hall.url + "/api/v1/meetings/DEMO/requests"
    with ThreadPoolExecutor(max_workers=20) as pool:
        start = time.time()
        flood = list(pool.map(lambda i: post(url, "flooding-phone-0001", i), range(100)))
        flood_seconds = time.time() - start
        others = list(pool.map(lambda d: post(url, f"honest-phone-{d:04d}", 0), range(299)))
    assert flood.count(429) >= 75, (flood_seconds, flood)
    # The flooder's first few got through: the per-device open-request limit (3) stops the rest.
    assert sum(1 for c in flood if c in (200, 201)) <= 3
    assert others.count(201) == 299, {c: others.count(c) for c in set(others)}


def test_oversize_body_is_refused(hall):
    r = requests.post(hall.url + "/api/v1/meetings/DEMO/requests", data=b"{" + b" " * 300_000 + b"}",
                      headers={"Content-Type": "application/json", "X-Device-Token": "big-body-phone"}, timeout=10)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_oversize_socket_message_drops_the_connection(hall):
    sio = socketio.Client(reconnection=False)
    sio.connect(hall.url, auth={"meeting": "DEMO"}, transports=["websocket"], wait_timeout=10)
    try:
        sio.emit("anything", "x" * 300_000)
        deadline = time.time() + 5
        while sio.connected and time.time() < deadline:
            time.sleep(0.1)
        assert not sio.connected
    finally:
        if sio.connected:
            sio.disconnect()
    assert requests.get(hall.url + "/healthz", timeout=5).status_code == 200   # the server shrugged it off

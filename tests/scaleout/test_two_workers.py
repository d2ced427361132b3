"""Scale-out as docs/deployment.md describes it: nginx (Debian's package, deploy/nginx.conf.template) in front of
two workers sharing PostgreSQL and Redis. A phone on one worker sees what the chair did on the other; killing the
worker that serves the phones moves them, through nginx, to the other one with nothing lost."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import requests
import socketio

from bench.run import ChairActions, Fleet, post_submission, staff_contents
from deploy.render_nginx import prepare, render
from tests.support.server import ServerProcess, free_port
from tests.support.services import required

pytestmark = pytest.mark.services


def _nginx() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if path is None:
        msg = "nginx is not installed (apt-get install nginx-light); unset MODERATOR_REQUIRE_SERVICES to skip"
        if required():
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def _wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    from tests.support.services import pg_url_or_skip, redis_url_or_skip
    nginx = _nginx()
    pg, redis_url = pg_url_or_skip(), redis_url_or_skip()
    tmp = tmp_path_factory.mktemp("scaleout")
    env = {"DATABASE_URL": pg, "REDIS_URL": redis_url, "SECRET_KEY": uuid.uuid4().hex * 2,
           "MODERATOR_SOCKETIO_CHANNEL": f"moderator-test-{uuid.uuid4().hex[:8]}", "MODERATOR_PROXIES": "1"}
    a = ServerProcess(tmp / "instance", demo=True, env=env).start(timeout=60)
    b = ServerProcess(tmp / "instance", demo=False, env=env).start(timeout=60)
    b.keys = dict(a.keys)
    prefix = tmp / "nginx"
    prepare(prefix)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(render(str(prefix), f"127.0.0.1:{port}", [f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"]))
    g = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    proc = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g", g], stdout=subprocess.DEVNULL,
                            stderr=open(prefix / "stderr.log", "w"))
    try:
        try:
            _wait_port(port)
        except RuntimeError:
            raise RuntimeError("nginx did not start: " + (prefix / "stderr.log").read_text()
                               + ((prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""))
        front = ServerProcess(tmp / "instance", demo=False, port=port)   # only for .url / .api / .keys
        front.keys = dict(a.keys)
        yield {"a": a, "b": b, "front": front, "nginx": proc, "prefix": prefix}
    finally:
        proc.terminate()
        proc.wait(10)
        for s in (a, b):
            s.stop()


def test_nginx_upgrades_websockets_and_passes_the_api(hall):
    front = hall["front"]
    r = requests.get(front.url + "/healthz", timeout=5)
    assert r.status_code == 200 and r.json()["message_queue"] == "ok"
    assert r.headers["X-Moderator-Upstream"] in (f"127.0.0.1:{hall['a'].port}", f"127.0.0.1:{hall['b'].port}")
    c = socketio.Client(reconnection=False)
    c.connect(front.url, transports=["websocket"], auth={"meeting": "DEMO", "device": "via-nginx"})
    assert c.transport() == "websocket"
    c.disconnect()
    r = requests.post(front.url + "/api/v1/meetings/DEMO/requests", data=b"x" * 200_000,
                      headers={"Content-Type": "application/json"}, timeout=5)
    assert r.status_code == 413


def test_phone_on_one_worker_sees_the_chair_on_the_other(hall):
    a, b = hall["a"], hall["b"]
    got = []
    phone = socketio.Client(reconnection=False)
    phone.on("public", lambda d: got.append(d["v"]))
    staff = socketio.Client(reconnection=False)
    staff_got = []
    staff.on("staff", lambda d: staff_got.append(d["v"]))
    phone.connect(b.url, transports=["websocket"], auth={"meeting": "DEMO", "device": "on-b"})
    staff.connect(b.url, transports=["websocket"], auth={"meeting": "DEMO", "key": b.keys["secretary"]})
    try:
        v, _ = ChairActions(a).act()          # through worker A
        deadline = time.time() + 5
        while time.time() < deadline and (not got or max(got) < v or not staff_got or max(staff_got) < v):
            time.sleep(0.05)
        assert got and max(got) >= v, (got, v)
        assert staff_got and max(staff_got) >= v, (staff_got, v)
    finally:
        phone.disconnect()
        staff.disconnect()


def test_a_retry_racing_its_original_on_two_workers_files_one_request(hall):
    """A phone on a flaky link re-sends while its first attempt is still in flight, each reaching another
    worker: one request, both acknowledged, never a server error."""
    from concurrent.futures import ThreadPoolExecutor
    a, b = hall["a"], hall["b"]
    tag = uuid.uuid4().hex[:6]
    with ThreadPoolExecutor(max_workers=16) as ex:
        for i in range(8):
            urls = [a.url, b.url] * 4
            codes = sorted(r.status_code for r in ex.map(lambda u: post_submission(u, i, tag, timeout=60), urls))
            assert codes == [200] * 7 + [201], codes
    contents = staff_contents(a)
    assert all(contents.count(f"Ý kiến thử tải {tag} số {i:05d}") == 1 for i in range(8))


def test_killing_the_serving_worker_moves_its_phones_with_nothing_lost(hall):   # last: it kills a worker
    front = hall["front"]
    serving = requests.get(front.url + "/healthz", timeout=5).headers["X-Moderator-Upstream"]
    victim = hall["a"] if serving.endswith(f":{hall['a'].port}") else hall["b"]
    other = hall["b"] if victim is hall["a"] else hall["a"]
    fleet = Fleet(front.url, 30, procs=1)
    try:
        assert fleet.connect()["ok"] == 30
        tag = uuid.uuid4().hex[:6]
        acked = [i for i in range(10) if post_submission(front.url, i, tag, timeout=60).status_code == 201]
        assert len(acked) == 10

        victim.kill()                         # kill -9
        # the hall goes on through nginx: submissions and a chair action, all served by the other worker
        for i in range(10, 20):
            r = post_submission(front.url, i, tag, timeout=60)
            assert r.status_code == 201, r.text
            acked.append(i)
        actions = ChairActions(other)
        v, _ = actions.act()
        assert requests.get(front.url + "/healthz", timeout=5).headers["X-Moderator-Upstream"] == \
            f"127.0.0.1:{other.port}"

        assert fleet.wait_all_at(v, timeout=15), {i: m for i, m in fleet.max_v().items() if m < v}
        assert fleet.connected() == 30
        contents = staff_contents(other, front.url)
        assert all(contents.count(f"Ý kiến thử tải {tag} số {i:05d}") == 1 for i in acked)
    finally:
        fleet.stop()

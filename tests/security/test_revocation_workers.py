"""Revocation reaches every worker (issue 12): two workers sharing PostgreSQL and Redis; the organiser revokes a
key (and logs out) on worker A, the sockets it opened on worker B are cut within a second."""
from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.support.server import ServerProcess

from .access_helpers import Listener, cookie_header, create_admin, new_role_link, organiser, revoke, wait_until

pytestmark = pytest.mark.services


@pytest.fixture
def workers(tmp_path, pg_url, redis_url):
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "SECRET_KEY": uuid.uuid4().hex * 2,
           "MODERATOR_SOCKETIO_CHANNEL": f"moderator-test-{uuid.uuid4().hex[:8]}"}
    a = ServerProcess(tmp_path / "a", demo=True, env=env).start(timeout=60)
    b = ServerProcess(tmp_path / "b", demo=False, env=env).start(timeout=60)
    b.keys = dict(a.keys)
    try:
        create_admin(a)
        yield a, b
    finally:
        b.stop()
        a.stop()


def test_revoking_on_one_worker_cuts_sockets_on_the_other(workers):
    a, b = workers
    admin, csrf = organiser(a.url)
    link, key_id = new_role_link(a.url, admin, csrf, "chair", "Đồng chí Phó Bí thư")
    key = link.split("key=", 1)[1]
    browser = requests.Session()
    assert browser.get(link.replace(a.url, b.url), allow_redirects=False, timeout=10).status_code == 303
    by_key = Listener(b.url, {"meeting": "DEMO", "key": key})
    by_cookie = Listener(b.url, {"meeting": "DEMO"}, cookie=cookie_header(browser))
    organiser_socket = Listener(b.url, {"meeting": "DEMO"}, cookie=cookie_header(admin))
    try:
        r = a.api("PUT", "/meetings/DEMO/message", role="chair", json={"text": "Kiểm tra"})
        assert r.status_code == 200
        assert wait_until(lambda: by_key.staff and by_cookie.staff and organiser_socket.staff, 5)

        sent = time.monotonic()
        revoke(a.url, admin, csrf, key_id)
        assert wait_until(lambda: by_key.cut_at and by_cookie.cut_at, 3), "worker B kept the revoked sockets"
        cut = max(by_key.cut_at, by_cookie.cut_at) - sent
        print(f"revoked on A, sockets on B cut after {cut * 1000:.0f} ms")
        assert cut < 1.0
        assert organiser_socket.client.connected            # only what the key opened is cut
        assert browser.get(b.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 403
        assert requests.get(b.url + "/api/v1/meetings/DEMO/staff", headers={"X-Role-Key": key},
                            timeout=10).status_code == 403

        sent = time.monotonic()
        assert admin.post(a.url + "/admin/logout", data={"csrf_token": csrf}, allow_redirects=False,
                          timeout=10).status_code == 303
        assert wait_until(lambda: organiser_socket.cut_at, 3), "worker B kept the logged-out organiser's socket"
        print(f"logout on A, organiser's socket on B cut after {(organiser_socket.cut_at - sent) * 1000:.0f} ms")
        assert organiser_socket.cut_at - sent < 1.0
    finally:
        for listener in (by_key, by_cookie, organiser_socket):
            listener.close()

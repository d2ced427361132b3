"""Access and sessions (issue 12), against the real server: revoking a role key cuts what it opened at once,
logout and the organiser end sessions on the server, idle sessions expire, and cookies carry Secure behind TLS."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
import requests
import socketio

from tests.support.server import ServerProcess

from .access_helpers import (Listener, cookie_header, create_admin, login, new_role_link, organiser, revoke,
                             wait_until)


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("sessions") / "instance", demo=True,
                        env={"MODERATOR_SESSION_IDLE_MINUTES": "240"}).start()
    create_admin(srv)
    yield srv
    srv.stop()


def staff_action(srv: ServerProcess, text: str) -> None:
    """Something that sends a staff message to the meeting's staff room (the chair sets the hall message)."""
    r = srv.api("PUT", "/meetings/DEMO/message", role="chair", json={"text": text})
    assert r.status_code == 200, r.text


def open_link(url: str, link: str) -> requests.Session:
    browser = requests.Session()
    r = browser.get(link, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and "key=" not in r.headers["Location"], (r.status_code, r.headers)
    return browser


def test_revoking_a_key_cuts_its_sockets_and_its_sessions_at_once(hall):
    admin, csrf = organiser(hall.url)
    link, key_id = new_role_link(hall.url, admin, csrf, "secretary", "Thư ký bị lộ liên kết")
    key = link.split("key=", 1)[1]
    browser = open_link(hall.url, link)            # the key became a session grant in this browser's cookie
    assert browser.get(hall.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 200
    by_key = Listener(hall.url, {"meeting": "DEMO", "key": key})
    by_cookie = Listener(hall.url, {"meeting": "DEMO"}, cookie=cookie_header(browser))
    try:
        staff_action(hall, "Trước khi thu hồi")
        assert wait_until(lambda: by_key.staff and by_cookie.staff, 5), "staff sockets got no staff message"

        revoked_at = time.monotonic()
        revoke(hall.url, admin, csrf, key_id)
        assert wait_until(lambda: by_key.cut_at and by_cookie.cut_at, 3)
        cut = max(by_key.cut_at, by_cookie.cut_at) - revoked_at
        print(f"sockets cut {cut * 1000:.0f} ms after the revoke request was sent")
        assert cut < 1.0

        received = len(by_key.staff) + len(by_cookie.staff)
        staff_action(hall, "Sau khi thu hồi: có số điện thoại trong tin nhắn cho cán bộ")
        time.sleep(0.5)
        assert len(by_key.staff) + len(by_cookie.staff) == received
        # Their HTTP calls are refused too: the header key, the session cookie, and a new socket.
        r = requests.get(hall.url + "/api/v1/meetings/DEMO/staff", headers={"X-Role-Key": key}, timeout=10)
        assert r.status_code == 403 and r.json()["error"]["code"] == "key_invalid"
        assert browser.get(hall.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 403
        with pytest.raises(socketio.exceptions.ConnectionError):
            Listener(hall.url, {"meeting": "DEMO", "key": key})
    finally:
        by_key.close()
        by_cookie.close()


def test_logout_ends_the_session_on_the_server(hall):
    admin, csrf = organiser(hall.url)
    captured = cookie_header(admin)                 # what a sniffer on the hall's plain-HTTP Wi-Fi got
    watcher = Listener(hall.url, {"meeting": "DEMO"}, cookie=captured)
    try:
        staff_action(hall, "Ban tổ chức đang theo dõi")
        assert wait_until(lambda: watcher.staff, 5), "the organiser's socket got no staff message"
        r = admin.post(hall.url + "/admin/logout", data={"csrf_token": csrf}, allow_redirects=False, timeout=10)
        assert r.status_code == 303
        assert wait_until(lambda: watcher.cut_at, 2), "the organiser's socket stayed open after logout"
    finally:
        watcher.close()
    replay = requests.get(hall.url + "/admin/meetings/DEMO/keys", headers={"Cookie": captured},
                          allow_redirects=False, timeout=10)
    assert replay.status_code == 302 and "/admin/login" in replay.headers["Location"]
    r = requests.get(hall.url + "/api/v1/meetings/DEMO/staff", headers={"Cookie": captured}, timeout=10)
    assert r.status_code == 403
    # A socket opened with the captured cookie is only an anonymous listener of the public room now.
    replayed = Listener(hall.url, {"meeting": "DEMO"}, cookie=captured)
    try:
        staff_action(hall, "Sau khi ban tổ chức đăng xuất")
        time.sleep(0.7)
        assert replayed.staff == []
    finally:
        replayed.close()


def test_the_organiser_sees_sessions_with_their_idle_expiry_and_ends_one(hall):
    admin, csrf = organiser(hall.url)
    link, _key_id = new_role_link(hall.url, admin, csrf, "chair", "Máy tính bảng của chủ trì")
    tablet = open_link(hall.url, link)
    listener = Listener(hall.url, {"meeting": "DEMO"}, cookie=cookie_header(tablet))
    try:
        page = admin.get(hall.url + "/admin/meetings/DEMO/keys", timeout=10).text
        section = page.split('id="sessions"', 1)[1].split("</section>", 1)[0]
        assert "240 phút" in section and "Tự kết thúc lúc" in section
        rows = re.findall(r'<tr data-session="(\d+)">(.*?)</tr>', section, re.S)
        mine = [(int(i), body) for i, body in rows if "Máy tính bảng của chủ trì" in body]
        assert len(mine) == 1, rows
        session_id, body = mine[0]
        assert "Chủ trì" in body
        opened, last_seen, expires = [datetime.strptime(t, "%d/%m/%Y %H:%M")
                                      for t in re.findall(r"\d\d/\d\d/\d{4} \d\d:\d\d", body)]
        assert expires - last_seen == timedelta(minutes=240) and last_seen >= opened
        r = admin.post(hall.url + f"/admin/meetings/DEMO/sessions/{session_id}/end", data={"csrf_token": csrf},
                       allow_redirects=False, timeout=10)
        assert r.status_code == 303
        assert wait_until(lambda: listener.cut_at, 2), "the ended session's socket stayed open"
        assert tablet.get(hall.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 403
        assert tablet.get(hall.url + "/m/DEMO/chair", timeout=10).status_code == 403
        page = admin.get(hall.url + "/admin/meetings/DEMO/keys", timeout=10).text
        assert f'data-session="{session_id}"' not in page
        # The link itself is still valid (only that session ended): opening it again starts a new session.
        again = open_link(hall.url, link)
        assert again.get(hall.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 200
    finally:
        listener.close()


def test_an_idle_session_expires_and_an_open_screen_keeps_its_own_alive(tmp_path):
    """Idle timeout 3 s here (0.05 min): a browser that made no request for longer is logged out; a screen that
    keeps its socket open is not."""
    srv = ServerProcess(tmp_path / "instance", demo=True, env={"MODERATOR_SESSION_IDLE_MINUTES": "0.05"}).start()
    try:
        idle = open_link(srv.url, srv.screen_url("secretary"))
        screen = open_link(srv.url, srv.screen_url("chair"))
        listener = Listener(srv.url, {"meeting": "DEMO"}, cookie=cookie_header(screen))
        try:
            assert idle.get(srv.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 200
            time.sleep(4.5)
            r = idle.get(srv.url + "/api/v1/meetings/DEMO/staff", timeout=10)
            assert r.status_code == 403, r.text
            assert listener.client.connected
            assert screen.get(srv.url + "/api/v1/meetings/DEMO/staff", timeout=10).status_code == 200
        finally:
            listener.close()
    finally:
        srv.stop()


def test_every_cookie_carries_secure_behind_tls(tmp_path):
    srv = ServerProcess(tmp_path / "instance", demo=True, env={"MODERATOR_PROXIES": "1"}).start()
    try:
        create_admin(srv)
        tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}

        def set_cookies(r: requests.Response) -> list[str]:
            return [v for k, v in r.raw.headers.items() if k.lower() == "set-cookie"]

        seen = []
        for method, path, data in [("GET", "/j/DEMO", None), ("GET", "/lang/en", None),
                                   ("GET", "/api/v1/csrf", None), ("GET", srv.screen_url("chair")[len(srv.url):], None),
                                   ("POST", "/admin/login", {"username": "vanphong", "password": "mat-khau-that-dai-2026"})]:
            r = requests.request(method, srv.url + path, data=data, headers=tls, allow_redirects=False, timeout=10)
            assert r.status_code < 500, (path, r.status_code)
            for c in set_cookies(r):
                seen.append(c.split("=", 1)[0])
                assert "; secure" in c.lower(), (path, c)
        assert {"mdev", "lang", "session"} <= set(seen), seen
        # Plain HTTP in a hall without TLS keeps working: no Secure there, or the browser would drop the cookie.
        r = requests.get(srv.url + "/j/DEMO", timeout=10)
        assert r.cookies.get("mdev") and all("; secure" not in c.lower() for c in set_cookies(r))
    finally:
        srv.stop()

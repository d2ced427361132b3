"""Helpers for the access tests: HTTP clients bound to another loopback address (a stranger in the hall), an
organiser account made through the CLI, role links created through the organiser's page, socket clients that
carry a browser's cookie."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.support.server import ROOT, ServerProcess

PASSWORD = "mat-khau-that-dai-2026"


class SourceAddressAdapter(HTTPAdapter):
    """Connect from a chosen loopback address (127.0.0.2, …): the server sees another phone or laptop."""

    def __init__(self, address: str, **kw):
        self.address = address
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(address: str = "127.0.0.1") -> requests.Session:
    s = requests.Session()
    if address != "127.0.0.1":
        s.mount("http://", SourceAddressAdapter(address))
    return s


def create_admin(srv: ServerProcess, username: str = "vanphong", password: str = PASSWORD) -> None:
    env = {**os.environ, **{k: v for k, v in srv.env.items() if k in ("DATABASE_URL",)},
           "MODERATOR_INSTANCE": str(srv.instance)}
    if "DATABASE_URL" not in srv.env:
        env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "moderator.cli", "create-admin", "--username", username,
                          "--password", password], cwd=str(ROOT), env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(url: str, client: requests.Session | None = None, username: str = "vanphong",
          password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    s = client or requests.Session()
    r = s.post(url + "/admin/login", data={"username": username, "password": password}, allow_redirects=False,
               timeout=10)
    return s, r


def organiser(url: str) -> tuple[requests.Session, str]:
    s, r = login(url)
    assert r.status_code == 303, r.text
    return s, csrf_of(s.get(url + "/admin/meetings/DEMO/keys", timeout=10).text)


def new_role_link(url: str, admin: requests.Session, csrf: str, role: str, label: str) -> tuple[str, int]:
    """A fresh role link made on the organiser's page; returns (its URL, the key's id in the list)."""
    page = admin.post(url + "/admin/meetings/DEMO/keys", data={"role": role, "label": label, "csrf_token": csrf},
                      timeout=10).text
    link = re.search(r'class="small break key-link" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    ids = [int(i) for i in re.findall(r"/admin/meetings/DEMO/keys/(\d+)/revoke", page)]
    return link, max(ids)


def revoke(url: str, admin: requests.Session, csrf: str, key_id: int) -> None:
    r = admin.post(url + f"/admin/meetings/DEMO/keys/{key_id}/revoke", data={"csrf_token": csrf},
                   allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text


def cookie_header(s: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


class Listener:
    """A real python-socketio client that records the staff messages it receives and when it was cut."""

    def __init__(self, url: str, auth: dict, cookie: str | None = None):
        self.staff: list[dict] = []
        self.cut_at: float | None = None
        self.client = socketio.Client(reconnection=False)
        self.client.on("staff", lambda d: self.staff.append(d))
        self.client.on("disconnect", self._gone)
        headers = {"Cookie": cookie} if cookie else {}
        self.client.connect(url, auth=auth, headers=headers, transports=["websocket"], wait_timeout=10)

    def _gone(self, *_reason):
        self.cut_at = time.monotonic()

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()

"""Helpers shared by the hall-screen tests (projector, usher): the chair's API calls, waiting for a page to show
a version, layout checks, screenshots and payload capture."""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "hall"


def chair(srv, method, path, body=None, role="chair"):
    """One call of the chair's console API; it must succeed."""
    r = srv.api(method, "/meetings/DEMO" + path, role=role, json=body if body is not None else {})
    assert r.status_code < 300, (method, path, r.status_code, r.text)
    return r.json()


def public(srv) -> dict:
    r = srv.api("GET", "/meetings/DEMO/public")
    assert r.status_code == 200
    return r.json()


def staff(srv) -> dict:
    return srv.api("GET", "/meetings/DEMO/staff", role="chair").json()


def paper(srv, **fields) -> dict:
    """A request typed in by staff (with phone, address, seat), then accepted into the queue."""
    body = {"content": "Đề nghị xem xét, giải quyết kiến nghị của cử tri.", **fields}
    created = chair(srv, "POST", "/paper", body)
    req = next(r for r in staff(srv)["requests"] if r["id"] == created["id"])
    if req["status"] == "submitted":
        chair(srv, "POST", f"/requests/{created['id']}/accept")
    return created


def set_speaking_seconds(srv, seconds: int) -> None:
    """The organiser's setting (no API for it yet): written straight into the server's SQLite database."""
    con = sqlite3.connect(srv.instance / "moderator.db", timeout=10)
    with con:
        con.execute("UPDATE meeting SET speaking_seconds = ? WHERE code = 'DEMO'", (seconds,))
    con.close()


def dataset(page, root_id: str) -> dict:
    return page.evaluate(f"() => Object.assign({{}}, document.getElementById('{root_id}').dataset)")


def wait_until(fn, timeout=5.0, interval=0.02, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def wait_synced(page, srv, root_id="projector", timeout=5.0):
    """Wait until the page shows at least the server's current public version."""
    v = public(srv)["v"]
    wait_until(lambda: int(dataset(page, root_id).get("v") or -1) >= v, timeout, what=f"{root_id} v>={v}")
    return v


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    vp = page.viewport_size
    path = ARTIFACTS / f"{name}-{vp['width']}x{vp['height']}.png"
    page.screenshot(path=str(path))
    return path


# Every visible element of the screen must be inside the viewport, and no element that clips its content
# (overflow hidden, line clamps, ellipses) may hold more than it shows: nothing cut, nothing overflowing.
LAYOUT_JS = """(rootSel) => {
  const vw = innerWidth, vh = innerHeight;
  const root = document.querySelector(rootSel);
  const out = {outside: [], cut: [], page: null, sizes: {}};
  const visible = el => !!(el.offsetParent !== null || getComputedStyle(el).position === "fixed") &&
                        el.getBoundingClientRect().width > 0;
  const label = el => (el.id ? "#" + el.id : "") + "." + String(el.className).replace(/ /g, ".") +
                      " «" + el.textContent.trim().slice(0, 40) + "»";
  for (const el of root.querySelectorAll("*")) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1)
      out.outside.push([label(el), Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)]);
    if (el.tagName === "IMG") continue;
    const cs = getComputedStyle(el);
    if (cs.overflowX === "visible" && cs.overflowY === "visible") continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
      out.cut.push([label(el), el.scrollWidth, el.clientWidth, el.scrollHeight, el.clientHeight]);
  }
  const d = document.documentElement;
  out.page = {scrollW: d.scrollWidth, scrollH: d.scrollHeight, vw, vh};
  const px = sel => { const el = document.querySelector(sel); return el && visible(el) ? parseFloat(getComputedStyle(el).fontSize) : null; };
  out.sizes = {name: px("#pj-name"), timer: px("#pj-timer"), url: px("#pj-url"), banner: px("#pj-banner")};
  return out;
}"""


def check_layout(page, root_sel="#projector", page_scroll=False) -> dict:
    res = page.evaluate(LAYOUT_JS, root_sel)
    if not page_scroll:
        assert not res["outside"], res["outside"]
    assert not res["cut"], res["cut"]
    p = res["page"]
    assert p["scrollW"] <= p["vw"], p
    if not page_scroll:
        assert p["scrollH"] <= p["vh"], p
    return res


def visible_text(page, root_sel="#projector") -> str:
    return page.evaluate("(s) => document.querySelector(s).innerText", root_sel)


# -- capturing what the projector receives ----------------------------------------------------------------------
def readable(text: str) -> str:
    """Socket.IO / JSON text with \\uXXXX escapes decoded, so Vietnamese needles can be searched for."""
    parts = [text]
    for chunk in re.split("\x1e", text):
        m = re.search(r"[\[{]", chunk)
        if not m:
            continue
        try:
            parts.append(json.dumps(json.loads(chunk[m.start():]), ensure_ascii=False))
        except ValueError:
            pass
    return "\n".join(parts)


class PageCapture:
    """Everything a page receives from the server: HTTP bodies (API, Socket.IO polling) and websocket frames."""

    def __init__(self, page):
        self.items: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        page.on("websocket", self._ws)
        page.on("response", self._response)

    def _add(self, kind, text):
        with self.lock:
            self.items.append((kind, readable(text)))

    def _ws(self, ws):
        ws.on("framereceived", lambda payload: self._add("ws " + ws.url, payload if isinstance(payload, str)
                                                          else payload.decode("utf-8", "replace")))

    def _response(self, resp):
        url = resp.url
        if "/api/" not in url and "/socket.io/" not in url:
            return
        try:
            self._add("http " + url, resp.text())
        except Exception:      # noqa: BLE001 - a body may be gone (navigation, websocket upgrade)
            pass

    def texts(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.items)


class SocketCapture:
    """A python-socketio client connected the way the projector is (its key), recording every event."""

    def __init__(self, srv, key: str):
        self.items: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)

        @self.sio.on("*")
        def any_event(event, data=None):
            with self.lock:
                self.items.append((event, json.dumps(data, ensure_ascii=False)))

        self.sio.connect(srv.url, auth={"meeting": "DEMO", "key": key}, wait_timeout=10)

    def events(self) -> list[str]:
        with self.lock:
            return [e for e, _ in self.items]

    def texts(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.items)

    def close(self):
        self.sio.disconnect()


def phone_needles(phone: str) -> list[str]:
    """A phone number as it could be written: 0912345678, 912345678 (+84/84 forms contain it), 0912 345 678."""
    digits = re.sub(r"\D", "", phone)
    core = digits[-9:]
    return [core, f"{digits[:4]} {digits[4:7]} {digits[7:]}", f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"]

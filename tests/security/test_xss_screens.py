"""≥ 50 script-injection payloads in every text field, rendered in chromium on every screen: nothing runs, and
the payloads are shown as text (escaped), not merely blocked by the Content Security Policy."""
import json

import pytest

from tests.security.xss_payloads import PAYLOADS
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

INJECTED = 'img[src="x"], svg[onload], iframe, object, embed, marquee, details[ontoggle], [onerror], [onload], ' \
           '[onfocus], [onmouseover], a[href^="javascript"], base, meta[http-equiv]'


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("xss") / "instance", demo=True,
                        env={"MODERATOR_RATE_DEVICE": "100000"}).start()
    chair = {"X-Role-Key": srv.keys["chair"]}
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    unit_id = next(u["id"] for u in staff["meeting"]["units"] if u["name"] == "Phòng Kinh tế")
    ids = []
    for i, p in enumerate(PAYLOADS):
        body = {"kind": "organization" if i % 2 else "citizen", "full_name": p[:120], "phone": "0912345678",
                "address": p[:300], "locality": p[:120], "organization": p[:200], "position": p[:200],
                "seat": p[:40], "content": p, "source": "paper", "unit_id": unit_id}
        r = srv.api("POST", "/meetings/DEMO/paper", role="chair", json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    for rid in ids[:8]:
        assert srv.api("POST", f"/meetings/DEMO/requests/{rid}/accept", role="chair", json={}).status_code == 200
    assert srv.api("POST", "/meetings/DEMO/floor/call", role="chair", json={}).status_code == 200
    assert srv.api("POST", "/meetings/DEMO/floor/start", role="chair").status_code == 200
    srv.api("POST", "/meetings/DEMO/answers", role="chair",
            json={"request_ids": [ids[0]], "unit_id": unit_id, "mode": "hall", "answerer": PAYLOADS[1][:200],
                  "summary": PAYLOADS[2]})
    srv.api("PUT", "/meetings/DEMO/message", role="chair", json={"text": PAYLOADS[3][:300]})
    srv.api("POST", f"/meetings/DEMO/unit/requests/{ids[9]}/answer", role="unit",
            json={"summary": PAYLOADS[4], "mode": "writing"})
    yield srv
    srv.stop()


def visit(new_page, url, viewport=(1280, 800), before=None):
    page = new_page(viewport=viewport)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script("window.__xss = 0;")
    if before:
        before(page)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1200)
    ran = page.evaluate("window.__xss")
    injected = page.evaluate(f"document.querySelectorAll({json.dumps(INJECTED)}).length")
    text = page.evaluate("document.body.innerText")
    return page, ran, dialogs, injected, text


SCREENS = ["chair", "secretary", "projector", "usher", "unit"]


@pytest.mark.parametrize("screen", SCREENS)
def test_staff_and_hall_screens_show_payloads_as_text(poisoned, new_page, screen):
    page, ran, dialogs, injected, text = visit(new_page, poisoned.screen_url(screen),
                                               viewport=(1920, 1080) if screen == "projector" else (1280, 800))
    assert not ran and not dialogs, (screen, ran, dialogs)
    assert injected == 0, f"{screen}: {injected} elements built from user text"
    assert "__xss" in text, f"{screen} should show the payload text itself"


def test_delegate_phone_shows_its_own_payload_as_text(poisoned, new_page):
    def file_one(page):
        page.goto(poisoned.url + "/j/DEMO")
        token = page.request.get(poisoned.url + "/api/v1/csrf").json()["csrf_token"]
        r = page.request.post(poisoned.url + "/api/v1/meetings/DEMO/requests", headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
                              data=json.dumps({"kind": "citizen", "full_name": PAYLOADS[5][:120],
                                               "phone": "0987654321", "address": PAYLOADS[6][:300],
                                               "content": PAYLOADS[7], "consent": True}),
                              )
        assert r.status in (200, 201), r.text()
    page, ran, dialogs, injected, text = visit(new_page, poisoned.url + "/j/DEMO", viewport=(360, 640),
                                               before=file_one)
    assert not ran and not dialogs and injected == 0
    assert "__xss" in text


def publish_results_with_names(srv):
    """The organiser publishes the results page (names shown, the case with the most user text on it)."""
    import os
    import re
    import subprocess
    import sys

    import requests
    env = {**os.environ, "MODERATOR_INSTANCE": str(srv.instance)}
    subprocess.run([sys.executable, "-m", "moderator.cli", "create-admin", "--username", "xss", "--password",
                    "mat-khau-xss-1"], env=env, check=True, capture_output=True, timeout=60)
    web = requests.Session()
    token = lambda html: re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # noqa: E731
    page = web.get(srv.url + "/admin/login").text
    web.post(srv.url + "/admin/login", data={"csrf_token": token(page), "username": "xss",
                                             "password": "mat-khau-xss-1"})
    page = web.get(srv.url + "/admin/meetings/DEMO/results").text
    r = web.post(srv.url + "/admin/meetings/DEMO/results", data={"csrf_token": token(page), "published": "1"})
    assert r.status_code == 200


def test_public_results_page(poisoned, new_page):
    publish_results_with_names(poisoned)
    page, ran, dialogs, injected, text = visit(new_page, poisoned.url + "/r/DEMO")
    assert not ran and not dialogs and injected == 0
    assert "__xss" in text, "the published results show the requests' content as text"

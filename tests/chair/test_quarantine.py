"""A burst of requests from one source, quarantined by the chair in one click (Debian's chromium against the real
server): the console flags the burst, one button moves the whole burst out of the inbox (the honest phone's request
stays), the quarantine is audited and undone with one click, and released from the quarantine box."""
from __future__ import annotations

import http.client
import json
import secrets

import pytest
from playwright.sync_api import expect

from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

BURST = 8
BODY = {"kind": "citizen", "full_name": "Người Gửi Dồn", "phone": "0912345678", "address": "Xóm 3",
        "content": "Nội dung lặp lại để làm đầy hộp ý kiến.", "consent": True}


def file_from(srv, source: str, name: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10, source_address=(source, 0))
    try:
        conn.request("POST", "/api/v1/meetings/DEMO/requests", body=json.dumps({**BODY, "full_name": name}).encode(),
                     headers={"Content-Type": "application/json", "X-Device-Token": secrets.token_hex(12)})
        resp = conn.getresponse()
        body = json.loads(resp.read())
        assert resp.status == 201, body
        return body["request"]
    finally:
        conn.close()


@pytest.fixture
def srv(tmp_path):
    s = ServerProcess(tmp_path / "instance", demo=True, address_limits=True).start()
    yield s
    s.stop()


def inbox_tickets(page) -> set[int]:
    return {int(t) for t in page.eval_on_selector_all("#ch-inbox li[data-ticket]",
                                                      "els => els.map(e => e.dataset.ticket)")}


def staff(srv) -> dict[int, dict]:
    return {r["ticket"]: r for r in srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["requests"]}


def test_the_chair_quarantines_a_burst_in_one_click_and_can_undo_it(srv, new_page):
    burst = [file_from(srv, "127.0.0.2", f"Người gửi dồn {i}")["ticket"] for i in range(BURST)]
    honest = file_from(srv, "127.0.0.1", "Nguyễn Thị Thật")["ticket"]
    page = new_page(viewport=(1366, 900))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(srv.screen_url("chair"))
    page.wait_for_selector("#chair[data-state=ready]")

    # The burst is flagged once, with its size; the honest phone's request is not part of it.
    flag = page.locator("#ch-bursts li.ch-burst")
    expect(flag).to_have_count(1)
    expect(flag).to_have_attribute("data-count", str(BURST))
    expect(flag).to_contain_text(f"{BURST} ý kiến mới gửi từ cùng một nguồn")
    assert set(burst) | {honest} <= inbox_tickets(page)

    flag.locator("button.ch-quarantine").click()
    expect(page.locator("#ch-quarantined-count")).to_have_text(str(BURST))
    expect(page.locator("#ch-bursts li")).to_have_count(0)
    expect(page.locator(f"#ch-inbox li[data-ticket='{burst[0]}']")).to_have_count(0)
    left = inbox_tickets(page)
    assert not set(burst) & left and honest in left
    rows = staff(srv)
    assert all(rows[t]["quarantined"] and rows[t]["status"] == "submitted" for t in burst)
    assert not rows[honest]["quarantined"]

    # Audited (by whom, which tickets), and undone in one click.
    page.locator("#ch-audit-box summary").click()
    expect(page.locator("#ch-audit li[data-action='quarantine']").first).to_be_visible()
    page.click("#ch-undo")
    expect(page.locator("#ch-quarantined-count")).to_have_text("0")
    expect(page.locator("#ch-bursts li.ch-burst")).to_have_count(1)
    assert set(burst) <= inbox_tickets(page)
    assert not any(staff(srv)[t]["quarantined"] for t in burst)

    # Quarantined again, then brought back from the quarantine box.
    page.locator("#ch-bursts button.ch-quarantine").click()
    expect(page.locator("#ch-quarantined-count")).to_have_text(str(BURST))
    page.locator("#ch-quarantine-box summary").click()
    group = page.locator("#ch-quarantined li.ch-quarantined-group")
    expect(group).to_have_attribute("data-count", str(BURST))
    group.locator("button.ch-release").click()
    expect(page.locator("#ch-quarantined-count")).to_have_text("0")
    assert set(burst) <= inbox_tickets(page)
    actions = [e["action"] for e in srv.api("GET", "/meetings/DEMO/audit", role="chair").json()["entries"]]
    assert {"quarantine", "undo", "release"} <= set(actions)
    assert not errors, errors

"""A request filed right after another on the same phone is never swallowed (issue 13, point 2).

The idempotency key belongs to one draft: a new draft gets a new key, a retry of the same draft reuses it. In
chromium on a throttled network (every round trip a second longer), a delegate files several different requests
in a row, starting to write the next one while the last is still on its way; one answer is lost on the way back
(the server has the request, the phone never hears it) and the phone retries. Every distinct request must exist
exactly once, and the draft being written is never replaced by the request just sent.
"""
from __future__ import annotations

import re
import secrets

import pytest
import requests
from playwright.sync_api import expect

from tests.delegate.conftest import PHONE, fill_citizen, staff_requests
from tests.support.browser import wait_in_page

pytestmark = pytest.mark.browser

def throttled_phone(new_page, latency_ms=1000):
    """A phone on a slow hall network: every round trip takes `latency_ms` more, so after the answer to "Gửi"
    the form stays on screen while the ticket page is on its way."""
    page = new_page(viewport=PHONE)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency_ms,
                                                  "downloadThroughput": 64 * 1024, "uploadThroughput": 32 * 1024})
    return page


def form_ready(page):
    """The form's script is running (on a slow network the page shows, and works without it, before)."""
    page.wait_for_selector("#request-form")
    wait_in_page(page, "() => !!window.ModeratorDelegate")


def contents_on_server(srv, tag):
    return [r["content"] for r in staff_requests(srv) if tag in r["content"]]


def test_several_quick_requests_on_a_slow_network_each_exist_once(srv, new_page):
    tag = secrets.token_hex(4)
    texts = [f"Ý kiến {tag} số {i}: " + s for i, s in enumerate((
        "đề nghị sửa cống thoát nước đầu xóm 4.",
        "đề nghị lắp biển báo giảm tốc trước cổng trường mầm non.",
        "đề nghị hỗ trợ vốn vay cho hộ nuôi trồng thủy sản."), 1)]
    page = throttled_phone(new_page)
    page.goto(srv.url + "/j/DEMO/form")
    form_ready(page)
    fill_citizen(page, content=texts[0])
    for i, text in enumerate(texts):
        page.click("#submit")
        if i + 1 < len(texts):
            # While "Gửi" is on its way, the delegate starts writing the next request in the form on screen.
            expect(page.locator("#submit")).to_be_disabled()
            page.fill("#content", texts[i + 1])
            assert page.url.endswith("/form"), "the answer came before the next request was begun: slow it down"
        page.wait_for_url(re.compile(r"/j/DEMO/t/\d+$"), timeout=15_000)
        expect(page.locator(".ticket").first).to_contain_text(text, timeout=15_000)   # its own ticket
        if i + 1 < len(texts):
            page.click("#register-more")
            page.wait_for_selector("#request-form")
            # The next draft is the one being written, never the request just sent.
            expect(page.locator("#content")).to_have_value(texts[i + 1], timeout=15_000)
            if not page.locator("#consent").is_checked():
                page.check("#consent")
    on_server = contents_on_server(srv, tag)
    assert sorted(on_server) == sorted(texts), on_server


def test_a_lost_answer_is_retried_with_the_same_key_and_the_next_draft_gets_a_new_one(srv, new_page):
    tag = secrets.token_hex(4)
    first, second = f"Ý kiến {tag}: đường ra đồng bị sạt lở.", f"Ý kiến {tag}: thiếu nước sạch ở xóm 7."
    page = throttled_phone(new_page, latency_ms=300)
    lost = {"n": 0}
    keys = []

    def lose_first_answer(route):
        keys.append(route.request.post_data_json["idempotency_key"])
        if lost["n"] == 0:                       # the server files it; the phone never hears back
            lost["n"] += 1
            route.fetch()
            route.abort("connectionreset")
            return
        route.continue_()
    page.route("**/api/v1/meetings/DEMO/requests", lose_first_answer)
    page.goto(srv.url + "/j/DEMO/form")
    form_ready(page)
    fill_citizen(page, content=first)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/j/DEMO/t/\d+$"), timeout=20_000)     # retried by itself
    assert len(keys) >= 2 and len(set(keys)) == 1                        # a retry of the same draft: same key
    page.click("#register-more")
    form_ready(page)
    fill_citizen(page, content=second)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/j/DEMO/t/\d+$"), timeout=20_000)
    expect(page.locator(".ticket").first).to_contain_text(second)
    assert keys[-1] != keys[0]                                           # a new draft: a new key
    assert sorted(contents_on_server(srv, tag)) == sorted([first, second])
    # Back to the form and "Gửi" again on the same text (the delegate is not sure it went): still one request.
    page.go_back()
    form_ready(page)
    if page.input_value("#content") != second:
        fill_citizen(page, content=second)
    expect(page.locator("#submit")).to_be_enabled(timeout=5000)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/j/DEMO/t/\d+$"), timeout=20_000)
    expect(page.locator(".ticket").first).to_contain_text(second)
    assert sorted(contents_on_server(srv, tag)) == sorted([first, second])


def test_a_key_sent_again_with_another_text_is_refused_not_swallowed(srv):
    """The server's own fence: one key names one draft."""
    body = {"full_name": "Lê Văn Bình", "phone": "0912 345 678", "address": "Xóm 2", "consent": True,
            "idempotency_key": "js-" + secrets.token_hex(8), "content": "Ý kiến thứ nhất về chợ xã"}
    device = {"X-Device-Token": secrets.token_urlsafe(18)}
    url = srv.url + "/api/v1/meetings/DEMO/requests"
    first = requests.post(url, json=body, headers=device, timeout=10)
    assert first.status_code == 201
    again = requests.post(url, json={**body, "content": "  Ý kiến thứ nhất về chợ xã "}, headers=device, timeout=10)
    assert again.status_code == 200 and again.json()["request"]["id"] == first.json()["request"]["id"]
    other = requests.post(url, json={**body, "content": "Ý kiến thứ hai, khác hẳn"}, headers=device, timeout=10)
    assert other.status_code == 409
    err = other.json()["error"]
    assert err["code"] == "idempotency_key_reused" and "ý kiến khác" in err["message"]
    assert [r["content"] for r in staff_requests(srv) if r["content"].startswith("Ý kiến thứ hai")] == []


def test_the_same_text_filed_again_after_withdrawing_it_is_a_new_request(srv, new_page):
    tag = secrets.token_hex(4)
    text = f"Ý kiến {tag}: đề nghị nâng cấp sân thể thao thôn."
    page = new_page(viewport=PHONE)
    page.goto(srv.url + "/j/DEMO/form")
    form_ready(page)
    fill_citizen(page, content=text)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/j/DEMO/t/\d+$"))
    first = page.url
    wait_in_page(page, "() => !!window.ModeratorDelegate")
    page.click(".ticket >> nth=0 >> .act-withdraw summary")
    page.click(".ticket >> nth=0 >> .act-withdraw button[type=submit]")
    expect(page.locator(".ticket").first).to_have_attribute("data-status", "withdrawn")
    page.click("#register-more")
    form_ready(page)
    fill_citizen(page, content=text)
    page.click("#submit")
    page.wait_for_url(re.compile(r"/j/DEMO/t/\d+$"))
    assert page.url != first                                  # filed anew, not the withdrawn ticket again
    statuses = sorted(r["status"] for r in staff_requests(srv) if r["content"] == text)
    assert statuses == ["submitted", "withdrawn"]

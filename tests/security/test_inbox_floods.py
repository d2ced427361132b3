"""One address cannot fill the chair's inbox (real server, default limits): 200 requests from one address, each with
a fresh device token, do not all reach the chair; a phone on another address of the hall is not affected."""
import http.client
import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.server import ServerProcess

DEVICES_PER_ADDRESS, OPEN_PER_ADDRESS = 10, 20      # the defaults (config.py, README)
BODY = {"kind": "citizen", "full_name": "Kẻ Gửi Dồn", "phone": "0912345678", "address": "Xóm 3",
        "content": "Đề nghị lắp đèn đường.", "consent": True}


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("inbox") / "instance", demo=True, address_limits=True).start()
    yield srv
    srv.stop()


def file_from(srv, device: str, source: str = "127.0.0.1") -> tuple[int, dict]:
    """POST a request over a connection from `source` (a loopback address: each stands for one phone's LAN address)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20, source_address=(source, 0))
    try:
        conn.request("POST", "/api/v1/meetings/DEMO/requests", body=json.dumps(BODY).encode(),
                     headers={"Content-Type": "application/json", "X-Device-Token": device})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def phone_requests_seen_by_the_chair(srv) -> list[dict]:
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    return [r for r in staff["requests"] if r["source"] == "phone" and r["status"] == "submitted"]


def test_two_hundred_fresh_devices_from_one_address_do_not_all_reach_the_chair(hall):
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda i: file_from(hall, f"fresh-{i}-{secrets.token_hex(8)}"), range(200)))
    print(f"\n200 requests with fresh device tokens from one address in {time.perf_counter() - start:.2f} s")
    codes = [status for status, _ in results]
    assert codes.count(201) == DEVICES_PER_ADDRESS and codes.count(429) == 200 - DEVICES_PER_ADDRESS, \
        {c: codes.count(c) for c in set(codes)}
    refusal = next(body for status, body in results if status == 429)["error"]
    assert refusal["code"] == "too_many_devices_from_source"
    assert "quá nhiều điện thoại gửi ý kiến từ cùng một mạng (tối đa 10)" in refusal["message"]
    seen = phone_requests_seen_by_the_chair(hall)
    assert len(seen) == DEVICES_PER_ADDRESS
    assert len({r["source_tag"] for r in seen}) == 1                     # the chair can tell they share a source
    assert all("127.0.0.1" not in json.dumps(r) for r in seen)           # only a keyed hash of the address is kept

    # Still refused once the burst is over: the limit counts devices, not a rate.
    status, body = file_from(hall, "one-more-fresh-device")
    assert status == 429 and body["error"]["code"] == "too_many_devices_from_source"

    # A phone on another LAN address of the hall files as usual.
    status, body = file_from(hall, "honest-phone-on-its-own-address", source="127.0.0.2")
    assert status == 201, body
    assert len(phone_requests_seen_by_the_chair(hall)) == DEVICES_PER_ADDRESS + 1


def test_open_requests_per_address_are_capped_below_the_devices_share(hall):
    """Devices that got in may file up to 3 each, but the address as a whole stops at OPEN_PER_ADDRESS open."""
    source = "127.0.0.3"
    tokens = [f"nat-phone-{i}-{secrets.token_hex(6)}" for i in range(DEVICES_PER_ADDRESS)]
    codes = [file_from(hall, tok, source)[0] for _ in range(3) for tok in tokens]
    assert codes.count(201) == OPEN_PER_ADDRESS, codes
    status, body = file_from(hall, tokens[-1], source)
    assert status == 429 and body["error"]["code"] == "too_many_open_from_source"
    assert "tối đa 20" in body["error"]["message"]
    # Withdrawing one frees a place: the limit counts open requests, not requests ever filed.
    mine = requests.get(hall.url + "/api/v1/meetings/DEMO/mine", headers={"X-Device-Token": tokens[0]},
                        timeout=10).json()["requests"]
    r = requests.post(hall.url + f"/api/v1/meetings/DEMO/mine/{mine[0]['id']}/withdraw",
                      headers={"X-Device-Token": tokens[0]}, timeout=10)
    assert r.status_code == 200, r.text
    assert file_from(hall, tokens[0], source)[0] == 201


@pytest.mark.browser
def test_a_phone_refused_by_the_address_limit_is_told_why_and_not_left_retrying(hall, new_page):
    """127.0.0.1 has used its 10 devices (the first test): a new phone there gets the reason on its form, and its
    request is not kept for endless retries as if the network were down."""
    page = new_page(viewport=(360, 740))
    page.goto(hall.url + "/j/DEMO/form")
    page.fill("#full_name", "Trần Thị Mai")
    page.fill("#phone", "0912 345 678")
    page.fill("#address", "Xóm 5, xã Giao Minh")
    page.fill("#content", "Đề nghị sửa đường liên xóm 5 bị sụt lún.")
    page.check("#consent")
    page.click("#submit")
    page.locator("#form-msg", has_text="quá nhiều điện thoại gửi ý kiến từ cùng một mạng").wait_for()
    assert page.evaluate("localStorage.getItem('moderator.pending.DEMO')") is None
    assert not page.locator("#pending", has_text="tự gửi lại khi có mạng").is_visible()
    assert page.locator("#submit").is_enabled()


def test_racing_submissions_cannot_overshoot_the_limit_on_postgresql(tmp_path, pg_url):
    """With PostgreSQL the limit is counted under the meeting's row lock: 50 fresh devices at once, 10 created."""
    srv = ServerProcess(tmp_path / "instance", demo=True, address_limits=True, env={"DATABASE_URL": pg_url}).start()
    try:
        with ThreadPoolExecutor(max_workers=25) as pool:
            codes = [status for status, _ in pool.map(lambda i: file_from(srv, f"pg-fresh-{i}"), range(50))]
        assert codes.count(201) == DEVICES_PER_ADDRESS and codes.count(429) == 50 - DEVICES_PER_ADDRESS, codes
        assert len(phone_requests_seen_by_the_chair(srv)) == DEVICES_PER_ADDRESS
    finally:
        srv.stop()

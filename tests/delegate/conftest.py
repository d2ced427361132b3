"""Fixtures for the delegate's phone: one real server per module, phones as fresh browser contexts."""
from __future__ import annotations

import re
import time

import pytest

from tests.support.server import ServerProcess

PHONE = (360, 640)
# Every way people type a Vietnamese number, and what is not one.
GOOD_PHONES = ["0912 345 678", "+84 912.345.678", "84912345678", "0912.345.678", "(+84) 912 345 678",
               "0084 912 345 678", "+84 (0) 912 345 678", "0356-789-012", "024 3825 1234", "(0228) 3123 456",
               "+84 24 3825 1234", "０９１２３４５６７８"]
BAD_PHONES = ["12345", "0123456789", "01234567890", "091234567", "09123456789", "0612345678", "912345678",
              "+1 415 555 0100", "09l2345678", "0912 345 678 ext 2", "+84 +912345678", "phone"]


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = ServerProcess(tmp_path_factory.mktemp("delegate") / "instance", demo=True)
    s.start()
    yield s
    s.stop()


def staff_requests(srv, code="DEMO") -> list[dict]:
    r = srv.api("GET", f"/meetings/{code}/staff", role="chair")
    assert r.status_code == 200, r.text
    return r.json()["requests"]


def chair(srv, method, path, **kw):
    r = srv.api(method, "/meetings/DEMO" + path, role="chair", **kw)
    assert r.status_code < 300, (path, r.status_code, r.text)
    return r


def wait_until(fn, timeout=8.0, step=0.1):
    end = time.time() + timeout
    while True:
        value = fn()
        if value or time.time() > end:
            return value
        time.sleep(step)


def fill_citizen(page, name="Trần Thị Mai", phone="0912 345 678", address="Xóm 5, xã Giao Minh",
                 content="Đề nghị sửa đường liên xóm 5 bị sụt lún.", consent=True):
    page.fill("#full_name", name)
    page.fill("#phone", phone)
    page.fill("#address", address)
    page.fill("#content", content)
    if consent:
        page.check("#consent")


def ticket_number(page) -> int:
    page.wait_for_url(re.compile(r"/j/DEMO/t/\d+"))
    return int(page.locator(".ticket").first.get_attribute("data-ticket"))

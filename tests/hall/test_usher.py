"""The usher's phone (/m/<code>/usher) against the real server, in Debian's chromium at phone size."""
from __future__ import annotations

import time

import pytest
import requests

from tests.support.server import ServerProcess

from ._hall import chair, check_layout, dataset, paper, shot, wait_synced, wait_until

pytestmark = pytest.mark.browser

PEOPLE = [
    dict(full_name="Đặng Thị Phượng", phone="0912345671", address="Số nhà 17 ngõ 42", locality="Xóm Đoài",
         seat="Dãy A, ghế 3"),
    dict(full_name="Lê Quốc Trưởng", phone="0387654322", address="Thửa 215 tờ bản đồ số 9", locality="Thôn Trung",
         seat="Dãy C, ghế 12"),
    dict(full_name="Hoàng Thị Ngọc Ánh", phone="0703111223", address="Ki-ốt 5 chợ", locality="Xóm Chợ", seat=""),
    dict(full_name="Công ty TNHH Thủy sản Giao Thịnh", kind="organization", position="Giám đốc",
         organization="Công ty TNHH Thủy sản Giao Thịnh", phone="0904000121", seat="Khu doanh nghiệp, hàng 2"),
    dict(full_name="Trần Văn Năm", phone="0977000555", address="Xóm 5", locality="Xóm 5", seat="Cuối hội trường"),
]


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("usher") / "instance", demo=True).start()
    for p in PEOPLE:
        paper(srv, **p)
    yield srv
    srv.stop()


def cards(page):
    return page.evaluate("""() => ({
      label: document.getElementById('us-now-label').textContent,
      now: document.getElementById('us-now-card').hidden ? null : document.getElementById('us-now-card').innerText,
      next: [...document.querySelectorAll('#us-next-list > li')].map(li => li.innerText)})""")


def test_usher_sees_the_speaker_and_the_next_three_with_seats(hall, new_page):
    page = new_page(viewport=(360, 740))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(hall.screen_url("usher"))
    wait_synced(page, hall, root_id="usher")

    c = cards(page)
    assert c["now"] is None and "Chưa có ai" in c["label"]
    assert len(c["next"]) == 3
    assert "Dãy A, ghế 3" in c["next"][0] and "Đặng Thị Phượng" in c["next"][0]
    assert "Chưa rõ chỗ ngồi" in c["next"][2]
    check_layout(page, "#usher", page_scroll=True)
    shot(page, "usher-01-idle")

    # The chair calls the first speaker: the usher sees who and where, within a second.
    t0 = time.monotonic()
    chair(hall, "POST", "/floor/call", {})
    wait_until(lambda: dataset(page, "usher").get("state") == "called", timeout=3, what="called")
    assert time.monotonic() - t0 < 1.0
    c = cards(page)
    assert "Đặng Thị Phượng" in c["now"] and "Dãy A, ghế 3" in c["now"] and "Xóm Đoài" in c["now"]
    assert [("Lê Quốc Trưởng" in c["next"][0]), ("Dãy C, ghế 12" in c["next"][0])] == [True, True]
    assert "Khu doanh nghiệp, hàng 2" in c["next"][2]
    check_layout(page, "#usher", page_scroll=True)
    shot(page, "usher-02-called")

    chair(hall, "POST", "/floor/start")
    wait_until(lambda: dataset(page, "usher").get("state") == "speaking", timeout=3, what="speaking")
    shot(page, "usher-03-speaking")

    # Next speaker: the list moves up.
    chair(hall, "POST", "/floor/end")
    chair(hall, "POST", "/floor/call", {})
    wait_synced(page, hall, root_id="usher")
    wait_until(lambda: "Lê Quốc Trưởng" in (cards(page)["now"] or ""), timeout=3, what="next speaker")
    c = cards(page)
    assert len(c["next"]) == 3 and "Trần Văn Năm" in c["next"][2]

    # Nothing personal beyond the seat: no phone, no address.
    body = requests.get(hall.url + "/api/v1/meetings/DEMO/usher",
                        headers={"X-Role-Key": hall.keys["usher"]}, timeout=5).text
    for p in PEOPLE:
        assert p["phone"][-9:] not in body
        if p.get("address") and p["address"] != p.get("locality"):
            assert p["address"] not in body
    assert not errors, errors


def test_usher_screen_needs_its_key(hall, new_page):
    page = new_page(viewport=(360, 740))
    resp = page.goto(hall.url + "/m/DEMO/usher")
    assert resp.status == 403
    r = requests.get(hall.url + "/api/v1/meetings/DEMO/usher", timeout=5)
    assert r.status_code in (401, 403)
    r = requests.get(hall.url + "/api/v1/meetings/DEMO/usher", headers={"X-Role-Key": hall.keys["projector"]},
                     timeout=5)
    assert r.status_code == 403    # the projector may not see seats

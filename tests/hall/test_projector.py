"""The hall projector (/m/<code>/projector) against the real server, in Debian's chromium.

One server for the module; the tests run in order and drive the meeting like a chair would. Screenshots go to
test-artifacts/hall/<state>-<w>x<h>.png."""
from __future__ import annotations

import csv
import json
import re
import time

import pytest

from tests.support.browser import intended_role_link_404
from tests.support.server import ServerProcess

from ._hall import (ROOT, PageCapture, SocketCapture, check_layout, chair, dataset, paper, phone_needles, public,
                    set_speaking_seconds, shot, staff, visible_text, wait_synced, wait_until)

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1280, 720)]
STEP_4 = "Phần 4: Đại biểu phát biểu ý kiến theo thứ tự đã đăng ký"

# Requests with contact data that must never reach the projector: the address differs from the locality
# (which is public), and each address carries an ASCII marker that survives any escaping.
PEOPLE = [
    dict(full_name="Đặng Thị Phượng", phone="0912 345 671", address="Số nhà 17 ngõ 42 đường Trần Hưng Đạo ADDRK1742",
         locality="Xóm Đoài", seat="Dãy A, ghế 3"),
    dict(full_name="Lê Quốc Trưởng", phone="+84 387 654 322", address="Thửa 215 tờ bản đồ số 9 ADDRK2159",
         locality="Thôn Trung", seat="Dãy C, ghế 12"),
    dict(full_name="Hoàng Thị Ngọc Ánh", phone="0703.111.223", address="Ki-ốt 5 chợ Giao Thủy ADDRK0005",
         locality="Xóm Chợ", seat="Cửa phụ bên trái"),
]
COMPLAINT = dict(full_name="Vương Khiếu Nại", phone="0977 888 999", address="Căn hộ 1203 tòa B ADDRK1203",
                 locality="Xóm Khiếu", seat="Hàng cuối")
with open(ROOT / "moderator" / "demo" / "recommendations.csv", encoding="utf-8") as _f:
    DEMO_PHONES = [row["phone"] for row in csv.DictReader(_f) if row["phone"]]

PAGE_CAPTURES: list[PageCapture] = []


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("hall") / "instance", demo=True).start()
    set_speaking_seconds(srv, 6)      # short turns, so the warning colour and overtime come quickly
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def sock(hall):
    """A Socket.IO client with the projector's key, listening from the start of the module."""
    cap = SocketCapture(hall, hall.keys["projector"])
    yield cap
    cap.close()


@pytest.fixture
def projector(new_page, hall):
    """open(size, **context options) -> page showing the projector, synced with the server."""
    problems = []

    def open_(size=(1280, 720), wait=True, **ctx):
        page = new_page(viewport=size, **ctx)
        PAGE_CAPTURES.append(PageCapture(page))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and "qr.svg" not in r.url and not intended_role_link_404(r) else None)
        page.goto(hall.screen_url("projector"))
        if wait:
            wait_synced(page, hall)
        return page

    yield open_
    assert not problems, problems


def state_of(page) -> str:
    return dataset(page, "projector").get("state")


def timer(page) -> tuple[str, str]:
    return tuple(page.evaluate("() => { const t = document.getElementById('pj-timer'); "
                               "return [t.textContent, t.className]; }"))


def both(pages, hall, name, check=None):
    """Wait until every page shows the server's version, check the layout and take the screenshots."""
    for page in pages:
        wait_synced(page, hall)
    for page in pages:
        shot(page, name)            # first, so a failing check can be looked at
        res = check_layout(page)
        if check:
            check(page, res)


def test_projector_states_screenshots_and_legibility(hall, sock, projector):
    pages = [projector(size) for size in SIZES]

    # Before the meeting: the title, the QR code and the short join URL.
    def idle(page, res):
        assert state_of(page) == "idle"
        text = visible_text(page)
        assert "Giao Minh" in text and f"127.0.0.1:{hall.port}/j/DEMO" in text
        assert "Quét mã QR" in text
    both(pages, hall, "01-idle", idle)

    # The programme moves to the speaking part; requests are accepted into the queue.
    chair(hall, "PUT", "/programme", {"position": 4})
    for rid in range(1, 7):
        chair(hall, "POST", f"/requests/{rid}/accept")
    for person in PEOPLE:
        paper(hall, **person)

    def idle_queue(page, res):
        text = visible_text(page)
        assert STEP_4 in text
        assert "Nguyễn Văn Hùng" in text                  # first in the queue, in the "next" list
        rows = page.locator("#pj-idle-next-list > li").count()
        assert rows == 3
    both(pages, hall, "02-idle-queue", idle_queue)

    # Registration closed: the note replaces the invitation to scan.
    chair(hall, "PUT", "/registration", {"open": False, "note": "Đã hết thời gian đăng ký phát biểu."})

    def closed(page, res):
        text = visible_text(page)
        assert "Đã hết thời gian đăng ký phát biểu." in text and "Quét mã QR" not in text
    both(pages, hall, "03-registration-closed", closed)
    chair(hall, "PUT", "/registration", {"open": True})

    # The chair calls the first speaker: "chuẩn bị".
    chair(hall, "POST", "/floor/call", {})

    def called(page, res):
        assert state_of(page) == "called"
        text = visible_text(page)
        assert "chuẩn bị".upper() in text.upper() and "Nguyễn Văn Hùng" in text and "Xóm 3" in text
        assert "Đất đai" in text
        assert "Ông Trần" not in text
        assert timer(page)[0] == "00:06"
    both(pages, hall, "04-called", called)

    # Speaking with 6 s allotted: the warning colour at once, then overtime (a minus sign, red).
    chair(hall, "POST", "/floor/start")

    def warning(page, res):
        assert state_of(page) == "speaking"
        text, cls = timer(page)
        assert "warning" in cls.split(), (text, cls)
        assert page.evaluate("getComputedStyle(document.getElementById('pj-timer')).color") == "rgb(255, 176, 32)"
    both(pages, hall, "05-speaking-warning", warning)

    for page in pages:
        wait_until(lambda: "overtime" in timer(page)[1].split(), timeout=9, what="overtime")

    def overtime(page, res):
        text, cls = timer(page)
        assert text.startswith("-") and re.fullmatch(r"-\d\d:\d\d", text), text
        assert page.evaluate("getComputedStyle(document.getElementById('pj-timer')).color") == "rgb(255, 92, 92)"
        assert "QUÁ GIỜ" in visible_text(page).upper()
    both(pages, hall, "06-speaking-overtime", overtime)

    # More time: the normal colour; legible from 20 m at 1920x1080.
    chair(hall, "POST", "/floor/extend", {"seconds": 600})

    def speaking(page, res):
        text, cls = timer(page)
        assert cls == "timer" and re.fullmatch(r"(09|10):\d\d", text), (text, cls)
        if page.viewport_size["width"] == 1920:
            assert res["sizes"]["name"] >= 48, res["sizes"]
            assert res["sizes"]["timer"] >= 120, res["sizes"]
    both(pages, hall, "07-speaking", speaking)

    # The chair assigns the answering unit.
    meeting = staff(hall)
    unit = next(u for u in meeting["meeting"]["units"] if u["name"] == "Văn phòng HĐND và UBND")
    floor_id = meeting["meeting"]["floor"]["request_id"]
    chair(hall, "POST", "/answers", {"request_ids": [floor_id], "unit_id": unit["id"],
                                     "answerer": "Ông Trần Văn Bình, Chủ tịch UBND xã", "mode": "hall"})

    def answering(page, res):
        text = visible_text(page)
        assert "Văn phòng HĐND và UBND" in text and "Ông Trần Văn Bình" in text
    both(pages, hall, "08-answering-unit", answering)

    chair(hall, "POST", "/floor/pause")

    def paused(page, res):
        assert state_of(page) == "paused"
        text, cls = timer(page)
        assert "paused" in cls.split() and "TẠM DỪNG" in visible_text(page).upper()
        frozen = text
        time.sleep(1.2)
        assert timer(page)[0] == frozen
    both(pages, hall, "09-paused", paused)
    chair(hall, "POST", "/floor/resume")

    # The chair's message over everything; the next list shows up to five with the rest counted.
    message = "Đề nghị các đại biểu phát biểu ngắn gọn, đúng nội dung đã đăng ký; xin cảm ơn."
    chair(hall, "PUT", "/message", {"text": message})

    def banner(page, res):
        assert page.locator("#pj-banner").is_visible()
        assert page.locator("#pj-banner").inner_text() == message
        assert page.locator("#pj-next-list > li").count() == 4
        assert "và 4 người khác" in visible_text(page)
    both(pages, hall, "10-message", banner)
    chair(hall, "PUT", "/message", {"text": ""})
    for page in pages:
        wait_synced(page, hall)
        assert not page.locator("#pj-banner").is_visible()


def test_projector_follows_the_chair_within_a_second(hall, projector):
    page = projector((1280, 720))
    if state_of(page) in ("speaking", "paused"):
        chair(hall, "POST", "/floor/end")
        wait_synced(page, hall)
    steps = [
        ("call", lambda: chair(hall, "POST", "/floor/call", {}), lambda: state_of(page) == "called"),
        ("start", lambda: chair(hall, "POST", "/floor/start"), lambda: state_of(page) == "speaking"),
        ("message", lambda: chair(hall, "PUT", "/message", {"text": "Giữ trật tự trong hội trường."}),
         lambda: page.locator("#pj-banner").is_visible()),
        ("unit", lambda: chair(hall, "POST", "/answers", {
            "request_ids": [staff(hall)["meeting"]["floor"]["request_id"]],
            "unit_id": staff(hall)["meeting"]["units"][0]["id"], "answerer": "Bà Lê Thị Hoa"}),
         lambda: "Bà Lê Thị Hoa" in visible_text(page)),
        ("clear", lambda: chair(hall, "PUT", "/message", {"text": ""}),
         lambda: not page.locator("#pj-banner").is_visible()),
        ("end", lambda: chair(hall, "POST", "/floor/end"), lambda: state_of(page) == "idle"),
    ]
    # Measured from the moment the chair's call returns (the change is committed and the chair's own console
    # shows it) to the moment the projector shows it; the whole click-to-screen time is bounded too.
    follow, total = {}, {}
    for name, act, shown in steps:
        t0 = time.monotonic()
        act()
        t1 = time.monotonic()
        wait_until(shown, timeout=3, what=name)
        follow[name], total[name] = time.monotonic() - t1, time.monotonic() - t0
    assert max(follow.values()) < 1.0, follow
    assert max(total.values()) < 2.0, total


@pytest.mark.parametrize("skew_minutes", [5, -7])
def test_timer_counts_from_the_servers_end_time_despite_a_skewed_clock(hall, projector, skew_minutes):
    if public(hall)["floor"] is None:
        chair(hall, "POST", "/floor/call", {})
    if public(hall)["floor"]["state"] == "called":
        chair(hall, "POST", "/floor/start")
        chair(hall, "POST", "/floor/extend", {"seconds": 300})
    shift = skew_minutes * 60_000
    page = projector((1280, 720), wait=False)
    page.add_init_script(script="""(() => {
      const shift = %d, Real = Date;
      class Skewed extends Real {
        constructor(...a) { if (a.length) super(...a); else super(Real.now() + shift); }
        static now() { return Real.now() + shift; }
      }
      window.Date = Skewed;
    })();""" % shift)
    page.goto(hall.screen_url("projector"))
    wait_synced(page, hall)
    wait_until(lambda: state_of(page) == "speaking", what="speaking")
    ends_at = public(hall)["floor"]["ends_at"]
    for _ in range(3):
        before = time.time() * 1000
        text, page_now = page.evaluate("() => [document.getElementById('pj-timer').textContent, Date.now()]")
        after = time.time() * 1000
        assert abs(page_now - before - shift) < 2000, "the page's clock is really skewed"
        m = re.fullmatch(r"(-?)(\d\d):(\d\d)", text)
        assert m, text
        shown_s = (int(m.group(2)) * 60 + int(m.group(3))) * (-1 if m.group(1) else 1)
        # "mm:ss" stands for a remaining time R in ((s-1), s] seconds (counting down rounds up, overtime rounds
        # down): the server's remaining time must be within a second of that interval.
        remaining_lo, remaining_hi = ends_at - after, ends_at - before
        assert (shown_s - 1) * 1000 - 1000 <= remaining_lo and remaining_hi <= shown_s * 1000 + 1000, \
            (text, remaining_lo, remaining_hi)
        time.sleep(0.4)


def test_complaints_never_appear(hall, sock, projector):
    page = projector((1920, 1080))
    created = paper(hall, **COMPLAINT)
    wait_synced(page, hall)
    tickets = public(hall)["queue"]
    assert created["ticket"] in tickets
    chair(hall, "POST", f"/requests/{created['id']}/flag_complaint", {"reason": "Chuyển xử lý theo quy trình khiếu nại"})
    v = wait_synced(page, hall)
    state = public(hall)
    assert created["ticket"] not in state["queue"]
    assert COMPLAINT["full_name"] not in str(state)
    assert COMPLAINT["full_name"] not in visible_text(page)
    # Nothing sent to the projector since the flag names it.
    later = [t for e, t in sock.texts() if e == "public" and json.loads(t)["v"] >= v]
    assert later and all(COMPLAINT["full_name"] not in t for t in later)
    shot(page, "11-after-complaint")


def test_nothing_the_projector_receives_holds_a_phone_or_address(hall, sock, projector):
    page = projector((1280, 720))
    # One more full turn for a request with contact data, while this page and the socket client listen.
    target = next(r for r in staff(hall)["requests"] if r["full_name"] == PEOPLE[1]["full_name"])
    if public(hall)["floor"] is not None and public(hall)["floor"]["state"] != "called":
        chair(hall, "POST", "/floor/end")
    chair(hall, "POST", "/floor/call", {"request_id": target["id"]})
    chair(hall, "POST", "/floor/start")
    wait_until(lambda: PEOPLE[1]["full_name"] in visible_text(page), what="speaker shown")
    chair(hall, "POST", "/floor/end")
    wait_synced(page, hall)

    received = [("socket " + e, t) for e, t in sock.texts()]
    for cap in PAGE_CAPTURES:
        received += cap.texts()
    kinds = {k.split(" ")[0] for k, _ in received}
    assert {"socket", "http", "ws"} <= kinds, kinds
    everything = "\n".join(t for _, t in received)
    # The capture really holds what the projector showed (names, public localities) ...
    assert "public" in sock.events() and PEOPLE[1]["full_name"] in everything and "Xóm Đoài" in everything
    # ... and never a phone number or a contact address.
    requests_ = staff(hall)["requests"]
    needles = []
    for r in requests_:
        if r.get("phone"):
            needles += phone_needles(r["phone"])
        if r.get("address") and r["address"] != r.get("locality"):   # demo rows use the hamlet as both
            needles.append(r["address"])
    needles += [p for phone in DEMO_PHONES for p in phone_needles(phone)]
    needles += [re.search(r"ADDRK\d+", p["address"]).group(0) for p in PEOPLE + [COMPLAINT]]
    needles += [p["seat"] for p in PEOPLE]          # seats are for ushers only
    assert len(needles) > 60
    leaks = [(n, k) for n in needles for k, t in received if n in t]
    assert not leaks, leaks[:10]


def test_projector_opened_with_the_chairs_grant_hears_the_public_stream_only(hall, new_page):
    """The technician may open the projector in a browser holding the chair's grant: it still joins the
    public room only, so staff payloads (with phones) never travel to it."""
    page = new_page(viewport=(1280, 720))
    cap = PageCapture(page)
    page.goto(f"{hall.url}/m/DEMO/projector?key={hall.keys['chair']}")
    wait_synced(page, hall)
    chair(hall, "PUT", "/message", {"text": "Kiểm tra màn hình"})
    wait_until(lambda: page.locator("#pj-banner").is_visible(), timeout=3, what="banner")
    chair(hall, "PUT", "/message", {"text": ""})
    wait_synced(page, hall)
    socket_texts = [t for k, t in cap.texts() if k.startswith("ws") or "/socket.io/" in k]
    assert any('["public"' in t for t in socket_texts)
    assert not any('["staff"' in t for t in socket_texts)


def test_projector_catches_up_after_a_network_loss(hall, projector):
    page = projector((1280, 720))
    wait_until(lambda: dataset(page, "projector").get("status") == "online", what="online")
    page.context.set_offline(True)
    wait_until(lambda: page.locator(".reconnecting").is_visible(), timeout=5, what="reconnecting mark")
    # The hall moves on while the projector is cut off: the message and the queue change.
    chair(hall, "PUT", "/message", {"text": "Mời đại biểu tiếp theo."})
    chair(hall, "POST", "/floor/call", {})
    time.sleep(0.3)
    assert "Mời đại biểu tiếp theo." not in visible_text(page)
    page.context.set_offline(False)
    wait_until(lambda: dataset(page, "projector").get("status") == "online", timeout=10, what="back online")
    wait_synced(page, hall)
    state = public(hall)
    assert not page.locator(".reconnecting").is_visible()
    assert page.locator("#pj-banner").inner_text() == "Mời đại biểu tiếp theo."
    assert page.locator("#pj-name").inner_text() == state["floor"]["name"]
    shown = page.evaluate("() => [...document.querySelectorAll('#pj-next-list .pj-next-no')].map(e => +e.textContent)")
    assert shown == [r["ticket"] for r in state["next"][:4]]
    chair(hall, "PUT", "/message", {"text": ""})


def test_projector_recovers_after_a_server_restart(hall, projector):
    page = projector((1280, 720))
    wait_until(lambda: dataset(page, "projector").get("status") == "online", what="online")
    assert not page.locator(".reconnecting").is_visible()
    hall.stop()
    wait_until(lambda: page.locator(".reconnecting").is_visible(), timeout=5, what="reconnecting mark")
    assert "kết nối" in page.locator(".reconnecting").inner_text()
    shot(page, "12-reconnecting")
    hall.start()
    # A change made right after the restart, before the projector is back: it catches up on reconnecting.
    chair(hall, "PUT", "/message", {"text": "Hội nghị tiếp tục sau ít phút."})
    chair(hall, "POST", "/floor/call", {})
    wait_until(lambda: dataset(page, "projector").get("status") == "online", timeout=15, what="back online")
    wait_synced(page, hall)
    assert not page.locator(".reconnecting").is_visible()
    assert page.locator("#pj-banner").inner_text() == "Hội nghị tiếp tục sau ít phút."
    assert state_of(page) == "called"
    check_layout(page)
    shot(page, "13-after-restart")
    # And it keeps following live events on the new connection.
    chair(hall, "PUT", "/message", {"text": ""})
    wait_until(lambda: not page.locator("#pj-banner").is_visible(), timeout=2, what="message cleared")


LONG = dict(kind="organization", full_name="Tôn Nữ Thị Phương Thảo", position="Phó Giám đốc phụ trách kỹ thuật",
            organization="Công ty Cổ phần Đầu tư Xây dựng và Phát triển Hạ tầng Đô thị Giao Thủy", phone="0912000999",
            seat="Khu doanh nghiệp")


def test_long_names_fit_both_sizes(hall, projector):
    """A long organisation and a long answering unit still fit without being cut, in the "now" and "next" parts."""
    pages = [projector(size) for size in SIZES]
    first = paper(hall, **LONG)
    paper(hall, **{**LONG, "full_name": "Nguyễn Hoàng Bảo Khánh Linh Đan", "phone": "0912000998"})
    floor = public(hall)["floor"]
    if floor is not None:
        chair(hall, "POST", "/floor/requeue" if floor["state"] == "called" else "/floor/end")
    meeting = staff(hall)["meeting"]
    unit = next(u for u in meeting["units"] if u["name"].startswith("Ủy ban MTTQ"))
    chair(hall, "POST", "/queue/%d/move" % first["id"], {"to": "top"})
    chair(hall, "POST", "/floor/call", {"request_id": first["id"]})
    chair(hall, "POST", "/answers", {"request_ids": [first["id"]], "unit_id": unit["id"],
                                     "answerer": "Bà Nguyễn Thị Thu Hương, Chủ tịch Ủy ban MTTQ Việt Nam xã"})

    def long_(page, res):
        text = visible_text(page)
        assert LONG["organization"] in text and "Bà Nguyễn Thị Thu Hương" in text
    both(pages, hall, "15-long-names", long_)


def test_closed_meeting_says_so(hall, projector):
    pages = [projector(size) for size in SIZES]
    floor = public(hall)["floor"]
    if floor is not None:
        chair(hall, "POST", "/floor/requeue" if floor["state"] == "called" else "/floor/end")
    chair(hall, "POST", "/close", {})

    def closed(page, res):
        assert state_of(page) == "closed"
        text = visible_text(page)
        assert "Hội nghị đã kết thúc." in text and "Quét mã QR" not in text
        assert not page.locator("#pj-idle-next").is_visible()
    both(pages, hall, "14-closed", closed)

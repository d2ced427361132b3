"""A stale decision never silently overrides another chair's (issue 13, point 1).

Two co-chairs on two chromium consoles against the real server. For every kind of decision: co-chair B looks at a
request (its card, its dialog, the floor, the queue); meanwhile co-chair A changes it on the other console; then B
confirms. The server must refuse B's decision with 409 naming what changed, A's decision must stand, B's console
must show the new state, and B must be able to decide again on it.

To make "meanwhile" exact, B's console hears nothing while A acts: its Socket.IO websocket is routed through the
test, which holds the server's event frames (engine.io pings pass) until B has confirmed. That is the window a
real hall network opens between A's click and B's screen updating; without the `expected` state B's decision would
win in it (as it did before: the decline overrode the accept).
"""
from __future__ import annotations

import secrets
import threading
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser
UI_MS = 5000


class HeldSocket:
    """Routes a page's websockets through the test; while `hold` is on, the server's event frames wait."""

    def __init__(self):
        self.lock = threading.Lock()
        self.holding = False
        self.held: list = []
        self.upgraded = False

    def route(self, ws):
        server = ws.connect_to_server()

        def from_server(message):
            with self.lock:
                if self.holding and isinstance(message, str) and message.startswith("42"):
                    self.held.append((ws, message))
                    return
            ws.send(message)

        def from_page(message):
            if message == "5":          # engine.io upgrade done: events now come over this websocket
                self.upgraded = True
            server.send(message)

        server.on_message(from_server)
        ws.on_message(from_page)

    def hold(self):
        with self.lock:
            self.holding = True

    def release(self):
        with self.lock:
            self.holding = False
            held, self.held = self.held, []
        for ws, message in held:
            ws.send(message)


class Consoles:
    pass


@pytest.fixture(scope="module")
def consoles(tmp_path_factory, browser):
    srv = ServerProcess(tmp_path_factory.mktemp("stale") / "instance", demo=True).start()
    c = Consoles()
    c.srv, c.errors, c.contexts = srv, [], []
    meeting = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["meeting"]
    c.fields = {f["name"]: f["id"] for f in meeting["fields"]}
    c.units = {u["name"]: u["id"] for u in meeting["units"]}
    c.socket_b = HeldSocket()
    pages = []
    for role in ("chair", "chair2"):
        ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda e, role=role: c.errors.append(f"{role}: {e}"))
        if role == "chair2":
            page.route_web_socket("**/socket.io/**", c.socket_b.route)
        page.goto(srv.screen_url(role))
        page.wait_for_selector("#chair[data-state=ready]")
        c.contexts.append(ctx)
        pages.append(page)
    c.a, c.b = pages
    deadline = time.time() + 10
    while not c.socket_b.upgraded and time.time() < deadline:
        c.b.wait_for_timeout(50)
    assert c.socket_b.upgraded, "chair B's console never upgraded to its websocket"
    yield c
    for ctx in c.contexts:
        ctx.close()
    srv.stop()
    assert not c.errors, c.errors


# -- helpers -------------------------------------------------------------------------------------------------------
def api(c, method, path, **kw):
    r = c.srv.api(method, "/meetings/DEMO" + path, role="chair", **kw)
    assert r.status_code < 300, (path, r.status_code, r.text)
    return r


def staff(c):
    return api(c, "GET", "/staff").json()


def request_of(c, rid):
    return next(r for r in staff(c)["requests"] if r["id"] == rid)


def queue_ids(c):
    q = sorted((r for r in staff(c)["requests"] if r["status"] == "accepted"),
               key=lambda r: (r["queue_rank"] or 10**9, r["ticket"]))
    return [r["id"] for r in q]


def file(c, content, field="Giao thông"):
    r = requests.post(c.srv.url + "/api/v1/meetings/DEMO/requests",
                      headers={"X-Device-Token": secrets.token_urlsafe(18)},
                      json={"full_name": "Đại biểu " + secrets.token_hex(2), "phone": "0912 345 678",
                            "address": "Xóm 3, Giao Minh", "content": content, "field_id": c.fields[field],
                            "consent": True}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["request"]


def until(fn, what, timeout=5.0):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.time() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.05)


def b_caught_up(c):
    """B's console has applied every change so far (before B is held)."""
    v = staff(c)["meeting"]["version"]
    until(lambda: c.b.evaluate("ChairConsole.conn.version('staff')") == v, "chair B is up to date")


def card(page, where, ticket):
    return page.locator(f"#{where} li.ch-card[data-ticket='{ticket}']")


def clear_floor(c):
    floor = staff(c)["meeting"]["floor"]
    if floor["request_id"]:
        r = request_of(c, floor["request_id"])
        api(c, "POST", "/floor/end" if r["status"] == "speaking" else "/floor/requeue", json={})


def a_dialog(c, ticket, where="ch-inbox"):
    card(c.a, where, ticket).locator(".ch-more").click()
    expect(c.a.locator("#ch-dlg-title")).to_contain_text(f"#{ticket}")


def a_accepts(c, r):
    card(c.a, "ch-inbox", r["ticket"]).locator(".ch-accept").click()
    until(lambda: request_of(c, r["id"])["status"] == "accepted", "A's accept is stored")


def b_dialog_refused(c, text):
    conflict = c.b.locator("#ch-dlg-conflict")
    expect(conflict).to_be_visible(timeout=UI_MS)
    expect(conflict).to_contain_text(text)


def b_notice_refused(c, code, text):
    notice = c.b.locator("#ch-notice")
    expect(notice).to_have_attribute("data-conflict", code, timeout=UI_MS)
    expect(notice).to_contain_text(text)


# -- the decisions -------------------------------------------------------------------------------------------------
# Each case: what B looks at, what A does meanwhile, what B confirms, how B is told, and B deciding again.
def dialog_case(action_button, final_status, reason=False):
    """B opens the request's dialog; A accepts it from its inbox; B confirms `action_button` on the old state."""
    def run(c):
        r = file(c, f"Đề nghị kiểm tra {secrets.token_hex(3)} cống thoát nước xóm 3 bị tắc lâu ngày.")
        expect(card(c.b, "ch-inbox", r["ticket"])).to_be_visible(timeout=UI_MS)
        card(c.b, "ch-inbox", r["ticket"]).locator(".ch-more").click()
        if reason:
            c.b.locator("#ch-dlg-reason").select_option(index=1)
        b_caught_up(c)
        c.socket_b.hold()
        a_accepts(c, r)
        c.b.click(action_button)
        b_dialog_refused(c, f"Phiếu số {r['ticket']} vừa được xử lý trên màn hình khác: "
                            "từ “Đã nhận” thành “Đã xếp lượt”")
        assert request_of(c, r["id"])["status"] == "accepted"          # A's decision stands
        expect(c.b.locator("#ch-dialog")).to_have_attribute("data-status", "accepted")   # the new state is shown
        if reason:
            assert c.b.locator("#ch-dlg-reason").input_value()        # what B chose is still there
        c.socket_b.release()
        c.b.click(action_button)                                       # B decides again, on the new state
        until(lambda: request_of(c, r["id"])["status"] == final_status, f"B's second decision: {final_status}")
        expect(c.b.locator("#ch-dialog")).not_to_be_visible(timeout=UI_MS)
    return run


def case_accept(c):
    """B's inbox card still offers "Xếp lượt"; A sent the request to a written answer meanwhile."""
    r = file(c, "Đề nghị lắp thêm đèn chiếu sáng đoạn đường từ chợ đến trạm y tế xã.")
    expect(card(c.b, "ch-inbox", r["ticket"])).to_be_visible(timeout=UI_MS)
    b_caught_up(c)
    c.socket_b.hold()
    a_dialog(c, r["ticket"])
    c.a.click("#ch-dlg-writing")
    until(lambda: request_of(c, r["id"])["status"] == "written", "A's written answer is stored")
    card(c.b, "ch-inbox", r["ticket"]).locator(".ch-accept").click()
    b_dialog_refused(c, "từ “Đã nhận” thành “Trả lời bằng văn bản”")
    assert request_of(c, r["id"])["status"] == "written"
    c.socket_b.release()
    c.b.click("#ch-dlg-forward")                                       # B decides again: forward it
    until(lambda: request_of(c, r["id"])["status"] == "forwarded", "B forwards it")


def case_merge(c):
    """B merges a request into another; A accepted the target meanwhile."""
    target = file(c, "Đề nghị nạo vét kênh tưới tiêu cánh đồng thôn Nam trước vụ xuân.", "Kinh tế")
    source = file(c, "Kênh tưới cánh đồng thôn Nam bị bồi lấp, đề nghị nạo vét trước vụ xuân.", "Kinh tế")
    expect(card(c.b, "ch-inbox", source["ticket"])).to_be_visible(timeout=UI_MS)
    card(c.b, "ch-inbox", source["ticket"]).locator(".ch-more").click()
    c.b.locator("#ch-dlg-merge").select_option(str(target["id"]))
    b_caught_up(c)
    c.socket_b.hold()
    a_accepts(c, target)
    c.b.click("#ch-dlg-merge-btn")
    b_dialog_refused(c, f"Phiếu số {target['ticket']} vừa được xử lý trên màn hình khác")
    assert request_of(c, source["id"])["status"] == "submitted"
    assert c.b.locator("#ch-dlg-merge").input_value() == str(target["id"])
    c.socket_b.release()
    c.b.click("#ch-dlg-merge-btn")
    until(lambda: request_of(c, source["id"])["merged_into_id"] == target["id"], "B merges it again")


def case_assign(c):
    """B assigns one unit; A assigned another meanwhile."""
    r = file(c, "Đề nghị hướng dẫn thủ tục cấp đổi giấy chứng nhận quyền sử dụng đất bị mất.", "Đất đai")
    mine, theirs = c.units["Phòng Kinh tế"], c.units["Văn phòng HĐND và UBND"]
    expect(card(c.b, "ch-inbox", r["ticket"])).to_be_visible(timeout=UI_MS)
    card(c.b, "ch-inbox", r["ticket"]).locator(".ch-more").click()
    c.b.locator("#ch-dlg-unit").select_option(str(mine))
    b_caught_up(c)
    c.socket_b.hold()
    a_dialog(c, r["ticket"])
    c.a.locator("#ch-dlg-unit").select_option(str(theirs))
    c.a.click("#ch-dlg-assign-save")
    until(lambda: request_of(c, r["id"])["unit_id"] == theirs, "A's unit is stored")
    c.b.click("#ch-dlg-assign-save")
    b_dialog_refused(c, f"Phiếu số {r['ticket']} vừa được thay đổi trong lúc bạn xem (đơn vị trả lời; cách trả lời)")
    assert request_of(c, r["id"])["unit_id"] == theirs
    expect(c.b.locator("#ch-dlg-unit")).to_have_value(str(theirs))     # the dialog shows A's unit now
    c.socket_b.release()
    c.b.locator("#ch-dlg-unit").select_option(str(mine))
    c.b.click("#ch-dlg-assign-save")
    until(lambda: request_of(c, r["id"])["unit_id"] == mine, "B assigns again")


def queued_pair(c):
    clear_floor(c)
    x = file(c, "Đề nghị sửa cầu treo qua suối thôn Đông đã xuống cấp.")
    y = file(c, "Đề nghị bố trí điểm trông giữ trẻ cho con công nhân khu công nghiệp.", "Giáo dục")
    for r in (x, y):
        api(c, "POST", f"/requests/{r['id']}/accept", json={})
    expect(card(c.b, "ch-queue", y["ticket"])).to_be_visible(timeout=UI_MS)
    return x, y


def case_call(c):
    """B calls X from its queue; A called Y meanwhile (calling X would silently end Y's turn)."""
    x, y = queued_pair(c)
    b_caught_up(c)
    c.socket_b.hold()
    card(c.a, "ch-queue", y["ticket"]).locator(".ch-call-this").click()
    until(lambda: staff(c)["meeting"]["floor"]["request_id"] == y["id"], "A's call is stored")
    card(c.b, "ch-queue", x["ticket"]).locator(".ch-call-this").click()
    b_notice_refused(c, "floor_changed", f"trước là “chưa mời ai”, nay là “đang mời phiếu số {y['ticket']}”")
    assert staff(c)["meeting"]["floor"]["request_id"] == y["id"]
    c.socket_b.release()
    expect(c.b.locator("#ch-floor-card")).to_contain_text(f"#{y['ticket']}", timeout=UI_MS)
    card(c.b, "ch-queue", x["ticket"]).locator(".ch-call-this").click()
    until(lambda: staff(c)["meeting"]["floor"]["request_id"] == x["id"], "B calls X, on the new state")
    assert request_of(c, y["id"])["status"] == "accepted"            # Y goes back to the head of the queue


def case_end(c):
    """B ends X's turn; A ended it and gave the floor to Y meanwhile (B's end would cut Y off)."""
    x, y = queued_pair(c)
    api(c, "POST", "/floor/call", json={"request_id": x["id"]})
    api(c, "POST", "/floor/start", json={})
    expect(c.b.locator("#ch-end")).to_be_enabled(timeout=UI_MS)
    b_caught_up(c)
    c.socket_b.hold()
    c.a.click("#ch-end")
    until(lambda: request_of(c, x["id"])["status"] == "answered", "A ends X")
    card(c.a, "ch-queue", y["ticket"]).locator(".ch-call-this").click()
    expect(c.a.locator("#ch-start")).to_be_enabled(timeout=UI_MS)
    c.a.click("#ch-start")
    until(lambda: request_of(c, y["id"])["status"] == "speaking", "A starts Y")
    c.b.click("#ch-end")
    b_notice_refused(c, "floor_changed", f"trước là “phiếu số {x['ticket']} đang phát biểu”, "
                                         f"nay là “phiếu số {y['ticket']} đang phát biểu”")
    assert request_of(c, y["id"])["status"] == "speaking"
    c.socket_b.release()
    expect(c.b.locator("#ch-floor-card")).to_contain_text(f"#{y['ticket']}", timeout=UI_MS)
    c.b.click("#ch-end")
    until(lambda: request_of(c, y["id"])["status"] == "answered", "B ends Y's turn, on the new state")


def case_requeue(c):
    """B sends the called speaker back to the queue (not in the hall); A started X's time meanwhile."""
    x, y = queued_pair(c)
    api(c, "POST", "/floor/call", json={"request_id": x["id"]})
    expect(c.b.locator("#ch-start")).to_be_enabled(timeout=UI_MS)
    b_caught_up(c)
    c.socket_b.hold()
    c.a.click("#ch-start")
    until(lambda: request_of(c, x["id"])["status"] == "speaking", "A starts X")
    c.b.click("#ch-requeue")
    b_notice_refused(c, "floor_changed", f"trước là “đang mời phiếu số {x['ticket']}”, "
                                         f"nay là “phiếu số {x['ticket']} đang phát biểu”")
    assert request_of(c, x["id"])["status"] == "speaking"
    c.socket_b.release()
    expect(c.b.locator("#ch-end")).to_be_enabled(timeout=UI_MS)
    c.b.click("#ch-requeue")                                           # B still means it, on the new state
    until(lambda: request_of(c, x["id"])["status"] == "accepted", "B requeues X")


def case_reorder(c):
    """B moves a request to the top; A reordered the queue meanwhile."""
    clear_floor(c)
    for i in range(3):
        api(c, "POST", f"/requests/{file(c, f'Đề nghị {i} về trật tự an toàn giao thông giờ tan học.')['id']}/accept",
            json={})
    before = queue_ids(c)
    tickets = {r["id"]: r["ticket"] for r in staff(c)["requests"]}
    expect(card(c.b, "ch-queue", tickets[before[-1]])).to_be_visible(timeout=UI_MS)
    b_caught_up(c)
    c.socket_b.hold()
    card(c.a, "ch-queue", tickets[before[-1]]).locator(".ch-top").click()
    moved = [before[-1]] + before[:-1]
    until(lambda: queue_ids(c) == moved, "A's move is stored")
    card(c.b, "ch-queue", tickets[before[1]]).locator(".ch-top").click()
    b_notice_refused(c, "queue_changed", "Hàng đợi vừa thay đổi trên màn hình khác (thứ tự đã được sắp xếp lại)")
    assert queue_ids(c) == moved
    c.socket_b.release()
    until(lambda: c.b.eval_on_selector_all("#ch-queue li.ch-card", "ns => ns.map(n => +n.dataset.id)") == moved,
          "B's console shows A's order")
    card(c.b, "ch-queue", tickets[before[1]]).locator(".ch-top").click()
    until(lambda: queue_ids(c)[0] == before[1], "B moves it to the top, on the new order")


CASES = {
    "accept": case_accept,
    "decline": dialog_case("#ch-dlg-decline", "declined", reason=True),
    "written answer": dialog_case("#ch-dlg-writing", "written"),
    "forward": dialog_case("#ch-dlg-forward", "forwarded"),
    "complaint": dialog_case("#ch-dlg-complaint", "complaint"),
    "merge": case_merge,
    "assign": case_assign,
    "call": case_call,
    "end": case_end,
    "requeue": case_requeue,
    "reorder": case_reorder,
}


@pytest.mark.parametrize("kind", list(CASES))
def test_a_stale_decision_is_refused_and_decided_again(consoles, kind):
    c = consoles
    try:
        CASES[kind](c)
    finally:
        c.socket_b.release()
        c.b.keyboard.press("Escape")
        c.a.keyboard.press("Escape")


def test_the_open_dialog_says_when_its_request_changes_and_shows_the_new_state(consoles):
    c = consoles
    r = file(c, "Đề nghị xây nhà văn hóa thôn Tây đã xuống cấp nghiêm trọng.", "Văn hóa")
    expect(card(c.b, "ch-inbox", r["ticket"])).to_be_visible(timeout=UI_MS)
    card(c.b, "ch-inbox", r["ticket"]).locator(".ch-more").click()
    c.b.fill("#ch-dlg-reason-text", "Đã có trong kế hoạch năm sau")
    a_accepts(c, r)
    changed = c.b.locator("#ch-dlg-changed")
    expect(changed).to_contain_text("Phiếu này vừa thay đổi trên màn hình khác (nay: Đã xếp lượt)", timeout=UI_MS)
    expect(c.b.locator("#ch-dialog")).to_have_attribute("data-status", "submitted")   # nothing moved under B
    c.b.click("#ch-dlg-refresh")
    expect(c.b.locator("#ch-dialog")).to_have_attribute("data-status", "accepted")
    assert c.b.locator("#ch-dlg-reason-text").input_value() == "Đã có trong kế hoạch năm sau"
    c.b.keyboard.press("Escape")


def test_quick_repeated_moves_never_collide_with_their_own_echo(consoles):
    c = consoles
    clear_floor(c)
    for i in range(4):
        api(c, "POST", f"/requests/{file(c, f'Đề nghị {i} về vệ sinh môi trường khu chợ.', 'Môi trường')['id']}"
                       "/accept", json={})
    before = queue_ids(c)
    last = before[-1]
    tickets = {r["id"]: r["ticket"] for r in staff(c)["requests"]}
    b_caught_up(c)
    card(c.b, "ch-queue", tickets[last]).locator(".ch-head").click()
    c.b.evaluate("document.getElementById('ch-notice').removeAttribute('data-conflict')")   # earlier cases' notice
    for _ in range(3):                                   # three presses, faster than the server's echo
        c.b.keyboard.press("Alt+ArrowUp")
    expected_order = before[:-4] + [last] + before[-4:-1]
    until(lambda: queue_ids(c) == expected_order, "three moves up, each on the order the last one made")
    c.b.wait_for_timeout(300)
    assert c.b.locator("#ch-notice").get_attribute("data-conflict") in (None, "")
    until(lambda: c.b.eval_on_selector_all("#ch-queue li.ch-card", "ns => ns.map(n => +n.dataset.id)")
          == expected_order, "B's console shows the order it made")

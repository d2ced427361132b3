"""The secretary's screen in Debian's chromium against the real server (eventlet subprocess, demo meeting): it fills
itself as the chair calls speakers, keeps what is typed through a reload and an offline spell, and shows two
clerks' texts side by side instead of overwriting one."""
from __future__ import annotations

import io
import time

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.documents._helpers import notice_lines
from tests.support.browser import wait_in_page
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

ENTRY = 'article.sec-entry[data-request-id="{}"]'


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = ServerProcess(tmp_path_factory.mktemp("secretary-server"), demo=True)
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def request_ids(srv):
    r = srv.api("GET", "/meetings/DEMO/staff", role="chair")
    return [q["id"] for q in sorted(r.json()["requests"], key=lambda q: q["ticket"])]


def chair(srv, action, path, body=None):
    r = srv.api(action, "/meetings/DEMO" + path, role="chair", json=body if body is not None else {})
    assert r.status_code == 200, r.text
    return r.json()


def call_to_floor(srv, rid):
    chair(srv, "POST", f"/requests/{rid}/accept")
    chair(srv, "POST", "/floor/call", {"request_id": rid})


def minutes_entry(srv, rid):
    view = srv.api("GET", "/meetings/DEMO/minutes", role="secretary").json()
    return next(e for e in view["entries"] if e["request_id"] == rid)


def wait_until(fn, timeout=10.0, interval=0.1):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def open_secretary(srv, new_page):
    page = new_page()
    page.goto(srv.screen_url("secretary"))
    page.wait_for_selector('#secretary[data-state="ready"]')
    return page


def test_minutes_fill_themselves_as_the_chair_calls(srv, new_page, request_ids):
    page = open_secretary(srv, new_page)
    first, second = request_ids[0], request_ids[1]
    call_to_floor(srv, first)
    entry = page.wait_for_selector(ENTRY.format(first))
    staff = {q["id"]: q for q in srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["requests"]}
    assert f"Phiếu số {staff[first]['ticket']}" in entry.inner_text()
    assert staff[first]["full_name"] in entry.inner_text()
    assert page.locator(ENTRY.format(first) + ' textarea[data-field="summary"]').input_value() == staff[first]["content"]
    chair(srv, "POST", "/floor/start")
    unit_id = staff[first]["unit_id"]
    chair(srv, "POST", "/answers", {"request_ids": [first], "unit_id": unit_id, "answerer": "Đồng chí Trưởng phòng",
                                    "mode": "hall", "summary": "Sẽ kiểm tra hồ sơ trong tuần."})
    wait_in_page(
        page, "id => document.querySelector('#ans-' + id).value === 'Sẽ kiểm tra hồ sơ trong tuần.'", arg=first)
    assert "Đồng chí Trưởng phòng" in page.locator(ENTRY.format(first)).inner_text()
    # Calling the next speaker ends the first turn: a second entry appears below, with times.
    call_to_floor(srv, second)
    page.wait_for_selector(ENTRY.format(second))
    nodes = page.locator("article.sec-entry")
    assert nodes.count() == 2
    assert nodes.nth(0).get_attribute("data-request-id") == str(first)
    assert "Ý kiến 2" in nodes.nth(1).inner_text()
    wait_in_page(page, "id => /\\d\\d:\\d\\d – \\d\\d:\\d\\d/.test(document.querySelector("
                       "'article[data-request-id=\"' + id + '\"] .sec-times').textContent)", arg=first)
    # The minutes screen never shows a phone number.
    html = page.content()
    for q in staff.values():
        if q.get("phone"):
            assert q["phone"] not in html
    chair(srv, "POST", "/floor/start")
    chair(srv, "POST", "/floor/end")


def test_typing_survives_a_reload_and_an_offline_spell(srv, new_page, request_ids):
    rid = request_ids[3]
    call_to_floor(srv, rid)
    page = open_secretary(srv, new_page)
    box = page.locator(f"#sum-{rid}")
    box.wait_for()
    # 1. Autosave within seconds.
    box.fill("Bản ghi lần một.")
    wait_until(lambda: minutes_entry(srv, rid)["summary"] == "Bản ghi lần một.", timeout=6)
    wait_in_page(page, "id => /Đã lưu/.test(document.querySelector("
                       "'article[data-request-id=\"' + id + '\"] .sec-save-state').textContent)", arg=rid)
    # 2. Reload before the autosave fires: the text comes back from this browser and is then saved.
    box.fill("Bản ghi lần hai, gõ xong tải lại ngay.")
    page.reload()
    page.wait_for_selector('#secretary[data-state="ready"]')
    assert page.locator(f"#sum-{rid}").input_value() == "Bản ghi lần hai, gõ xong tải lại ngay."
    wait_until(lambda: minutes_entry(srv, rid)["summary"] == "Bản ghi lần hai, gõ xong tải lại ngay.", timeout=8)
    # 3. Offline: the text stays on the page (and in localStorage) and is sent when the network is back.
    page.context.set_offline(True)
    page.locator(f"#sum-{rid}").fill("Bản ghi khi mất mạng.")
    wait_in_page(page, "id => /Chưa lưu/.test(document.querySelector("
                       "'article[data-request-id=\"' + id + '\"] .sec-save-state').textContent)", arg=rid)
    time.sleep(2.0)
    assert minutes_entry(srv, rid)["summary"] == "Bản ghi lần hai, gõ xong tải lại ngay."
    stored = page.evaluate("k => localStorage.getItem(k)", f"moderator.minutes.DEMO.e{rid}")
    assert "Bản ghi khi mất mạng." in stored
    page.context.set_offline(False)
    wait_until(lambda: minutes_entry(srv, rid)["summary"] == "Bản ghi khi mất mạng.", timeout=15)
    wait_in_page(page, "k => localStorage.getItem(k) === null", arg=f"moderator.minutes.DEMO.e{rid}")
    assert minutes_entry(srv, rid)["revision"] == 3


def test_two_clerks_see_a_conflict_not_an_overwrite(srv, new_page, request_ids):
    rid = request_ids[5]
    call_to_floor(srv, rid)
    a = open_secretary(srv, new_page)
    b = open_secretary(srv, new_page)
    a.locator(f"#sum-{rid}").wait_for()
    b.locator(f"#sum-{rid}").wait_for()
    # Clerk B types while the laptop's Wi-Fi is down; clerk A saves the same entry meanwhile.
    b.context.set_offline(True)
    b.locator(f"#sum-{rid}").fill("Bản của thư ký B.")
    a.locator(f"#sum-{rid}").fill("Bản của thư ký A.")
    wait_until(lambda: minutes_entry(srv, rid)["summary"] == "Bản của thư ký A.", timeout=6)
    b.context.set_offline(False)
    conflict = b.locator(ENTRY.format(rid) + " .sec-conflict")
    conflict.wait_for(state="visible", timeout=15_000)
    assert conflict.locator(".sec-theirs").inner_text() == "Bản của thư ký A."
    assert conflict.locator(".sec-yours").inner_text() == "Bản của thư ký B."
    assert "Người khác vừa sửa" in conflict.inner_text()
    assert minutes_entry(srv, rid)["summary"] == "Bản của thư ký A."     # nothing overwritten
    # B keeps theirs after reading both: saved, and A's screen follows.
    conflict.locator(".sec-keep-mine").click()
    wait_until(lambda: minutes_entry(srv, rid)["summary"] == "Bản của thư ký B.", timeout=6)
    wait_in_page(a, "id => document.querySelector('#sum-' + id).value === 'Bản của thư ký B.'", arg=rid)
    revs = srv.api("GET", f"/meetings/DEMO/minutes/entries/{rid}/revisions", role="secretary").json()
    assert [v["summary"] for v in revs["revisions"]] == ["Bản của thư ký B.", "Bản của thư ký A."]


def test_paper_form_lands_in_the_chairs_inbox(srv, new_page):
    page = open_secretary(srv, new_page)
    page.check('input[name="source"][value="floor"]')
    page.fill("#p-full_name", "Trịnh Văn Tại Chỗ")
    page.fill("#p-locality", "Xóm 9")
    page.fill("#p-content", "Đề nghị lắp thêm đèn chiếu sáng đường trục xóm 9.")
    page.click('#sec-paper button[type="submit"]')
    ok = page.locator("#sec-paper-ok")
    ok.wait_for(state="visible")
    assert "Đã gửi phiếu số" in ok.inner_text()
    reqs = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["requests"]
    mine = [q for q in reqs if q["full_name"] == "Trịnh Văn Tại Chỗ"]
    assert len(mine) == 1 and mine[0]["source"] == "floor" and mine[0]["status"] == "submitted"
    # A form with no content is refused with the field marked, in Vietnamese.
    page.fill("#p-full_name", "Người thứ hai")
    page.click('#sec-paper button[type="submit"]')
    page.locator("#sec-paper-error").wait_for(state="visible")
    assert page.locator("#p-content").get_attribute("aria-invalid") == "true"


def test_attendance_and_signatories_are_saved_for_the_documents(srv, new_page):
    page = open_secretary(srv, new_page)
    page.click("#sec-details > summary")
    page.click("#sec-add-group")
    page.locator(".sec-group .sec-label").last.fill("Đại diện Hội Cựu chiến binh")
    page.locator(".sec-group .sec-count").last.fill("15")
    page.click('#sec-attendance button[type="submit"]')
    wait_in_page(page, "() => /Đã lưu/.test(document.querySelector('#sec-attendance-state').textContent)")
    page.fill("#h-doc_number", "07-BB/ĐU")
    page.fill('input[name="secretary_name"]', "Phạm Thị Ghi")
    page.click('#sec-header button[type="submit"]')
    wait_in_page(page, "() => /Đã lưu/.test(document.querySelector('#sec-header-state').textContent)")
    # The chair's conclusion, typed by the secretary, saves by itself too.
    page.fill("#sec-conclusion", "Giao các phòng chuyên môn trả lời bằng văn bản trước ngày 15/12.")
    wait_until(lambda: srv.api("GET", "/meetings/DEMO/minutes", role="secretary").json()["meeting"]["conclusion"]
               == "Giao các phòng chuyên môn trả lời bằng văn bản trước ngày 15/12.", timeout=6)
    view = srv.api("GET", "/meetings/DEMO/minutes", role="secretary").json()
    assert {"label": "Đại diện Hội Cựu chiến binh", "count": 15} in view["attendance"]["groups"]
    assert view["meeting"]["doc_number"] == "07-BB/ĐU"
    assert view["signatories"]["secretary"]["name"] == "Phạm Thị Ghi"
    assert len(view["signatories"]["chairs"]) == 2          # the demo's co-chairs were kept
    # The exported minutes carry them.
    r = srv.api("GET", "/meetings/DEMO/minutes.docx", role="secretary")
    assert r.status_code == 200
    from docx import Document
    import io
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for row in t.rows
                                                                 for c in row.cells)
    assert "Đại diện Hội Cựu chiến binh: 15 người" in text and "Số 07-BB/ĐU" in text and "Phạm Thị Ghi" in text
    assert "trả lời bằng văn bản trước ngày 15/12." in text


def test_export_buttons_download_the_notice_and_the_summary(srv, new_page):
    """The secretary's export buttons (the session the screen's key opened, no header) download a notice that
    lists a request decided from the inbox, with its unit and deadline, and a summary table that agrees."""
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    units = {u["name"]: u["id"] for u in staff["meeting"]["units"]}
    target = next(q for q in sorted(staff["requests"], key=lambda q: -q["ticket"]) if q["status"] == "submitted")
    chair(srv, "POST", f"/requests/{target['id']}/to_writing",
          {"deadline": "2026-12-28", "unit_id": units["Văn phòng HĐND và UBND"]})
    page = open_secretary(srv, new_page)

    with page.expect_download() as info:
        page.click("#sec-export-conclusion")
    download = info.value
    assert download.suggested_filename == "thong-bao-ket-luan-DEMO.docx"
    doc = Document(download.path())
    lines = {line.ticket: line for line in notice_lines(doc)}
    item = lines[target["ticket"]]
    assert item.outcome == "writing" and item.group == "Văn phòng HĐND và UBND"
    assert item.text.endswith("thời hạn: 28/12/2026.")

    with page.expect_download() as info:
        page.click("#sec-export-summary")
    assert info.value.suggested_filename == "tong-hop-kien-nghi-DEMO.xlsx"
    ws = load_workbook(io.BytesIO(info.value.path().read_bytes())).active   # the saved file has no extension
    headers = [c.value for c in ws[2]]
    row = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[headers.index("Số phiếu")] == target["ticket"])
    assert row[headers.index("Đơn vị trả lời")] == "Văn phòng HĐND và UBND"
    assert row[headers.index("Hình thức trả lời")] == "Trả lời bằng văn bản"
    assert row[headers.index("Thời hạn")].date().isoformat() == "2026-12-28"

"""Playwright (Debian chromium) through the organiser's pages and the answering unit's screen, on the real
server."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import intended_role_link_404

from .helpers import PASSWORD, csv_bytes

pytestmark = pytest.mark.browser


def watch(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "Failed to load" not in msg.text
            else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") and not intended_role_link_404(r)
            else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_organiser_walk(live, new_page):
    page = new_page(viewport=(1280, 900))
    errors = watch(page)
    page.goto(live.url + "/admin/")
    assert "/admin/login" in page.url
    page.fill("#username", "vanphong")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#meetings")
    assert "Giao Minh" in page.inner_text("#meetings")

    # Create a province dialogue from its template.
    page.check("input[name=preset][value=province]")
    page.fill("#title", "Hội nghị đối thoại của Bí thư Tỉnh ủy với Nhân dân thành phố")
    page.fill("#date", (date.today() + timedelta(days=20)).isoformat())
    page.click("#create button[type=submit]")
    page.wait_for_selector("#settings-form")
    assert "Đã tạo hội nghị" in page.inner_text("main")
    assert page.input_value("#speaking_seconds") == "240"
    page.fill("#speaking_seconds", "300")
    page.fill("#doc_number", "166-KH/TU")
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector(".alert-ok")
    assert page.input_value("#speaking_seconds") == "300"

    # Units and fields.
    page.click("nav.tabs >> text=Đơn vị và lĩnh vực")
    values = "#units input[name=name]"
    assert "Sở Nông nghiệp và Môi trường" in page.eval_on_selector_all(values, "els => els.map(e => e.value)")
    page.fill("#new-unit", "Sở Công Thương")
    page.click("#add-unit button")
    page.wait_for_selector(".alert-ok")
    assert "Sở Công Thương" in page.eval_on_selector_all(values, "els => els.map(e => e.value)")

    # Role links: QR shown, printable.
    page.click("nav.tabs >> text=Liên kết vai trò")
    page.select_option("#role", "chair")
    page.fill("#label", "Đồng chí Bí thư Tỉnh ủy")
    page.click("#create-key button[type=submit]")
    page.wait_for_selector("#new-links .qr-card img")
    assert page.eval_on_selector("#new-links .qr-card img", "img => img.complete && img.naturalWidth > 0")
    assert page.is_visible("#new-links [data-print]")
    chair_url = page.get_attribute("#new-links .key-link", "href")
    assert "/chair?key=" in chair_url
    assert page.locator("#key-list tbody tr").count() == 1

    # Import a small list of pre-collected recommendations.
    page.click("nav.tabs >> text=Nhập kiến nghị")
    data = csv_bytes([["Họ và tên", "Lĩnh vực", "Nội dung", "Đơn vị trả lời"],
                      ["Hoàng Văn Nam", "Y tế", "Đề nghị nâng cấp trạm y tế phường.", "Sở Y tế"],
                      ["Lý Thị Mai", "Giáo dục", "Đề nghị xây thêm phòng học.", ""]])
    page.set_input_files("#file", files=[{"name": "kien-nghi.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("#upload-form button")
    page.wait_for_selector("#map-form")
    page.click("#map-form button[type=submit]")
    page.wait_for_selector("#confirm-form")
    assert "2 dòng hợp lệ" in page.inner_text("#preview")
    page.click("#confirm-form button")
    page.wait_for_selector(".alert-ok")
    assert "Đã nhập 2 ý kiến" in page.inner_text(".alert-ok")

    page.click("nav.tabs >> text=Theo dõi trả lời")
    page.wait_for_selector("#tracker-summary")
    page.click("nav.tabs >> text=Kết quả và thống kê")
    assert page.locator("#stats svg.chart").count() >= 3
    page.check("input[name=published]")
    page.click("#publish button[type=submit]")
    page.wait_for_selector("#public-link")
    public_url = page.get_attribute("#public-link", "href")
    page.click("nav.tabs >> text=Dữ liệu cá nhân")
    page.wait_for_selector("#purge")
    assert errors == [], errors

    # The public results on a phone: readable without sideways scrolling, names hidden by default.
    phone = new_page(viewport=(360, 740))
    perrors = watch(phone)
    phone.goto(public_url)
    assert "Đề nghị nâng cấp trạm y tế phường." in phone.inner_text("main")
    assert "Hoàng Văn Nam" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 362
    assert perrors == [], perrors


def test_unit_screen_answers(live, new_page):
    chair = lambda method, path, **kw: live.api(method, path, role="chair", **kw)  # noqa: E731
    mine = live.api("GET", "/meetings/DEMO/unit", role="unit").json()["requests"]
    waiting = [r for r in mine if r["status"] == "submitted"]
    to_write, to_prepare = waiting[0], waiting[1]
    r = chair("POST", f"/meetings/DEMO/requests/{to_write['id']}/to_writing",
              json={"deadline": (date.today() + timedelta(days=7)).isoformat()})
    assert r.status_code == 200, r.text

    page = new_page(viewport=(1024, 800))
    errors = watch(page)
    page.goto(live.screen_url("unit"))
    page.wait_for_selector("#screen[data-state=ready]")
    assert page.inner_text("#unit-name") == "Phòng Kinh tế"
    card = page.locator(f"[data-request-id='{to_write['id']}']")
    assert "Hạn trả lời" in card.inner_text()
    card.locator("textarea").fill("Trả lời bằng văn bản số 20/UBND ngày hôm nay.")
    card.locator("button[data-action=writing]").click()
    page.uncheck("#only-open")
    page.wait_for_selector(f"[data-request-id='{to_write['id']}'] [data-status=answered]")

    prep = page.locator(f"[data-request-id='{to_prepare['id']}']")
    # The answer may be loaded from a text file prepared beforehand.
    prep.locator("input[type=file]").set_input_files(files=[{
        "name": "tra-loi.txt", "mimeType": "text/plain",
        "buffer": "Nội dung chuẩn bị: đã giao Phòng Kinh tế kiểm tra.".encode()}])
    expect(prep.locator("textarea")).to_have_value(re.compile("đã giao Phòng Kinh tế"))
    prep.locator("button").click()
    page.wait_for_selector(f"[data-request-id='{to_prepare['id']}'] .alert-ok")
    staff = {q["id"]: q for q in chair("GET", "/meetings/DEMO/staff").json()["requests"]}
    assert staff[to_write["id"]]["status"] == "answered"
    assert staff[to_write["id"]]["answer_summary"].startswith("Trả lời bằng văn bản số 20")
    assert staff[to_prepare["id"]]["prepared_answer"].startswith("Nội dung chuẩn bị")

    # Live: the chair assigns another request to the unit; it appears without reloading.
    other = next(q for q in staff.values() if q["unit"] != "Phòng Kinh tế" and q["status"] == "submitted")
    unit_id = next(u["id"] for u in chair("GET", "/meetings/DEMO/staff").json()["meeting"]["units"]
                   if u["name"] == "Phòng Kinh tế")
    r = chair("POST", "/meetings/DEMO/answers", json={"request_ids": [other["id"]], "unit_id": unit_id,
                                                      "mode": "writing",
                                                      "deadline": (date.today() - timedelta(days=2)).isoformat()})
    assert r.status_code == 200, r.text
    page.wait_for_selector(f"[data-request-id='{other['id']}'] [data-overdue='1']")
    assert errors == [], errors

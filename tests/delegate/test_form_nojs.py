"""The form without JavaScript: server-rendered, same validation and service as the API; limits; QR codes."""
from __future__ import annotations

import html
import io
import re

import pytest

from moderator.domain.phone import normalize_phone
from tests.support.server import ONE_ADDRESS_HALL_CONFIG

from .conftest import BAD_PHONES, GOOD_PHONES


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One in-process app for the module (threading mode, fresh SQLite); each test is its own device."""
    import os
    saved = {k: os.environ.get(k) for k in ("MODERATOR_INSTANCE", "DATABASE_URL", "REDIS_URL")}
    os.environ["MODERATOR_INSTANCE"] = str(tmp_path_factory.mktemp("delegate-inproc"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    try:
        from moderator import create_app
        from moderator.config import Config
        yield create_app(Config(TESTING=True, ASYNC_MODE="threading", **ONE_ADDRESS_HALL_CONFIG))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def demo(app):
    from moderator.demo import ensure_demo
    return ensure_demo(app.extensions["moderator"], app.config["INSTANCE_DIR"])


@pytest.fixture
def client(app):
    app.config.update(RATE_DEVICE_PER_MINUTE=20, PUBLIC_BASE_URL="")
    return app.test_client()




def csrf_of(text: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', text).group(1)


def key_of(text: str) -> str:
    m = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', text)
    return m.group(1) if m else "no-form-key"


def open_form(client, kind="citizen"):
    r = client.get(f"/j/DEMO/form?kind={kind}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def post_form(client, **fields):
    page = open_form(client, fields.get("kind", "citizen"))
    data = {"csrf_token": csrf_of(page), "kind": "citizen", "full_name": "Lê Văn Hùng", "phone": "0912345678",
            "address": "Xóm 2", "content": "Đề nghị nạo vét kênh tưới tiêu xóm 2.", "wants_to_speak": "1",
            "consent": "1", "idempotency_key": key_of(page)}
    data.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        data.pop(k, None)
    return client.post("/j/DEMO/form", data=data)


def staff(client, demo):
    r = client.get("/api/v1/meetings/DEMO/staff", headers={"X-Role-Key": demo["chair"]})
    assert r.status_code == 200
    return r.get_json()["requests"]


def test_form_has_labels_and_both_kinds(client, demo):
    page = open_form(client)
    for label in ("Họ và tên", "Số điện thoại", "Địa chỉ liên hệ", "Lĩnh vực", "Nội dung ý kiến, kiến nghị",
                  "Tôi muốn phát biểu trực tiếp tại hội nghị", "Chỉ cần trả lời bằng văn bản",
                  "Chỗ ngồi hoặc khu vực", "Tôi đồng ý"):
        assert label in html.unescape(page), label
    assert "Đất đai" in page or "đất đai" in page.lower()      # the meeting's fields
    org = html.unescape(open_form(client, "organization"))
    assert "Cơ quan, tổ chức hoặc cá nhân" in org and "Chức vụ" in org and "Đơn vị công tác" in org
    # every input has a label
    for name in re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', page):
        assert f'for="{name}"' in page or name in ("kind", "idempotency_key", "consent"), name


def test_nojs_submit_creates_one_request_and_shows_the_ticket(client, demo):
    before = len(staff(client, demo))
    page = open_form(client)
    key = key_of(page)
    r = post_form(client, phone="+84 912.345.678", idempotency_key=key, seat="Hàng 3")
    assert r.status_code == 303
    ticket_page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Phiếu số" in ticket_page and "Đã nhận ý kiến" in ticket_page
    # the same form posted again (double tap, a retry): still one request
    again = post_form(client, phone="+84 912.345.678", idempotency_key=key)
    assert again.status_code == 303 and again.headers["Location"] == r.headers["Location"]
    reqs = staff(client, demo)
    assert len(reqs) == before + 1
    mine = reqs[-1]
    assert mine["phone"] == "0912345678" and mine["seat"] == "Hàng 3" and mine["source"] == "phone"
    assert mine["consent_at"]


def test_nojs_bad_inputs_get_messages_per_field_and_create_nothing(client, demo):
    before = len(staff(client, demo))
    r = post_form(client, full_name="", phone="", address="", content="", consent=None)
    assert r.status_code == 422
    text = html.unescape(r.get_data(as_text=True))
    for msg in ("Vui lòng nhập họ và tên", "Vui lòng nhập số điện thoại", "Vui lòng nhập địa chỉ liên hệ",
                "Vui lòng ghi nội dung ý kiến", "Vui lòng đánh dấu đồng ý"):
        assert msg in text, msg
    assert text.count('aria-invalid="true"') >= 5
    r = post_form(client, kind="organization", full_name="Hợp tác xã Giao Minh", position="", address="")
    assert r.status_code == 422 and "Vui lòng nhập chức vụ" in html.unescape(r.get_data(as_text=True))
    r = post_form(client, content="x" * 4001)
    assert r.status_code == 422 and "4000" in r.get_data(as_text=True)
    r = post_form(client, full_name="A" * 121)
    assert r.status_code == 422 and "120" in r.get_data(as_text=True)
    r = post_form(client, field_id="999999")
    assert r.status_code == 400 and "Lĩnh vực không có" in html.unescape(r.get_data(as_text=True))
    # what was typed comes back, so nothing has to be typed again
    r = post_form(client, phone="12345", content="Nội dung giữ lại")
    assert "Nội dung giữ lại" in html.unescape(r.get_data(as_text=True))
    assert len(staff(client, demo)) == before


def test_every_bad_phone_is_refused_with_what_is_expected(client, demo):
    before = len(staff(client, demo))
    for phone in BAD_PHONES:
        check_bad_phone(client, phone)
    assert len(staff(client, demo)) == before


def check_bad_phone(client, phone):
    r = post_form(client, phone=phone)
    assert r.status_code == 422, phone
    assert "Số điện thoại chưa đúng" in html.unescape(r.get_data(as_text=True))
    api = client.post("/api/v1/meetings/DEMO/requests", json={
        "full_name": "A", "phone": phone, "address": "B", "content": "C", "consent": True},
        headers={"X-Device-Token": "bad-phone-device"})
    assert api.status_code == 422 and "phone" in api.get_json()["error"]["fields"]


def test_every_good_phone_is_stored_normalised(client, demo):
    for i, phone in enumerate(GOOD_PHONES):
        tok = f"good-phone-{i}"
        r = client.post("/api/v1/meetings/DEMO/requests", json={
            "full_name": "Người dân", "phone": phone, "address": "Xóm 1",
            "content": f"Kiểm tra số điện thoại {i}",
            "consent": True}, headers={"X-Device-Token": tok})
        assert r.status_code == 201, (phone, r.get_json())
    stored = [s["phone"] for s in staff(client, demo) if s["content"].startswith("Kiểm tra số điện thoại ")]
    assert stored == [normalize_phone(p) for p in GOOD_PHONES]
    assert set(stored) <= {"0912345678", "0356789012", "02438251234", "02283123456"}


def test_per_device_limit_and_rate_limit(app, client, demo):
    for i in range(3):
        assert post_form(client, content=f"Ý kiến {i}").status_code == 303
    r = post_form(client, content="Ý kiến thứ tư")
    assert r.status_code == 400
    assert "tối đa 3 ý kiến" in html.unescape(r.get_data(as_text=True))
    assert "tối đa 3 ý kiến" in html.unescape(open_form(client))      # the form says so before typing
    # a tight per-device rate limit: the 429 says to wait, in Vietnamese
    app.config["RATE_DEVICE_PER_MINUTE"] = 3
    mine = client.get("/api/v1/meetings/DEMO/mine").get_json()["requests"]
    token = csrf_of(open_form(client))
    codes = [client.patch(f"/api/v1/meetings/DEMO/mine/{mine[0]['id']}", json={"content": f"Sửa {i}"},
                          headers={"X-CSRF-Token": token}).status_code for i in range(5)]
    assert 429 in codes
    last = client.patch(f"/api/v1/meetings/DEMO/mine/{mine[0]['id']}", json={"content": "x"},
                        headers={"X-CSRF-Token": token})
    assert last.status_code == 429 and "chờ" in last.get_json()["error"]["message"]


def test_nojs_edit_and_withdraw(client, demo):
    r = post_form(client, content="Nội dung ban đầu")
    url = r.headers["Location"]
    rid = int(url.rsplit("/", 1)[1])
    page = client.get(url).get_data(as_text=True)
    token = csrf_of(page)
    r = client.post(f"/j/DEMO/t/{rid}/edit", data={"csrf_token": token, "content": "Nội dung đã sửa"})
    assert r.status_code == 303
    page = html.unescape(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "Nội dung đã sửa" in page and "Đã lưu nội dung mới" in page
    r = client.post(f"/j/DEMO/t/{rid}/withdraw", data={"csrf_token": token})
    assert r.status_code == 303
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert "Bạn đã rút ý kiến này" in page
    assert [s["status"] for s in staff(client, demo) if s["id"] == rid] == ["withdrawn"]
    # another device cannot see or touch it
    other = client.application.test_client()
    assert other.get(url).status_code == 404
    assert other.post(f"/j/DEMO/t/{rid}/withdraw", data={}).status_code in (400, 403, 404, 409)


def test_payload_is_escaped_in_server_rendered_pages(client, demo):
    payload = '<script>window.__x=1</script><img src=x onerror=alert(1)>'
    r = post_form(client, full_name=payload, content=payload)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "<script>window.__x" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in page


def test_registration_closed_says_why(client, demo):
    r = client.put("/api/v1/meetings/DEMO/registration", json={"open": False, "note": "Đã hết giờ đăng ký."},
                   headers={"X-Role-Key": demo["chair"]})
    assert r.status_code == 200
    page = html.unescape(client.get("/j/DEMO").get_data(as_text=True))
    assert "Đăng ký phát biểu đã đóng." in page and "Đã hết giờ đăng ký." in page
    try:
        r = post_form(client)
        assert r.status_code == 400 and "Đã hết giờ đăng ký." in html.unescape(r.get_data(as_text=True))
    finally:
        client.put("/api/v1/meetings/DEMO/registration", json={"open": True}, headers={"X-Role-Key": demo["chair"]})


def test_qr_png_decodes_to_the_join_url(app, client, demo):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image
    img = Image.open(io.BytesIO(client.get("/j/DEMO/qr.png").data))
    assert [b.text for b in zxingcpp.read_barcodes(img)] == ["http://localhost/j/DEMO"]
    app.config["PUBLIC_BASE_URL"] = "http://192.168.1.10:8000"
    img = Image.open(io.BytesIO(client.get("/j/DEMO/qr.png").data))
    assert [b.text for b in zxingcpp.read_barcodes(img)] == ["http://192.168.1.10:8000/j/DEMO"]
    svg = client.get("/j/DEMO/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    poster = html.unescape(client.get("/j/DEMO/poster").get_data(as_text=True))
    assert "192.168.1.10:8000/j/DEMO" in poster and "/j/DEMO/qr.svg" in poster
    cards = client.get("/j/DEMO/cards?n=12").get_data(as_text=True)
    assert cards.count('class="seat-card"') == 12
    assert client.get("/j/NOPE/qr.png").status_code == 404


def test_go_redirects_to_the_join_page(app, client, demo):
    from flask import url_for
    assert client.get("/go?code=demo").headers["Location"].endswith("/j/DEMO")
    with app.test_request_context():
        assert url_for("delegate.join", code="DEMO") == "/j/DEMO"


def test_nojs_a_new_text_under_a_used_key_is_not_swallowed(client, demo):
    """The browser's Back brings the form back with its key; a different text under it is a new request."""
    page = open_form(client)
    key = key_of(page)
    first = post_form(client, idempotency_key=key, content="Đề nghị sửa cầu tràn thôn Trung.")
    assert first.status_code == 303
    refused = post_form(client, idempotency_key=key, content="Đề nghị lắp đèn đường thôn Trung.")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "đã được dùng cho một ý kiến khác" in html.unescape(text)
    assert "Đề nghị lắp đèn đường thôn Trung." in html.unescape(text)    # the text is kept in the form
    new_key = key_of(text)
    assert new_key != key
    again = post_form(client, idempotency_key=new_key, content="Đề nghị lắp đèn đường thôn Trung.")
    assert again.status_code == 303 and again.headers["Location"] != first.headers["Location"]
    contents = [r["content"] for r in staff(client, demo)]
    assert contents.count("Đề nghị sửa cầu tràn thôn Trung.") == 1
    assert contents.count("Đề nghị lắp đèn đường thôn Trung.") == 1

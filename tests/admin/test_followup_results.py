"""After the meeting, against the real server: a unit answers, the follow-up tracker and the public results page
follow; the public page and its payload never hold phone or address (nor names when hidden)."""
import io
import re
from datetime import date, timedelta

import pytest
import socketio
from openpyxl import load_workbook

from .conftest import admin_session

SECRET_PHONE = "0915 123 456"
SECRET_ADDRESS = "Số 12 ngõ 5 đường Trần Phú"


@pytest.fixture(scope="module")
def scene(live):
    """Three requests decided by the chair: two to answer in writing (one overdue), one answered in the hall."""
    chair = lambda method, path, **kw: live.api(method, path, role="chair", **kw)  # noqa: E731
    staff = chair("GET", "/meetings/DEMO/staff").json()
    unit_id = next(u["id"] for u in staff["meeting"]["units"] if u["name"] == "Phòng Kinh tế")
    r = chair("POST", "/meetings/DEMO/paper", json={
        "kind": "citizen", "full_name": "Đinh Thị Bí Mật", "phone": SECRET_PHONE, "address": SECRET_ADDRESS,
        "locality": "Xóm 9", "content": "Đề nghị sửa cống thoát nước xóm 9 trước mùa mưa.", "unit_id": unit_id})
    assert r.status_code == 201, r.text
    secret_id = r.json()["id"]
    reqs = [q for q in chair("GET", "/meetings/DEMO/staff").json()["requests"]
            if q["unit_id"] == unit_id and q["status"] == "submitted" and q["id"] != secret_id]
    overdue, later = reqs[0], reqs[1]
    yesterday, next_month = date.today() - timedelta(days=1), date.today() + timedelta(days=30)
    for q, deadline in ((overdue, yesterday), (later, next_month)):
        r = chair("POST", f"/meetings/DEMO/requests/{q['id']}/to_writing", json={"deadline": deadline.isoformat()})
        assert r.status_code == 200, r.text
    r = chair("POST", f"/meetings/DEMO/requests/{secret_id}/to_writing", json={"deadline": next_month.isoformat()})
    assert r.status_code == 200, r.text
    return {"unit_id": unit_id, "overdue": overdue, "later": later, "secret_id": secret_id, "staff": staff}


def test_unit_answers_and_tracker_follows(live, scene):
    s, csrf = admin_session(live)
    page = s.get(live.url + "/admin/meetings/DEMO/followup").text
    row = re.search(rf'<tr id="req-{scene["overdue"]["id"]}" class="([^"]*)"', page)
    assert row and "is-overdue" in row.group(1)
    assert "QUÁ HẠN" in page
    by_unit = re.search(r'id="by-unit".*?</details>', page, re.S).group(0)
    assert '<tr class="is-overdue"><td>Phòng Kinh tế</td>' in by_unit
    later_row = re.search(rf'<tr id="req-{scene["later"]["id"]}" class="([^"]*)"', page)
    assert "is-overdue" not in later_row.group(1)

    # The unit sees the request with its deadline, and gets a `unit` message when it answers.
    events = []
    sio = socketio.Client(reconnection=False)
    sio.on("unit", lambda msg: events.append(msg))
    sio.connect(live.url, auth={"meeting": "DEMO", "key": live.keys["unit"]}, transports=["websocket"],
                wait_timeout=10)
    try:
        mine = live.api("GET", "/meetings/DEMO/unit", role="unit").json()
        item = next(r for r in mine["requests"] if r["id"] == scene["overdue"]["id"])
        assert item["answer"]["deadline"] == (date.today() - timedelta(days=1)).isoformat()
        assert "phone" not in item and "address" not in item
        answer = "Đã kiểm tra hiện trường; UBND xã bố trí kinh phí sửa chữa trong quý I (Văn bản số 15/UBND)."
        r = live.api("POST", f"/meetings/DEMO/unit/requests/{scene['overdue']['id']}/answer", role="unit",
                     json={"summary": answer, "mode": "writing"})
        assert r.status_code == 200, r.text
        for _ in range(50):
            if any(q["id"] == scene["overdue"]["id"] and q["status"] == "answered"
                   for e in events for q in e["requests"]):
                break
            sio.sleep(0.1)
        assert any(q["id"] == scene["overdue"]["id"] and q["status"] == "answered" for e in events
                   for q in e["requests"])
    finally:
        sio.disconnect()

    page = s.get(live.url + "/admin/meetings/DEMO/followup").text
    row = re.search(rf'<tr id="req-{scene["overdue"]["id"]}" class="([^"]*)"', page)
    assert "is-overdue" not in row.group(1) and "is-done" in row.group(1)
    assert "Văn bản số 15/UBND" in page
    only_open = s.get(live.url + "/admin/meetings/DEMO/followup?open=1").text
    assert f'id="req-{scene["overdue"]["id"]}"' not in only_open and f'id="req-{scene["later"]["id"]}"' in only_open

    # The organiser moves a deadline and the change is audited.
    new_deadline = (date.today() + timedelta(days=5)).isoformat()
    r = s.post(live.url + f"/admin/meetings/DEMO/followup/{scene['later']['id']}/assign",
               data={"csrf_token": csrf, "unit_id": scene["unit_id"], "mode": "writing", "deadline": new_deadline},
               allow_redirects=False)
    assert r.status_code == 303
    staff = live.api("GET", "/meetings/DEMO/staff", role="chair").json()
    later = next(q for q in staff["requests"] if q["id"] == scene["later"]["id"])
    assert later["answer_deadline"] == new_deadline

    # Export: the tracker as .xlsx.
    r = s.get(live.url + "/admin/meetings/DEMO/followup.xlsx")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    by_ticket = {row[0]: row for row in cells[2:]}
    assert by_ticket[scene["overdue"]["ticket"]][7] == "Đã trả lời"
    assert by_ticket[scene["later"]["ticket"]][7] == "Trả lời bằng văn bản"
    assert not any(SECRET_PHONE.replace(" ", "") in str(c) for row in cells for c in row)


def test_public_results_hold_no_personal_data(live, scene):
    s, csrf = admin_session(live)
    assert s.get(live.url + "/r/DEMO").status_code == 404           # not published yet
    r = s.post(live.url + "/admin/meetings/DEMO/results", data={"csrf_token": csrf, "published": "1",
                                                               "hide_names": "1"}, allow_redirects=False)
    assert r.status_code == 303
    staff = live.api("GET", "/meetings/DEMO/staff", role="chair").json()["requests"]
    phones = {q["phone"] for q in staff if q["phone"]}
    addresses = {q["address"] for q in staff if q["address"]}
    names = {q["full_name"] for q in staff if q["kind"] == "citizen"}
    assert SECRET_ADDRESS in addresses and "0915123456" in phones

    anonymous = __import__("requests").Session()
    page = anonymous.get(live.url + "/r/DEMO").text
    payload = anonymous.get(live.url + "/r/DEMO/data.json")
    assert payload.status_code == 200
    text = payload.text
    assert "Đề nghị sửa cống thoát nước xóm 9" in page and "Văn bản số 15/UBND" in page
    assert "Phòng Kinh tế" in page
    for body in (page, text):
        for p in phones:
            assert p not in body and f"{p[:4]} {p[4:7]} {p[7:]}" not in body
        assert SECRET_ADDRESS not in body
        for n in names:
            assert n not in body, n
    assert all("name" not in it for f in payload.json()["fields"] for it in f["items"])

    # Names shown when the organiser allows it; still no phone or contact address.
    s.post(live.url + "/admin/meetings/DEMO/results", data={"csrf_token": csrf, "published": "1"})
    page = anonymous.get(live.url + "/r/DEMO").text
    assert "Đinh Thị Bí Mật" in page and "Xóm 9" in page
    assert SECRET_ADDRESS not in page and "0915123456" not in page and "0915 123 456" not in page
    assert not any(p in page for p in phones)


def test_statistics_page_and_csv(live, scene):
    s, _csrf = admin_session(live)
    page = s.get(live.url + "/admin/meetings/DEMO/results").text
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') >= 5
    assert "Theo lĩnh vực" in page and "Theo đơn vị trả lời" in page and "Theo nguồn tiếp nhận" in page
    assert "<script" not in page.split("</main>")[0]       # charts are drawn by the server, no script
    r = s.get(live.url + "/admin/meetings/DEMO/stats.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = r.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "Nhóm,Giá trị,Số lượng"
    assert any(line.startswith("Theo nguồn tiếp nhận,Thu thập trước hội nghị,") for line in rows)

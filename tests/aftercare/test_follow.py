"""The follow-up code (/k/<code>): the ticket link keeps working after the meeting and shows only its own request;
the satisfaction rating (one per request); slips for paper requests; ratings in statistics, minutes and summary."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from moderator.domain.followcode import normalize_follow_code

GOOD = {"kind": "citizen", "full_name": "Phạm Thị Dung", "phone": "0987 654 321", "address": "Số 9, xóm Đông",
        "locality": "Xóm Đông", "content": "Đề nghị nạo vét kênh tưới xóm Đông.", "consent": True}


@pytest.fixture
def chair(demo):
    return {"X-Role-Key": demo["chair"]}


def file_request(client, device: str, **over) -> dict:
    headers = {"X-Device-Token": device}
    r = client.post("/api/v1/meetings/DEMO/requests", headers=headers, json={**GOOD, **over})
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["request"]["id"]
    return next(x for x in client.get("/api/v1/meetings/DEMO/mine", headers=headers).get_json()["requests"]
                if x["id"] == rid)


def units(client, chair) -> dict[str, int]:
    return {u["name"]: u["id"] for u in client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()
            ["meeting"]["units"]}


def answer_in_writing(client, demo, chair, rid: int, text: str) -> None:
    r = client.post("/api/v1/meetings/DEMO/answers", headers=chair, json={
        "request_ids": [rid], "unit_id": units(client, chair)["Phòng Kinh tế"], "mode": "writing",
        "deadline": (date.today() + timedelta(days=10)).isoformat()})
    assert r.status_code == 200, r.get_json()
    r = client.post(f"/api/v1/meetings/DEMO/unit/requests/{rid}/answer", headers={"X-Role-Key": demo["unit"]},
                    json={"summary": text})
    assert r.status_code == 200, r.get_json()


def test_the_ticket_link_shows_the_written_answer_after_the_meeting_and_nothing_of_anyone_else(client, demo,
                                                                                               chair):
    mine = file_request(client, "dev-dung")
    other = file_request(client, "dev-other", full_name="Hoàng Văn Em", phone="0977 111 222",
                         address="Số 1, xóm Tây", content="Nội dung riêng của người khác.")
    code = mine["follow_code"]
    assert normalize_follow_code(code) == code and code != other["follow_code"]
    # The phone's ticket page carries the link and the code.
    page = client.get(f"/j/DEMO/t/{mine['id']}", headers={"X-Device-Token": "dev-dung"}).get_data(as_text=True)
    assert f"/k/{code}" in page and f"{code[:4]}-{code[4:]}" in page

    page = client.get(f"/k/{code}").get_data(as_text=True)
    assert "Sẽ được trả lời bằng văn bản" not in page and "Đã nhận ý kiến" in page
    answer_in_writing(client, demo, chair, mine["id"], "Kênh tưới xóm Đông sẽ được nạo vét trong tháng 1/2027.")
    r = client.post("/api/v1/meetings/DEMO/close", headers=chair, json={})
    assert r.status_code in (200, 400, 409), r.get_json()      # closed (or not closable yet): the link works anyway

    # Typed from a paper slip: lower case, with a dash or spaces.
    r = client.get(f"/k?code={code[:4].lower()} - {code[4:].lower()}")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/k/{code}")
    page = client.get(f"/k/{code}").get_data(as_text=True)
    assert "Kênh tưới xóm Đông sẽ được nạo vét trong tháng 1/2027." in page and "Phòng Kinh tế" in page
    assert "Trả lời bằng văn bản:" in page            # the date of the written answer
    for private in ("0987654321", "0987 654 321", "Số 9, xóm Đông", "Phạm Thị Dung", "Hoàng Văn Em",
                    "Nội dung riêng của người khác.", "0977111222", other["follow_code"]):
        assert private not in page, private


def test_unknown_or_malformed_codes_are_refused_with_a_message(client, demo):
    r = client.get("/k/ABCD2345")
    assert r.status_code == 404 and "mã tra cứu" in r.get_data(as_text=True)
    r = client.get("/k?code=12")
    assert r.status_code == 422 and "8 chữ và số" in r.get_data(as_text=True)
    r = client.get("/k?code=12", headers={"Cookie": "lang=en"})
    assert r.status_code == 422


def test_lookups_are_rate_limited(app, client, demo):
    app.config["RATE_FOLLOW_PER_MINUTE"] = 5
    statuses = [client.get(f"/k/ABCD234{i}").status_code for i in range(2, 9)]
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]


def test_a_merged_request_shows_the_answer_not_the_other_persons_request(client, demo, chair):
    target = file_request(client, "dev-target", full_name="Đỗ Văn Giang", content="Kênh tưới xóm Đông bị bồi lấp.")
    merged = file_request(client, "dev-merged")
    r = client.post("/api/v1/meetings/DEMO/merge", headers=chair,
                    json={"target_id": target["id"], "source_ids": [merged["id"]]})
    assert r.status_code == 200, r.get_json()
    answer_in_writing(client, demo, chair, target["id"], "Đã giao nạo vét kênh.")
    page = client.get(f"/k/{merged['follow_code']}").get_data(as_text=True)
    assert "Đã giao nạo vét kênh." in page and f"phiếu số {target['ticket']}" in page
    assert "Đỗ Văn Giang" not in page and "Kênh tưới xóm Đông bị bồi lấp." not in page


def test_one_rating_per_request_after_an_answer(client, demo, chair):
    mine = file_request(client, "dev-rate")
    code = mine["follow_code"]
    r = client.post(f"/k/{code}/rating", data={"satisfied": "1"})
    assert r.status_code == 400 and "chưa được trả lời" in r.get_data(as_text=True)
    answer_in_writing(client, demo, chair, mine["id"], "Đã có kế hoạch.")
    r = client.post(f"/k/{code}/rating", data={"reason": "x"})
    assert r.status_code == 400 and "Hài lòng" in r.get_data(as_text=True)
    r = client.post(f"/k/{code}/rating", data={"satisfied": "0", "reason": "r" * 501})
    assert r.status_code == 400
    r = client.post(f"/k/{code}/rating", data={"satisfied": "0", "reason": "Thời hạn còn quá xa."})
    assert r.status_code == 303
    r = client.post(f"/k/{code}/rating", data={"satisfied": "1"})
    assert r.status_code == 409 and "chỉ đánh giá một lần" in r.get_data(as_text=True)
    page = client.get(f"/k/{code}").get_data(as_text=True)
    assert "Chưa hài lòng" in page and "Thời hạn còn quá xa." in page and 'id="rating-form"' not in page


def test_ratings_reach_statistics_minutes_and_summary(client, rt, demo, chair):
    from tests.admin.helpers import login
    secretary = {"X-Role-Key": demo["secretary"]}
    pleased, unhappy = file_request(client, "dev-a"), file_request(client, "dev-b", field_id=None)
    for x in (pleased, unhappy):
        answer_in_writing(client, demo, chair, x["id"], "Đã có kế hoạch.")
    assert client.post(f"/k/{pleased['follow_code']}/rating", data={"satisfied": "1"}).status_code == 303
    assert client.post(f"/k/{unhappy['follow_code']}/rating",
                       data={"satisfied": "0", "reason": "Chưa rõ thời gian"}).status_code == 303
    # And one answered in the hall, for the minutes.
    spoke = file_request(client, "dev-spoke", content="Đề nghị sửa cầu máng xóm Đông.")
    steps = [(f"requests/{spoke['id']}/accept", {}), ("floor/call", {"request_id": spoke["id"]}),
             ("floor/start", None),
             ("answers", {"request_ids": [spoke["id"]], "unit_id": units(client, chair)["Phòng Kinh tế"],
                          "mode": "hall", "summary": "Sẽ sửa trong quý I."}),
             ("floor/end", None)]
    for path, body in steps:
        r = client.post(f"/api/v1/meetings/DEMO/{path}", headers=chair, **({"json": body} if body is not None else {}))
        assert r.status_code == 200, (path, r.get_json())
    status = next(x for x in client.get("/api/v1/meetings/DEMO/staff", headers=chair).get_json()["requests"]
                  if x["id"] == spoke["id"])["status"]
    assert status == "answered"
    assert client.post(f"/k/{spoke['follow_code']}/rating",
                       data={"satisfied": "1", "reason": "Trả lời rõ ràng"}).status_code == 303
    login(client, rt)
    page = client.get("/admin/meetings/DEMO/results").get_data(as_text=True)
    assert "3 đánh giá: 2 hài lòng, 1 chưa hài lòng (67% hài lòng)." in page
    unit_table = re.search(r'id="satisfaction-by_unit".*?</table>', page, re.S).group(0)
    assert re.search(r"<td>Phòng Kinh tế</td><td class=\"text-right\">2</td><td class=\"text-right\">1</td>",
                     unit_table)
    assert 'id="satisfaction-by_field"' in page
    csv_text = client.get("/admin/meetings/DEMO/stats.csv").get_data(as_text=True)
    assert "Hài lòng theo đơn vị,Phòng Kinh tế,2/3" in csv_text

    wb = load_workbook(io.BytesIO(client.get("/api/v1/meetings/DEMO/summary.xlsx", headers=secretary).data))
    values = [[c for c in row] for row in wb.active.iter_rows(values_only=True)]
    assert "Đánh giá của người kiến nghị" in values[1]
    col = values[1].index("Đánh giá của người kiến nghị")
    assert {"Hài lòng", "Chưa hài lòng (Chưa rõ thời gian)"} <= {row[col] for row in values[2:]}

    # The minutes carry the rating of the intervention answered in the hall.
    docx = client.get("/api/v1/meetings/DEMO/minutes.docx", headers=secretary).data
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert "Đánh giá của người kiến nghị: " in xml and "Hài lòng (Trả lời rõ ràng)." in xml


def test_paper_slips_carry_the_code_for_staff_only(client, demo):
    secretary = {"X-Role-Key": demo["secretary"]}
    r = client.post("/api/v1/meetings/DEMO/paper", headers=secretary, json={
        "kind": "citizen", "full_name": "Vũ Thị Hoa", "phone": "0912 888 999", "address": "Xóm Nam",
        "content": "Đề nghị hỗ trợ hộ nghèo.", "source": "paper", "consent": True})
    assert r.status_code == 201
    ticket = r.get_json()["ticket"]
    staff = client.get("/api/v1/meetings/DEMO/staff", headers={"X-Role-Key": demo["chair"]}).get_json()
    code = next(x for x in staff["requests"] if x["ticket"] == ticket)["follow_code"]
    page = client.get(f"/m/DEMO/slips?tickets={ticket}", headers=secretary).get_data(as_text=True)
    assert f"{code[:4]}-{code[4:]}" in page and "data:image/svg+xml" in page and "0912888999" not in page
    assert client.get(f"/m/DEMO/slips?tickets={ticket}").status_code == 403
    assert client.get(f"/m/DEMO/slips?tickets={ticket}", headers={"X-Role-Key": demo["projector"]}).status_code == 403

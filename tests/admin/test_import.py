"""Import of pre-collected recommendations: upload → map columns → preview (every bad row with its reason) →
confirm. A file with any bad row writes nothing; a good one lands in the chair's inbox as "precollected"."""
import io
import re

from sqlalchemy import func, select

from moderator.db.models import Meeting, Request

from .helpers import csv_bytes, login, xlsx
from .test_setup import create

HEAD = ["STT", "Họ và tên", "Số điện thoại", "Địa chỉ", "Lĩnh vực", "Nội dung kiến nghị", "Đơn vị trả lời",
        "Nội dung trả lời đã chuẩn bị", "Thẩm quyền"]
GOOD = [
    HEAD,
    [1, "Nguyễn Văn Hùng", 912000101, "Xóm 3", "Đất đai", "Hồ sơ cấp giấy chứng nhận chậm.", "Phòng Kinh tế",
     "Hồ sơ đang chờ đo đạc lại; dự kiến trả kết quả trong tháng 12.", "xã"],
    [2, "Trần Thị Lan", "0987 000 102", "Thôn Bắc", "Giải phóng mặt bằng", "Đơn giá bồi thường cây lâu năm thấp.",
     "", "", "tỉnh"],
    [None, None, None, None, None, None, None, None, None],
    [3, "Công ty TNHH Minh Phát", "", "", "Giao thông", "Đường vào cụm công nghiệp xuống cấp.",
     "Văn phòng HĐND và UBND", "", ""],
]


def upload(client, csrf, code, data: bytes, name: str):
    return client.post(f"/admin/meetings/{code}/import", data={"csrf_token": csrf, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def form_of(html: str, form_id: str) -> dict:
    block = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S).group(0)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', block))
    for name, options in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', block, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', options)
        data[name] = sel.group(1) if sel else ""
    return data


def count(rt, code):
    with rt.read() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == code)).one()
        return s.scalar(select(func.count()).select_from(Request).where(Request.meeting_id == mid))


def test_good_xlsx_lands_in_the_chairs_inbox(client, rt, app):
    csrf = login(client, rt)
    code = create(client, csrf)
    r = upload(client, csrf, code, xlsx(GOOD), "kien-nghi.xlsx")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "3 dòng dữ liệu" in html
    mapping = form_of(html, "map-form")
    # Columns were recognised by their headers.
    assert mapping["map_full_name"] == "1" and mapping["map_content"] == "5" and mapping["map_unit"] == "6"
    assert mapping["map_prepared_answer"] == "7" and mapping["map_phone"] == "2"
    r = client.post(f"/admin/meetings/{code}/import/preview", data=mapping)
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    assert "3 dòng hợp lệ" in html and 'id="bad-rows"' not in html
    assert count(rt, code) == 0          # the preview writes nothing
    r = client.post(f"/admin/meetings/{code}/import/confirm", data=form_of(html, "confirm-form"))
    assert r.status_code == 303
    assert "Đã nhập 3 ý kiến" in client.get(r.headers["Location"]).get_data(as_text=True)
    # The chair's inbox (staff snapshot) has them, marked pre-collected, with unit and prepared answer.
    from moderator.services.meetings import create_role_key
    from moderator.services.uow import SYSTEM
    from moderator.domain.enums import Role
    key = create_role_key(rt, SYSTEM, code, Role.CHAIR)
    staff = app.test_client().get(f"/api/v1/meetings/{code}/staff", headers={"X-Role-Key": key}).get_json()
    reqs = {r["full_name"]: r for r in staff["requests"]}
    assert len(reqs) == 3 and {r["source"] for r in reqs.values()} == {"precollected"}
    assert {r["status"] for r in reqs.values()} == {"submitted"}
    hung = reqs["Nguyễn Văn Hùng"]
    assert hung["phone"] == "0912000101"           # Excel had dropped the leading 0
    assert hung["unit"] == "Phòng Kinh tế" and hung["prepared_answer"].startswith("Hồ sơ đang chờ")
    assert hung["jurisdiction"] == "commune" and hung["field"] == "Đất đai"
    # No unit in the file: the field's default unit.
    assert reqs["Trần Thị Lan"]["unit"] == "Phòng Kinh tế" and reqs["Trần Thị Lan"]["jurisdiction"] == "province"
    assert reqs["Công ty TNHH Minh Phát"]["unit"] == "Văn phòng HĐND và UBND"
    # Importing the same file again is refused row by row: nothing is filed twice.
    html = upload(client, csrf, code, xlsx(GOOD), "kien-nghi.xlsx").get_data(as_text=True)
    r = client.post(f"/admin/meetings/{code}/import/preview", data=form_of(html, "map-form"))
    assert r.status_code == 422 and "3 dòng lỗi" in r.get_data(as_text=True)
    assert "đã có trong hội nghị (phiếu số 1)" in r.get_data(as_text=True)
    assert count(rt, code) == 3


def test_bad_csv_lists_every_bad_row_and_writes_nothing(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    rows = [HEAD,
            [1, "Nguyễn Văn Hùng", "0912000101", "Xóm 3", "Đất đai", "Nội dung tốt.", "Phòng Kinh tế", "", "xã"],
            [2, "Trần Thị Lan", "12345", "Thôn Bắc", "Đất đai", "Số điện thoại sai.", "", "", ""],
            [3, "Lê Văn Tám", "", "", "Thiên văn học", "Lĩnh vực lạ.", "Sở Thiên văn", "", "sao Hỏa"],
            [4, "", "", "", "Đất đai", "", "", "", ""],
            [5, "Phạm Thị Hoa", "", "", "Y tế", "Nội dung tốt khác.", "", "", ""],
            [6, "Nguyễn Văn Hùng", "0912000101", "Xóm 3", "Đất đai", "Nội dung tốt.", "", "", ""]]
    r = upload(client, csrf, code, csv_bytes(rows), "loi.csv")
    html = r.get_data(as_text=True)
    r = client.post(f"/admin/meetings/{code}/import/preview", data=form_of(html, "map-form"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "4 dòng lỗi – chưa nhập dòng nào" in html and 'id="confirm-form"' not in html
    bad = re.search(r'<table class="table" id="bad-rows">(.*?)</table>', html, re.S).group(1)
    rows_listed = re.findall(r'<tr class="is-bad"><td>(\d+)</td>', bad)
    assert rows_listed == ["3", "4", "5", "7"]     # spreadsheet row numbers (header is row 1)
    for reason in ["Số điện thoại “12345” không đúng", "Lĩnh vực “Thiên văn học” không có",
                   "Đơn vị trả lời “Sở Thiên văn” không có", "Thẩm quyền “sao Hỏa” không rõ",
                   "Thiếu nội dung ý kiến", "Thiếu họ và tên", "Trùng với dòng 2 của tệp"]:
        assert reason in html, reason
    # Forcing the confirmation anyway writes nothing either.
    mapping = form_of(html, "map-form")
    r = client.post(f"/admin/meetings/{code}/import/confirm", data=mapping)
    assert r.status_code == 422 and "chưa nhập dòng nào" in r.get_data(as_text=True)
    assert count(rt, code) == 0


def test_unreadable_or_unmapped_files_are_refused(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    r = upload(client, csrf, code, b"\x00\x01 not a workbook", "x.xlsx")
    assert r.status_code == 400 and "Không đọc được tệp Excel" in r.get_data(as_text=True)
    r = upload(client, csrf, code, b"a,b\n1,2\n", "x.pdf")
    assert r.status_code == 400 and "Chỉ nhận tệp Excel" in r.get_data(as_text=True)
    r = upload(client, csrf, code, "Cột A;Cột B\nx;y\n".encode("cp1258", errors="ignore") + b"\xff", "x.csv")
    assert r.status_code == 400 and "UTF-8" in r.get_data(as_text=True)
    html = upload(client, csrf, code, csv_bytes([["Tên", "Ghi chú"], ["A", "B"]]), "x.csv").get_data(as_text=True)
    mapping = form_of(html, "map-form")
    assert mapping["map_content"] == ""
    r = client.post(f"/admin/meetings/{code}/import/preview", data=mapping)
    assert r.status_code == 400 and "Cần chọn cột cho mục" in r.get_data(as_text=True)
    # A spreadsheet larger than the app's normal 64 KB body limit is accepted for import.
    big = csv_bytes([HEAD] + [[i, f"Người {i}", "", "", "Đất đai", "Nội dung khá dài " * 20 + str(i), "", "", ""]
                              for i in range(400)])
    assert len(big) > 64 * 1024
    r = upload(client, csrf, code, big, "lon.csv")
    assert r.status_code == 200 and "400 dòng dữ liệu" in r.get_data(as_text=True)
    assert count(rt, code) == 0


def test_the_projects_own_demo_list_imports_cleanly(client, rt):
    """demo/recommendations.csv (English headers) maps by itself and every row is valid."""
    from moderator.demo import CSV_PATH
    csrf = login(client, rt)
    code = create(client, csrf)
    html = upload(client, csrf, code, CSV_PATH.read_bytes(), "recommendations.csv").get_data(as_text=True)
    r = client.post(f"/admin/meetings/{code}/import/preview", data=form_of(html, "map-form"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200, re.findall(r'<tr class="is-bad">.*?</tr>', html, re.S)
    assert "24 dòng hợp lệ" in html
    r = client.post(f"/admin/meetings/{code}/import/confirm", data=form_of(html, "confirm-form"))
    assert r.status_code == 303 and count(rt, code) == 24
    with rt.read() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == code)).one()
        rows = s.scalars(select(Request).where(Request.meeting_id == mid)).all()
        assert {q.source for q in rows} == {"precollected"}
        assert {q.jurisdiction for q in rows} >= {"commune", "province", "outside"}
        assert all(q.locality != q.address for q in rows if q.address)    # the contact address never goes public

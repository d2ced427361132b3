"""One spelling of a tone at the service and page level (issue 16.3): an imported "Hoà" is the copy of a "Hòa"
request, "Văn hoá" is the meeting's field "Văn hóa", a second field "Thuỷ lợi" beside "Thủy lợi" is refused, the
chair is offered the merge, and the statistics count "Thôn Hòa Bình" typed three ways as one hamlet. The stored
text is never changed."""
from __future__ import annotations

import csv
import io
import re
import unicodedata

from markupsafe import escape
from sqlalchemy import select

from moderator.db.models import Field, Meeting, Request
from moderator.domain.enums import Role, Source, SubmitterKind
from moderator.services import meetings, requests as reqs
from moderator.services.requests import NewRequest
from moderator.services.uow import SYSTEM, Actor

from .helpers import csv_bytes, login
from .test_import import count, form_of, upload
from .test_setup import create

CHAIR = Actor(Role.CHAIR, "chair-test")
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
CONTENT = "Đề nghị nạo vét kênh thủy lợi thôn Hòa Bình trước vụ mùa."


def _file(rt, code, name, content, locality="", field_id=None):
    r, _ = reqs.submit(rt, code, CHAIR, NewRequest(kind=SubmitterKind.CITIZEN, full_name=name, content=content,
                                                   locality=locality, field_id=field_id, source=Source.PAPER))
    return r


def _field_id(rt, code, name):
    with rt.read() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == code)).one()
        return s.scalars(select(Field.id).where(Field.meeting_id == mid, Field.name == name)).one()


def test_import_recognises_the_other_spelling_as_a_duplicate_and_the_fields_by_name(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    first = _file(rt, code, "Nguyễn Thị Hòa", CONTENT)
    rows = [["Họ và tên", "Nội dung kiến nghị", "Lĩnh vực", "Đơn vị trả lời"],
            # the request already filed, typed new-style with combining marks
            [NFD("Nguyễn Thị Hoà"), NFD("Đề nghị nạo vét kênh thuỷ lợi thôn Hoà Bình trước vụ mùa."), "", ""],
            # two rows of the file that differ only in spelling
            ["Lê Văn Thúy", "Xin cấp lại sổ hộ nghèo cho gia đình tôi.", "Văn hoá", "Phòng Văn hoá - Xã hội"],
            ["LÊ VĂN THUÝ", "Xin cấp lại sổ hộ nghèo cho  gia đình tôi.", "Văn hóa", ""]]
    r = upload(client, csrf, code, csv_bytes(rows), "trung.csv")
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.post(f"/admin/meetings/{code}/import/preview", data=form_of(r.get_data(as_text=True), "map-form"))
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    bad = re.search(r'id="bad-rows".*?</table>', page, re.S).group(0)
    assert f"đã có trong hội nghị (phiếu số {first.ticket})" in bad
    assert "Trùng với dòng 3" in bad
    # "Văn hoá" / "Phòng Văn hoá - Xã hội" are the preset's "Văn hóa" / "Phòng Văn hóa - Xã hội".
    assert "không có trong danh sách" not in bad
    assert count(rt, code) == 1                      # nothing imported


def test_a_field_or_unit_in_another_spelling_is_refused(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    r = client.post(f"/admin/meetings/{code}/units/add-field", data={"csrf_token": csrf, "name": "Thủy lợi"})
    assert r.status_code == 303
    for name in ("Thuỷ lợi", NFD("thủy  lợi"), "Văn hoá"):
        r = client.post(f"/admin/meetings/{code}/units/add-field", data={"csrf_token": csrf, "name": name})
        assert r.status_code == 409 or r.status_code == 400, (name, r.status_code)
    r = client.post(f"/admin/meetings/{code}/units/add-unit", data={"csrf_token": csrf,
                                                                  "name": "Phòng Văn hoá - Xã hội"})
    assert r.status_code in (400, 409)
    page = client.get(f"/admin/meetings/{code}/units").get_data(as_text=True)
    assert page.count("Thủy lợi") >= 1 and "Thuỷ lợi" not in page


def test_the_chair_is_offered_the_merge_of_two_spellings(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    a = _file(rt, code, "Trần Văn Hòa", CONTENT)
    b = _file(rt, code, "Trần Văn Hoà", NFD("đề nghị nạo vét kênh thuỷ lợi thôn Hoà Bình trước vụ mùa"))
    key = meetings.create_role_key(rt, SYSTEM, code, Role.CHAIR)
    got = client.get(f"/api/v1/meetings/{code}/merge-suggestions", headers={"X-Role-Key": key}).get_json()
    assert {(s["target_id"], s["source_id"]) for s in got["suggestions"]} == {(a.id, b.id)}


def test_statistics_group_names_and_places_typed_in_several_spellings(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    places = ["Thôn Hòa Bình", NFD("Thôn Hoà Bình"), "thôn Hòa  Bình", "Xóm Khỏe"]
    for i, place in enumerate(places):
        _file(rt, code, f"Người {i}", f"Kiến nghị số {i} về đường.", locality=place)
    # A meeting set up before names were compared in one spelling may hold both forms of a field.
    with rt.write_session() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == code)).one()
        s.add_all([Field(meeting_id=mid, position=90, name="Thủy lợi"),
                   Field(meeting_id=mid, position=91, name="Thuỷ lợi")])
        s.commit()
    for i, name in enumerate(("Thủy lợi", "Thuỷ lợi", "Thủy lợi")):
        _file(rt, code, f"Nông dân {i}", f"Kênh mương số {i} bị bồi lắng.", field_id=_field_id(rt, code, name))

    rows = list(csv.reader(io.StringIO(client.get(f"/admin/meetings/{code}/stats.csv").data.decode("utf-8-sig"))))
    place_rows = [r for r in rows if r[0] == "Theo thôn, xóm"]
    assert sorted((r[1], r[2]) for r in place_rows) == [("Thôn Hòa Bình", "3"), ("Xóm Khỏe", "1")]
    field_rows = [r for r in rows if r[0] == "Theo lĩnh vực" and "lợi" in r[1]]
    assert [(r[1], r[2]) for r in field_rows] == [("Thủy lợi", "3")]

    page = client.get(f"/admin/meetings/{code}/results").get_data(as_text=True)
    box = re.search(r'id="chart-place".*?</figure>', page, re.S).group(0)
    assert str(escape("Thôn Hòa Bình")) in box and ">3<" in box
    # The requests keep the text as typed.
    with rt.read() as s:
        stored = sorted(s.scalars(select(Request.locality).where(Request.locality != "")))
    assert stored == sorted(places)

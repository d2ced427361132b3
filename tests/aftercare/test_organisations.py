"""Many organisations on one server: each commune's organisers see only their meetings (pages and API); the
province's organiser sees all of the province's and an overview across them, with recurring subjects."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from moderator.domain.enums import AnswerMode, Role, Source, SubmitterKind
from moderator.services import organisations, requests as reqs
from moderator.services.uow import Actor
from tests.admin.helpers import login

ORGANISER = Actor(Role.ORGANISER, "test")


def new_meeting(client, csrf, title: str) -> str:
    r = client.post("/admin/meetings", data={"csrf_token": csrf, "title": title, "preset": "commune",
                                             "organiser": "Đảng ủy xã", "venue": "Hội trường",
                                             "date": date.today().isoformat()})
    assert r.status_code == 303, r.get_data(as_text=True)
    return r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def raise_request(rt, code: str, content: str, field: str = "Đất đai") -> int:
    from sqlalchemy import select
    from moderator.db.models import Field, Meeting
    with rt.read() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == code)).one()
        field_id = s.scalars(select(Field.id).where(Field.meeting_id == mid, Field.name == field)).first()
    req, _ = reqs.submit(rt, code, ORGANISER, reqs.NewRequest(
        kind=SubmitterKind.CITIZEN, full_name="Người dân", content=content, phone="0912345678",
        address="Xóm 1", field_id=field_id, source=Source.PAPER))
    return req.id


@pytest.fixture
def province(app, rt, demo):
    organisations.create_organisation(rt, "Tỉnh Nam Định", "province")
    organisations.create_organisation(rt, "Xã Giao Minh", "commune", parent="Tỉnh Nam Định")
    organisations.create_organisation(rt, "Xã Giao Thủy", "commune", parent="Tỉnh Nam Định")
    clients = {}
    for user, org in (("giaominh", "Xã Giao Minh"), ("giaothuy", "Xã Giao Thủy"), ("tinh", "Tỉnh Nam Định"),
                      ("toanbo", None)):
        c = app.test_client()
        csrf = login(c, rt, user)
        if org:
            organisations.assign_admin(rt, user, org)
        clients[user] = (c, csrf)
    codes = {"giaominh": new_meeting(*clients["giaominh"], "Đối thoại xã Giao Minh 2026"),
             "giaothuy": new_meeting(*clients["giaothuy"], "Đối thoại xã Giao Thủy 2026")}
    return clients, codes


def listed(client) -> set[str]:
    return set(re.findall(r'<span class="badge">(\w+)</span>', client.get("/admin/").get_data(as_text=True)))


def test_commune_organisers_see_only_their_meetings(province, rt):
    clients, codes = province
    gm, gt = clients["giaominh"][0], clients["giaothuy"][0]
    assert listed(gm) == {codes["giaominh"]} and listed(gt) == {codes["giaothuy"]}
    assert gm.get(f"/admin/meetings/{codes['giaothuy']}").status_code == 404
    assert gm.get(f"/admin/meetings/{codes['giaothuy']}/followup").status_code == 404
    assert gm.get(f"/admin/meetings/{codes['giaothuy']}/archive.zip").status_code == 404
    assert gm.get(f"/admin/meetings/{codes['giaominh']}").status_code == 200
    # The API with the organiser's session cookie: organiser of its own meeting only.
    assert gm.get(f"/api/v1/meetings/{codes['giaominh']}/staff").status_code == 200
    assert gm.get(f"/api/v1/meetings/{codes['giaothuy']}/staff").status_code == 403
    assert gm.get("/api/v1/meetings/DEMO/staff").status_code == 403     # a meeting of no organisation
    # The province sees both communes' meetings; the installation-wide account sees everything.
    assert listed(clients["tinh"][0]) == set(codes.values())
    assert listed(clients["toanbo"][0]) == set(codes.values()) | {"DEMO"}
    assert clients["tinh"][0].get(f"/api/v1/meetings/{codes['giaothuy']}/staff").status_code == 200


def test_the_province_overview_across_meetings(province, rt):
    clients, codes = province
    a = raise_request(rt, codes["giaominh"], "Đề nghị nâng cấp tuyến đê biển đoạn qua xã, nước tràn mỗi mùa bão.")
    raise_request(rt, codes["giaothuy"], "Đề nghị tỉnh sớm nâng cấp tuyến đê biển, mùa bão nước tràn qua đê.")
    raise_request(rt, codes["giaothuy"], "Đề nghị hỗ trợ học phí cho con hộ nghèo.", field="Giáo dục")
    from sqlalchemy import select
    from moderator.db.models import Meeting, Unit
    with rt.read() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == codes["giaominh"])).one()
        unit = s.scalars(select(Unit).where(Unit.meeting_id == mid)).first()
    reqs.assign_answer(rt, codes["giaominh"], ORGANISER, [a], reqs.Answer(
        unit.id, "", AnswerMode.WRITING, date.today() - timedelta(days=2), None))

    page = clients["tinh"][0].get("/admin/overview").get_data(as_text=True)
    assert "2 hội nghị, 3 ý kiến, kiến nghị." in page
    for title in ("Đối thoại xã Giao Minh 2026", "Đối thoại xã Giao Thủy 2026"):
        assert title in page
    assert re.search(r'id="ov-by_field".*?<td>Đất đai</td><td class="text-right">2</td>', page, re.S)
    assert re.search(r'id="ov-overdue_by_unit".*?<td>' + re.escape(unit.name) + r'</td><td class="text-right">1</td>',
                     page, re.S)
    recurring = re.findall(r'<li class="recurring-item">(.*?)</li>', page, re.S)
    assert len(recurring) == 1 and "đê biển" in recurring[0] and "2 ý kiến tại 2 hội nghị" in recurring[0]
    assert "0912345678" not in page
    # A commune's overview covers its own meeting only.
    page = clients["giaominh"][0].get("/admin/overview").get_data(as_text=True)
    assert "1 hội nghị, 1 ý kiến, kiến nghị." in page and "Đối thoại xã Giao Thủy 2026" not in page
    assert "Chưa thấy vấn đề nào được nêu lại." in page


def test_organisations_are_checked(rt):
    from moderator.domain.errors import DomainError
    organisations.create_organisation(rt, "Tỉnh A", "province")
    with pytest.raises(DomainError, match="Đã có đơn vị"):
        organisations.create_organisation(rt, "Tỉnh A", "province")
    with pytest.raises(DomainError, match="Không có đơn vị"):
        organisations.create_organisation(rt, "Xã B", "commune", parent="Tỉnh Không Có")
    with pytest.raises(DomainError, match="Cấp đơn vị"):
        organisations.create_organisation(rt, "Xã C", "district")

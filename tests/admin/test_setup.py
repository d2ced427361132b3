"""The organiser's workspace in-process: login (throttled), create from each template, edit settings, units and
fields, role links (QR, revoke)."""
import re

from sqlalchemy import select

from moderator.db.models import AuditLog, Field, Meeting, ProgrammeStep, Unit
from moderator.domain.presets import PRESETS

from .helpers import PASSWORD, login, token


def create(client, csrf, preset="commune", title="Hội nghị đối thoại thử", **extra):
    r = client.post("/admin/meetings", data={"csrf_token": csrf, "title": title, "preset": preset,
                                            "date": "2026-12-01", **extra})
    assert r.status_code == 303, r.get_data(as_text=True)
    return r.headers["Location"].rsplit("/", 1)[1]


def test_pages_need_login_and_login_is_throttled(client, rt):
    r = client.get("/admin/")
    assert r.status_code == 302 and "/admin/login" in r.headers["Location"]
    from moderator.services.meetings import create_admin
    create_admin(rt, "bdv", PASSWORD)
    csrf = token(client.get("/admin/login").get_data(as_text=True))
    for _ in range(5):
        r = client.post("/admin/login", data={"username": "bdv", "password": "sai-mat-khau", "csrf_token": csrf})
        assert r.status_code == 400
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.get_data(as_text=True)
    # Now even the right password is refused for a while.
    r = client.post("/admin/login", data={"username": "bdv", "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 429
    assert "quá nhiều lần" in r.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_create_from_each_template(client, rt):
    csrf = login(client, rt)
    for key, preset in PRESETS.items():
        code = create(client, csrf, preset=key, title=f"Đối thoại mẫu {key}")
        page = client.get(f"/admin/meetings/{code}").get_data(as_text=True)
        assert f"Đối thoại mẫu {key}" in page
        with rt.read() as s:
            m = s.scalars(select(Meeting).where(Meeting.code == code)).one()
            units = {u.id: u.name for u in s.scalars(select(Unit).where(Unit.meeting_id == m.id))}
            fields = list(s.scalars(select(Field).where(Field.meeting_id == m.id)))
            steps = s.scalars(select(ProgrammeStep).where(ProgrammeStep.meeting_id == m.id)).all()
        assert m.level == preset.level and m.jurisdiction_note == preset.jurisdiction_note
        assert sorted(units.values()) == sorted(preset.units)
        assert {f.name: units.get(f.default_unit_id) for f in fields} == preset.fields
        assert [s.title for s in sorted(steps, key=lambda s: s.position)] == preset.programme
        units_page = client.get(f"/admin/meetings/{code}/units").get_data(as_text=True)
        assert preset.units[0] in units_page
    listing = client.get("/admin/").get_data(as_text=True)
    assert "Đối thoại mẫu commune" in listing and "Đối thoại mẫu province" in listing
    # Commune: six steps, co-chairs; province: the note on provincial/central authority.
    assert len(PRESETS["commune"].programme) == 6
    assert "cấp tỉnh và Trung ương" in PRESETS["province"].jurisdiction_note


def test_the_organisers_setting_errors_read_in_english(client, rt):
    csrf = login(client, rt)
    r = client.post("/admin/meetings?lang=en", data={"csrf_token": csrf, "title": "  ", "preset": "commune"})
    assert r.status_code == 400 and "Please enter the meeting title." in r.get_data(as_text=True)
    r = client.post("/admin/meetings?lang=en", data={"csrf_token": csrf, "title": "X", "preset": "commune",
                                                    "planned_start": "11:00", "planned_end": "08:00"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "The end time must be after the start time." in body
    assert "Giờ kết thúc phải sau giờ bắt đầu" not in body


def test_bad_create_shows_message_and_creates_nothing(client, rt):
    csrf = login(client, rt)
    r = client.post("/admin/meetings", data={"csrf_token": csrf, "title": "  ", "preset": "commune"})
    assert r.status_code == 400 and "Vui lòng nhập tên hội nghị" in r.get_data(as_text=True)
    r = client.post("/admin/meetings", data={"csrf_token": csrf, "title": "X", "preset": "commune",
                                            "planned_start": "11:00", "planned_end": "08:00"})
    assert r.status_code == 400 and "Giờ kết thúc phải sau giờ bắt đầu" in r.get_data(as_text=True)
    r = client.post("/admin/meetings", data={"csrf_token": csrf, "title": "X", "preset": "commune", "code": "Đ!"})
    assert r.status_code == 400 and "Mã tham gia gồm 3 đến 12" in r.get_data(as_text=True)
    r = client.post("/admin/meetings", data={"csrf_token": csrf, "title": "X", "preset": "tỉnh"})
    assert r.status_code == 400 and "Mẫu hội nghị không tồn tại" in r.get_data(as_text=True)
    r = client.post("/admin/meetings", data={"title": "Không có CSRF", "preset": "commune"})
    assert r.status_code == 403
    with rt.read() as s:
        assert s.scalars(select(Meeting)).all() == []


def test_edit_settings_audited_and_bad_input_changes_nothing(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    form = {"csrf_token": csrf, "title": "Tên mới", "organiser": "ĐẢNG ỦY XÃ GIAO MINH", "venue": "Hội trường",
            "place_name": "Giao Minh", "date": "2026-12-02", "planned_start": "07:30", "planned_end": "11:30",
            "speaking_seconds": "240", "max_open_per_device": "2", "decline_reasons": "Lý do một\n\nLý do hai\n",
            "doc_format": "state", "doc_number": "21-KH/ĐU", "chairs": "Vũ Xuân Thủy | Bí thư Đảng ủy\nTrần Bình | Chủ tịch UBND",
            "secretary_name": "Nguyễn Thu Trang", "secretary_title": "Chuyên viên", "retention_days": "30",
            "jurisdiction_note": "Lưu ý"}
    r = client.post(f"/admin/meetings/{code}/settings", data=form)
    assert r.status_code == 303
    assert "Đã lưu thiết lập" in client.get(r.headers["Location"]).get_data(as_text=True)
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == code)).one()
        assert (m.title, m.speaking_seconds, m.max_open_per_device, m.doc_format, m.doc_number, m.retention_days) == \
               ("Tên mới", 240, 2, "state", "21-KH/ĐU", 30)
        assert m.decline_reasons == ["Lý do một", "Lý do hai"]
        assert m.signatories["chairs"][1] == {"name": "Trần Bình", "title": "Chủ tịch UBND"}
        assert m.signatories["secretary"]["name"] == "Nguyễn Thu Trang"
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "settings")).one()
        assert audit.after["settings"]["after"]["speaking_seconds"] == 240
        version = m.version
    for bad, message in [({"speaking_seconds": "5"}, "từ 30 giây"), ({"retention_days": "abc"}, "số nguyên"),
                         ({"doc_format": "other"}, "Thể thức"), ({"date": "02/12/2026"}, "năm-tháng-ngày")]:
        r = client.post(f"/admin/meetings/{code}/settings", data=form | bad | {"title": "Không được lưu"})
        assert r.status_code == 400 and message in r.get_data(as_text=True)
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == code)).one()
        assert m.title == "Tên mới" and m.version == version


def test_units_and_fields(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    post = lambda action, **data: client.post(f"/admin/meetings/{code}/units/{action}",  # noqa: E731
                                              data={"csrf_token": csrf, **data})
    assert post("add-unit", name="Ban Quản lý dự án").status_code == 303
    assert post("add-unit", name="ban quản lý dự án").status_code == 400   # duplicate name
    with rt.read() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == code)).one()
        unit = s.scalars(select(Unit).where(Unit.meeting_id == mid, Unit.name == "Ban Quản lý dự án")).one()
    assert post("rename-unit", unit_id=unit.id, name="Ban Quản lý dự án xã").status_code == 303
    assert post("add-field", name="Điện chiếu sáng", default_unit_id=unit.id).status_code == 303
    with rt.read() as s:
        f = s.scalars(select(Field).where(Field.meeting_id == mid, Field.name == "Điện chiếu sáng")).one()
        assert f.default_unit_id == unit.id
        assert s.get(Unit, unit.id).name == "Ban Quản lý dự án xã"
    page = client.get(f"/admin/meetings/{code}/units").get_data(as_text=True)
    assert "Ban Quản lý dự án xã" in page and "Điện chiếu sáng" in page
    # A unit with requests assigned cannot be removed; an unused one can, and its fields lose it as default.
    from moderator.domain.enums import Role, Source, SubmitterKind
    from moderator.services.requests import NewRequest, submit
    from moderator.services.uow import Actor
    submit(rt, code, Actor(Role.ORGANISER, "t"), NewRequest(kind=SubmitterKind.CITIZEN, full_name="A", content="B",
                                                            source=Source.PAPER, field_id=f.id))
    r = post("remove-unit", unit_id=unit.id)
    assert r.status_code == 400 and "đang được giao 1 phiếu" in r.get_data(as_text=True)
    assert post("update-field", field_id=f.id, name="Điện chiếu sáng", default_unit_id="").status_code == 303
    assert post("remove-field", field_id=f.id).status_code == 400          # a request uses it
    other = post("add-unit", name="Đơn vị tạm")
    with rt.read() as s:
        tmp = s.scalars(select(Unit).where(Unit.meeting_id == mid, Unit.name == "Đơn vị tạm")).one()
    assert post("remove-unit", unit_id=tmp.id).status_code == 303
    with rt.read() as s:
        assert s.get(Unit, tmp.id) is None
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.meeting_id == mid))]
    assert {"add_unit", "rename_unit", "add_field", "update_field", "remove_unit"} <= set(actions)
    assert other.status_code == 303


def test_role_links_qr_and_revoke(client, rt, app):
    csrf = login(client, rt)
    code = create(client, csrf)
    r = client.post(f"/admin/meetings/{code}/keys", data={"csrf_token": csrf, "role": "chair", "label": "Bí thư"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "data:image/svg+xml;base64," in html
    url = re.search(r'class="small break key-link" href="([^"]+)"', html).group(1)
    assert f"/m/{code}/chair?key=" in url
    key = url.split("key=")[1]
    # All units at once: one link and QR per unit.
    r = client.post(f"/admin/meetings/{code}/keys", data={"csrf_token": csrf, "role": "unit", "unit_id": "all"})
    assert r.get_data(as_text=True).count('key-link" href="') == len(PRESETS["commune"].units)
    other = app.test_client()
    assert other.get(f"/api/v1/meetings/{code}/staff", headers={"X-Role-Key": key}).status_code == 200
    with rt.read() as s:
        from moderator.db.models import RoleKey
        kid = s.scalars(select(RoleKey.id).where(RoleKey.role == "chair")).one()
    r = client.post(f"/admin/meetings/{code}/keys/{kid}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "Đã thu hồi" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert other.get(f"/api/v1/meetings/{code}/staff", headers={"X-Role-Key": key}).status_code == 403


def test_programme_edited_before_the_meeting_only(client, rt):
    csrf = login(client, rt)
    code = create(client, csrf)
    r = client.post(f"/admin/meetings/{code}/programme", data={"csrf_token": csrf,
                                                               "steps": "Khai mạc\n\nĐối thoại\nBế mạc\n"})
    assert r.status_code == 303
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Khai mạc\nĐối thoại\nBế mạc</textarea>" in html
    from moderator.services.meetings import set_step
    from moderator.services.uow import Actor
    from moderator.domain.enums import Role
    set_step(rt, code, Actor(Role.SECRETARY, "t"), 1)
    r = client.post(f"/admin/meetings/{code}/programme", data={"csrf_token": csrf, "steps": "Khác"})
    assert r.status_code == 400 and "Hội nghị đã bắt đầu" in r.get_data(as_text=True)
    with rt.read() as s:
        mid = s.scalars(select(Meeting.id).where(Meeting.code == code)).one()
        steps = s.scalars(select(ProgrammeStep.title).where(ProgrammeStep.meeting_id == mid)
                          .order_by(ProgrammeStep.position)).all()
    assert steps == ["Khai mạc", "Đối thoại", "Bế mạc"]


def test_per_address_limits_set_per_meeting_behind_a_nat(client, rt, monkeypatch):
    """Behind a NAT the whole hall shares one address: the organiser raises the per-address limits of one meeting
    (empty = the installation's defaults, MODERATOR_DEVICES_PER_ADDRESS / MODERATOR_OPEN_PER_ADDRESS)."""
    csrf = login(client, rt)
    nat, plain = create(client, csrf, title="Hội trường dùng chung mạng"), create(client, csrf, title="Hội nghị khác")
    form = {"csrf_token": csrf, "title": "Hội trường dùng chung mạng", "planned_start": "07:30",
            "planned_end": "11:30", "speaking_seconds": "180", "max_open_per_device": "3", "doc_format": "party",
            "retention_days": "90", "max_devices_per_address": "15", "max_open_per_address": "40"}
    for bad in ("0", "abc", "100001"):
        r = client.post(f"/admin/meetings/{nat}/settings", data=form | {"max_devices_per_address": bad})
        assert r.status_code == 400, bad
    assert "Giới hạn theo địa chỉ mạng phải từ 1 đến 100000" in r.get_data(as_text=True)
    with rt.read() as s:
        assert s.scalars(select(Meeting).where(Meeting.code == nat)).one().max_devices_per_address is None
    assert client.post(f"/admin/meetings/{nat}/settings", data=form).status_code == 303
    page = client.get(f"/admin/meetings/{nat}").get_data(as_text=True)
    assert 'name="max_devices_per_address" type="number" min="1" max="100000" value="15"' in page

    body = {"full_name": "Đại biểu", "phone": "0912345678", "address": "Xóm 1", "content": "Ý kiến", "consent": True}
    client.post("/admin/logout", data={"csrf_token": csrf})
    client.delete_cookie("session")

    def file(code, i):
        return client.post(f"/api/v1/meetings/{code}/requests", headers={"X-Device-Token": f"{code}-phone-{i}"},
                           json=body).status_code
    monkeypatch.setattr(rt.config, "DEVICES_PER_ADDRESS", 10)    # the installation default (config.py)
    assert [file(nat, i) for i in range(16)] == [201] * 15 + [429]
    assert [file(plain, i) for i in range(11)] == [201] * 10 + [429]

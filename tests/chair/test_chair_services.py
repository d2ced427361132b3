"""The chair console's read views (merge suggestions, forecast, audit log, complaints) on the in-process app with
the demo meeting, through the service layer and the HTTP API."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from moderator.db.models import Field, Meeting, Request
from moderator.domain.enums import Role, Source, SubmitterKind
from moderator.services import chair as chair_views
from moderator.services import requests as reqs
from moderator.services import views
from moderator.services.requests import Decision, NewRequest
from moderator.services.uow import Actor

CHAIR = Actor(Role.CHAIR, "test-chair")
ROAD = ("Đường liên thôn từ thôn Bắc đến trường tiểu học nhiều ổ gà, mùa mưa học sinh đi lại nguy hiểm; "
        "đề nghị đưa vào kế hoạch sửa chữa năm tới.")
ROAD_PLAIN = "duong lien thon tu thon Bac den truong tieu hoc nhieu o ga, de nghi sua chua som"


def field_id(rt, name):
    with rt.read() as s:
        m = views.load_meeting(s, "DEMO")
        return s.scalars(select(Field.id).where(Field.meeting_id == m.id, Field.name == name)).first()


def file(rt, content, field=None, name="Đại biểu thử", phone="0912345678", address="Xóm 9"):
    req, _ = reqs.submit(rt, "DEMO", CHAIR, NewRequest(
        kind=SubmitterKind.CITIZEN, full_name=name, content=content, phone=phone, address=address,
        field_id=field, source=Source.PAPER))
    return req.id



# -- merge suggestions ------------------------------------------------------------------------------------------
def test_merge_suggestions_pair_vietnamese_text_with_and_without_diacritics(rt, demo):
    road = field_id(rt, "Giao thông")
    a = file(rt, ROAD, road, name="Nguyễn Văn A")
    b = file(rt, ROAD_PLAIN, road, name="Tran Van B")
    other_field = file(rt, ROAD_PLAIN, field_id(rt, "Y tế"), name="Lê C")  # same words, another field
    reqs.decide(rt, "DEMO", CHAIR, b, Decision("accept"))              # queued: it is kept, the new one merges in
    with rt.read() as s:
        m = views.load_meeting(s, "DEMO")
        sugg = chair_views.merge_suggestions(s, m)
    pairs = {(x["target_id"], x["source_id"]) for x in sugg}
    assert (b, a) in pairs                       # the queued one is the target, the new one the source
    assert not any(other_field in p for p in pairs)
    assert all(0.35 <= x["score"] <= 1 for x in sugg)
    # Once merged, the pair is no longer suggested, and the requester is a co-signer of the target.
    reqs.merge(rt, "DEMO", CHAIR, b, [a])
    with rt.read() as s:
        m = views.load_meeting(s, "DEMO")
        assert not any(a in (x["target_id"], x["source_id"]) for x in chair_views.merge_suggestions(s, m))
        merged = s.get(Request, a)
        assert merged.status == "merged" and merged.merged_into_id == b


def test_demo_requests_alone_raise_no_false_suggestion(rt, demo):
    with rt.read() as s:
        m = views.load_meeting(s, "DEMO")
        assert chair_views.merge_suggestions(s, m) == []


# -- forecast ----------------------------------------------------------------------------------------------------
def _script_meeting(rt, durations, queued):
    """Meeting on 10 Jan 2026, 07:30-11:30 local; `durations` ended turns; `queued` requests in the queue."""
    ids = [file(rt, f"Ý kiến kịch bản số {i}", name=f"Người {i}") for i in range(len(durations) + queued)]
    for rid in ids:
        reqs.decide(rt, "DEMO", CHAIR, rid, Decision("accept"))
    with rt.write_session() as s:   # test set-up: ended interventions with known times
        m = s.scalars(select(Meeting).where(Meeting.code == "DEMO")).one()
        m.date, m.planned_start, m.planned_end = date(2026, 1, 10), "07:30", "11:30"
        for rid, secs in zip(ids, durations):
            r = s.get(Request, rid)
            r.status, r.queue_rank, r.speaking_seconds = "answered", None, secs
        s.commit()


def at(hh, mm):
    return datetime(2026, 1, 10, hh, mm, tzinfo=chair_views.local_tz())


def test_forecast_figure_on_a_scripted_meeting(rt, demo):
    _script_meeting(rt, durations=[200, 250, 150], queued=20)
    with rt.read() as s:
        m = views.load_meeting(s, "DEMO")
        # 10:30 local: one hour left, 200 s per turn on average -> 18 of the 20 queued reached, 2 not.
        f = chair_views.forecast(s, m, now=at(10, 30))
        assert (f["remaining_seconds"], f["avg_seconds"], f["queued"]) == (3600, 200, 20)
        assert (f["can_reach"], f["not_reached"], f["turns_so_far"]) == (18, 2, 3)
        # 11:20: ten minutes left -> 3 reached (600 / 200), 17 not.
        f = chair_views.forecast(s, m, now=at(11, 20))
        assert (f["can_reach"], f["not_reached"]) == (3, 17)
        # Before the session starts the whole session counts (4 h): everyone is reached.
        f = chair_views.forecast(s, m, now=at(6, 0))
        assert (f["remaining_seconds"], f["not_reached"]) == (4 * 3600, 0)
        # After the planned end nobody more is reached.
        f = chair_views.forecast(s, m, now=at(12, 0))
        assert (f["remaining_seconds"], f["can_reach"], f["not_reached"]) == (0, 0, 20)


def test_forecast_uses_the_default_speaking_time_before_anyone_spoke(rt, demo):
    _script_meeting(rt, durations=[], queued=5)
    with rt.read() as s:
        m = views.load_meeting(s, "DEMO")
        f = chair_views.forecast(s, m, now=at(11, 20))    # 600 s at the meeting's default 180 s -> 3
        assert (f["avg_seconds"], f["can_reach"], f["not_reached"]) == (180, 3, 2)


def test_forecast_endpoint(client, demo):
    r = client.get("/api/v1/meetings/DEMO/forecast", headers={"X-Role-Key": demo["chair"]})
    assert r.status_code == 200
    body = r.get_json()
    assert {"remaining_seconds", "avg_seconds", "can_reach", "not_reached", "queued"} <= set(body)


# -- audit log, complaints, permissions -----------------------------------------------------------------------------
def test_audit_log_names_who_did_what_without_contact_data(client, rt, demo):
    h = {"X-Role-Key": demo["chair"]}
    rid = file(rt, "Đề nghị sửa cống thoát nước xóm 9", phone="0988776655", address="Số 12 ngõ 3 xóm 9")
    assert client.post(f"/api/v1/meetings/DEMO/requests/{rid}/accept", json={}, headers=h).status_code == 200
    h2 = {"X-Role-Key": demo["chair2"]}
    assert client.post(f"/api/v1/meetings/DEMO/queue/{rid}/move", json={"to": "top"}, headers=h2).status_code == 200
    r = client.get("/api/v1/meetings/DEMO/audit?limit=5", headers=h)
    assert r.status_code == 200
    entries = r.get_json()["entries"]
    assert [e["action"] for e in entries[:2]] == ["reorder", "accept"]
    assert entries[0]["actor"] == "chair2" and entries[1]["actor"] == "chair"
    accept = entries[1]
    assert accept["requests"][0]["changes"]["status"] == ["submitted", "accepted"]
    assert accept["at"] and accept["version"]
    text = json.dumps(r.get_json(), ensure_ascii=False)
    assert "0988776655" not in text and "ngõ 3" not in text


def test_audit_and_suggestions_are_for_staff_only(client, demo):
    for path in ("audit", "merge-suggestions", "forecast", "complaints"):
        assert client.get(f"/api/v1/meetings/DEMO/{path}").status_code == 403
        r = client.get(f"/api/v1/meetings/DEMO/{path}", headers={"X-Role-Key": demo["projector"]})
        assert r.status_code == 403 and r.get_json()["error"]["message"]
    r = client.get("/api/v1/meetings/DEMO/audit?limit=0", headers={"X-Role-Key": demo["chair"]})
    assert r.status_code == 422
    assert client.get("/api/v1/meetings/NOPE/audit", headers={"X-Role-Key": demo["chair"]}).status_code in (403, 404)


def test_a_flagged_complaint_is_listed_for_staff_and_absent_from_public_state(client, rt, demo):
    rid = file(rt, "Tố cáo cán bộ địa chính nhận tiền khi làm hồ sơ", name="Người Tố Cáo")
    reqs.decide(rt, "DEMO", CHAIR, rid, Decision("accept"))
    pub = client.get("/api/v1/meetings/DEMO/public").get_json()
    assert "Người Tố Cáo" in json.dumps(pub, ensure_ascii=False)
    r = client.post(f"/api/v1/meetings/DEMO/requests/{rid}/flag_complaint", json={"reason": "Chuyển Ủy ban Kiểm tra"},
                    headers={"X-Role-Key": demo["chair"]})
    assert r.status_code == 200
    listed = client.get("/api/v1/meetings/DEMO/complaints", headers={"X-Role-Key": demo["chair"]}).get_json()
    assert [x["id"] for x in listed["requests"]] == [rid]
    pub = client.get("/api/v1/meetings/DEMO/public").get_json()
    text = json.dumps(pub, ensure_ascii=False)
    assert "Người Tố Cáo" not in text and "Tố cáo cán bộ" not in text


def test_remaining_time_without_a_date_counts_today(rt, demo):
    with rt.write_session() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == "DEMO")).one()
        m.date = None
        s.commit()
    now = datetime.now(chair_views.local_tz())
    with rt.read() as s:
        m = views.load_meeting(s, "DEMO")
        left = chair_views.remaining_seconds(m, now=now)
    end = now.replace(hour=11, minute=30, second=0, microsecond=0)
    start = now.replace(hour=7, minute=30, second=0, microsecond=0)
    assert left == pytest.approx((end - max(now, start)).total_seconds())


def test_console_page_carries_every_string_its_script_uses(client, demo):
    import re
    from pathlib import Path
    r = client.get(f"/m/DEMO/chair?key={demo['chair']}", follow_redirects=True)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    table = json.loads(re.search(r'<script type="application/json" id="i18n">(.*?)</script>', html, re.S).group(1))
    js = (Path(__file__).resolve().parents[2] / "static" / "js" / "chair.js").read_text()
    used = set(re.findall(r'\bT\("((?:[^"\\]|\\.)*)"', js))
    assert used and not (used - set(table))
    # Strict CSP: no inline code or styles.
    assert 'style="' not in html and " onclick=" not in html
    assert all('src="' in tag or 'type="application/json"' in tag for tag in re.findall(r"<script[^>]*>", html))
    # The projector's key does not open the console.
    other = client.application.test_client()
    assert other.get(f"/m/DEMO/chair?key={demo['projector']}", follow_redirects=True).status_code == 403

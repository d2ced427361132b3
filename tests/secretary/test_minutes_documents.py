"""The secretary's minutes, driven through the services and the API in-process (demo meeting), read back from the
exported .docx (python-docx) and .xlsx (openpyxl)."""
from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import date

import pytest
from docx import Document
from docx.shared import Mm, Pt
from lxml import etree
from openpyxl import load_workbook

from moderator.db.models import AuditLog, Request
from moderator.domain.enums import AnswerMode, Role, Source, SubmitterKind
from moderator.services import floor, meetings, minutes as svc, requests as reqs
from moderator.services.requests import Answer, Decision, NewRequest
from moderator.services.uow import Actor
from tests.documents._helpers import notice_lines

CODE = "DEMO"
API = f"/api/v1/meetings/{CODE}"
CHAIR = Actor(Role.CHAIR, "chair-test")
CLERK1 = Actor(Role.SECRETARY, "clerk1")
CLERK2 = Actor(Role.SECRETARY, "clerk2")
DEADLINE = date(2026, 12, 15)
DIGITS = re.compile(r"\d")


def _all_text(data: bytes) -> str:
    """Every text node of every XML part (body, headers, footers, properties), runs of a paragraph joined."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                root = etree.fromstring(z.read(name))
                out.extend("".join(p.itertext()) for p in root.iter("{*}p"))
                out.extend(t for t in root.itertext() if t.strip())
    return "\n".join(out)


def _digits(s: str) -> str:
    return "".join(DIGITS.findall(s))


def _ids(rt):
    with rt.read() as s:
        from moderator.services.views import load_meeting
        mid = load_meeting(s, CODE).id
        return [r.id for r in s.query(Request).filter_by(meeting_id=mid).order_by(Request.ticket)]


def _speak(rt, rid, answer: Answer | None = None):
    floor.call(rt, CODE, CHAIR, rid)
    floor.start(rt, CODE, CHAIR)
    if answer is not None:
        reqs.assign_answer(rt, CODE, CHAIR, [rid], answer)
    floor.end(rt, CODE, CHAIR)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One in-process app for the module (the scripted meeting is built once; tests read it or add to it)."""
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("secretary")
        mp.setenv("MODERATOR_INSTANCE", str(path))
        mp.delenv("DATABASE_URL", raising=False)
        mp.delenv("REDIS_URL", raising=False)
        from moderator import create_app
        from moderator.config import Config
        app = create_app(Config(TESTING=True, ASYNC_MODE="threading"))
        from moderator.demo import ensure_demo
        app.config["DEMO_KEYS"] = ensure_demo(app.extensions["moderator"], str(path))
        yield app


@pytest.fixture(scope="module")
def rt(app):
    return app.extensions["moderator"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def scripted(app, rt):
    """A scripted meeting: a paper form with a phone number, a merge, six interventions answered three ways,
    the secretary's edits, attendance, conclusion and closing."""
    units = {u["name"]: u["id"] for u in svc.minutes_snapshot(rt, CODE)["units"]}
    paper, _ = reqs.submit(rt, CODE, CLERK1, NewRequest(
        kind=SubmitterKind.CITIZEN, full_name="Lương Văn Phiếu", content="Đề nghị sửa cầu tràn thôn Đông.",
        phone="0911 222 333", address="Số 5 ngõ 7 thôn Đông", locality="Thôn Đông", source=Source.PAPER))
    ids = _ids(rt)
    order = [ids[0], ids[1], paper.id, ids[3], ids[4], ids[5]]
    for rid in order + [ids[2], ids[6]]:
        reqs.decide(rt, CODE, CHAIR, rid, Decision("accept"))
    # Requests 3 and 7 say the same as request 2: merged, their authors co-sign.
    reqs.merge(rt, CODE, CHAIR, ids[1], [ids[2], ids[6]])
    meetings.set_step(rt, CODE, CHAIR, 1)
    meetings.set_step(rt, CODE, CHAIR, 5)
    plan = [
        Answer(units["Phòng Kinh tế"], "Đồng chí Trưởng phòng Kinh tế", AnswerMode.HALL, summary="Hẹn kiểm tra hồ sơ trong tuần."),
        Answer(units["Phòng Kinh tế"], "", AnswerMode.WRITING, deadline=DEADLINE),
        Answer(units["Văn phòng HĐND và UBND"], "Đồng chí Chánh Văn phòng", AnswerMode.HALL, summary="Đã đưa vào kế hoạch năm sau."),
        Answer(units["Phòng Kinh tế"], "", AnswerMode.FORWARDED, level="province", deadline=DEADLINE),
        Answer(units["Phòng Văn hóa - Xã hội"], "Đồng chí Trưởng phòng Văn hóa - Xã hội", AnswerMode.HALL),
        None,
    ]
    for rid, answer in zip(order, plan):
        _speak(rt, rid, answer)
    # The secretary's own words for two entries (one with a phone number typed in by mistake).
    svc.save_entry(rt, CODE, CLERK1, order[0], 0, summary="Ông Hùng hỏi về hồ sơ cấp giấy chứng nhận nộp từ tháng 3.")
    svc.save_entry(rt, CODE, CLERK1, order[4], 0, answer_summary="Trả lời tại chỗ: sẽ bố trí kinh phí; gọi 0912 000 105.")
    svc.set_attendance(rt, CODE, CLERK1, svc.AttendanceData(
        [{"name": "Vũ Xuân Thủy", "title": "Bí thư Đảng ủy"}],
        [{"label": "Đại diện Nhân dân các thôn, xóm", "count": 120}, {"label": "Đại diện doanh nghiệp", "count": 10}]))
    meetings.set_conclusion(rt, CODE, CLERK1, "Ghi nhận các ý kiến.\nGiao các đơn vị trả lời đúng hạn.")
    meetings.close_meeting(rt, CODE, CHAIR)
    return {"order": order, "keys": app.config["DEMO_KEYS"], "units": units}


def _h(keys, role):
    return {"X-Role-Key": keys[role]}


# -- the live view ---------------------------------------------------------------------------------------------
def test_minutes_view_lists_interventions_in_order_without_contact_data(client, rt, scripted):
    r = client.get(f"{API}/minutes", headers=_h(scripted["keys"], "secretary"))
    assert r.status_code == 200
    view = r.get_json()
    assert [e["request_id"] for e in view["entries"]] == scripted["order"]
    assert [e["order"] for e in view["entries"]] == [1, 2, 3, 4, 5, 6]
    first, second, paper = view["entries"][:3]
    assert first["summary"].startswith("Ông Hùng hỏi") and first["edited"] and first["revision"] == 1
    assert second["summary"] == second["content"]           # not edited: the request's content
    assert len(second["co_signers"]) == 2
    assert paper["speaker"] == "Lương Văn Phiếu" and paper["locality"] == "Thôn Đông"
    assert paper["source"] == "paper"
    assert first["answer"]["unit"] == "Phòng Kinh tế" and first["answer"]["mode"] == "hall"
    assert first["answer_summary"] == "Hẹn kiểm tra hồ sơ trong tuần."
    assert first["start_time"] and first["end_time"] and first["duration_seconds"] is not None
    assert view["meeting"]["opened_time"] and view["meeting"]["closed_time"]
    assert view["steps"][0]["time"] and view["attendance"]["groups"][0]["count"] == 120
    text = r.get_data(as_text=True)
    with rt.read() as s:
        for req in s.query(Request).all():
            if req.phone:
                assert req.phone not in text and _digits(req.phone) not in _digits(text)
            assert "Số 5 ngõ 7" not in text
    assert '"phone"' not in text and '"address"' not in text


def test_minutes_need_a_staff_key(client, scripted):
    for role in ("projector", "usher", "unit"):
        assert client.get(f"{API}/minutes", headers=_h(scripted["keys"], role)).status_code == 403
        assert client.get(f"{API}/minutes.docx", headers=_h(scripted["keys"], role)).status_code == 403
    assert client.get(f"{API}/minutes").status_code == 403
    r = client.put(f"{API}/minutes/entries/{scripted['order'][0]}", json={"expected_revision": 1, "summary": "x"},
                   headers=_h(scripted["keys"], "projector"))
    assert r.status_code == 403


# -- editing ----------------------------------------------------------------------------------------------------
def test_two_clerks_never_overwrite_each_other(client, rt, scripted):
    keys, rid = scripted["keys"], scripted["order"][1]
    sec, chair = _h(keys, "secretary"), _h(keys, "chair")
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": 0, "summary": "Bản của thư ký 1"},
                   headers=sec)
    assert r.status_code == 200 and r.get_json()["entry"]["revision"] == 1
    # The second clerk typed on revision 0 too: refused, with both texts.
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": 0, "summary": "Bản của thư ký 2"},
                   headers=chair)
    assert r.status_code == 409
    err = r.get_json()["error"]
    assert err["code"] == "minutes_conflict" and "Người khác vừa sửa" in err["message"]
    assert err["theirs"]["summary"] == "Bản của thư ký 1" and err["theirs"]["revision"] == 1
    assert err["yours"]["summary"] == "Bản của thư ký 2" and err["conflict_fields"] == ["summary"]
    assert svc.minutes_snapshot(rt, CODE)["entries"][1]["summary"] == "Bản của thư ký 1"   # nothing changed
    # Another field of the same entry is not a conflict; neither is the same text.
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": 0, "answer_summary": "Trả lời X"},
                   headers=chair)
    assert r.status_code == 200 and r.get_json()["entry"]["revision"] == 2
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": 0, "summary": "Bản của thư ký 1"},
                   headers=chair)
    assert r.status_code == 200
    # Choosing "keep mine" after seeing the conflict: save on the revision shown.
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": 2, "summary": "Bản của thư ký 2"},
                   headers=chair)
    assert r.status_code == 200 and r.get_json()["entry"]["summary"] == "Bản của thư ký 2"
    revs = client.get(f"{API}/minutes/entries/{rid}/revisions", headers=sec).get_json()
    assert [v["revision"] for v in revs["revisions"]] == [3, 2, 1]
    assert [v["summary"] for v in revs["revisions"]] == ["Bản của thư ký 2", "Bản của thư ký 1", "Bản của thư ký 1"]
    assert revs["revisions"][0]["author"].startswith("Chủ trì")
    assert revs["revisions"][2]["author"] == "Thư ký"
    assert revs["original"]["summary"]


def test_bad_entry_input_is_refused_in_vietnamese(client, scripted):
    sec = _h(scripted["keys"], "secretary")
    rid = scripted["order"][0]
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": -1, "summary": "x"}, headers=sec)
    assert r.status_code == 422
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": 1}, headers=sec)
    assert r.status_code == 400 and "Không có nội dung" in r.get_json()["error"]["message"]
    r = client.put(f"{API}/minutes/entries/999999", json={"expected_revision": 0, "summary": "x"}, headers=sec)
    assert r.status_code == 404
    r = client.put(f"{API}/minutes/entries/{rid}", json={"expected_revision": 1, "summary": "x" * 20001}, headers=sec)
    assert r.status_code == 422
    r = client.put(f"{API}/minutes/attendance", json={"groups": [{"label": "A", "count": -3}]}, headers=sec)
    assert r.status_code == 422


def test_a_save_reaches_the_staff_stream(app, rt, scripted):
    from moderator.extensions import socketio
    sec = socketio.test_client(app, auth={"meeting": CODE, "key": scripted["keys"]["secretary"]})
    assert sec.is_connected()
    sec.get_received()
    entry = svc.save_entry(rt, CODE, CLERK2, scripted["order"][3], 0, summary="Ghi lại ý kiến về quy hoạch.")
    msgs = [m["args"][0] for m in sec.get_received() if m["name"] == "staff"]
    assert msgs and msgs[-1]["minutes"]["summary"] == "Ghi lại ý kiến về quy hoạch."
    assert msgs[-1]["minutes"]["revision"] == entry["revision"] and msgs[-1]["requests"] == []
    sec.disconnect()


# -- documents --------------------------------------------------------------------------------------------------
def test_minutes_docx_reads_back(client, rt, scripted):
    keys = scripted["keys"]
    r = client.get(f"{API}/minutes.docx", headers=_h(keys, "secretary"))
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in r.headers["Content-Disposition"]
    doc = Document(io.BytesIO(r.data))
    # Party heading (HD 36): "ĐẢNG CỘNG SẢN VIỆT NAM" top right, the issuing body with "*" top left.
    head = doc.tables[0]
    right = [p.text for c in head.columns[1].cells for p in c.paragraphs]
    left = [p.text for c in head.columns[0].cells for p in c.paragraphs]
    assert right[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert "ĐẢNG ỦY XÃ GIAO MINH" in left and "*" in left and "Số 05-BB/ĐU" in left
    date_line = next(p for c in head.columns[1].cells for p in c.paragraphs if "ngày" in p.text)
    assert all(run.italic for run in date_line.runs if run.text.strip())
    texts = [p.text for p in doc.paragraphs]
    assert "BIÊN BẢN" in texts
    # A4, margins of Decree 30, Times New Roman 13-14 pt body.
    for s in doc.sections:
        assert abs(s.page_width - Mm(210)) < Mm(1) and abs(s.page_height - Mm(297)) < Mm(1)
        assert Mm(20) - Mm(.1) <= s.top_margin <= Mm(25) + Mm(.1)
        assert Mm(20) - Mm(.1) <= s.bottom_margin <= Mm(25) + Mm(.1)
        assert Mm(30) - Mm(.1) <= s.left_margin <= Mm(35) + Mm(.1)
        assert Mm(15) - Mm(.1) <= s.right_margin <= Mm(20) + Mm(.1)
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman"
    body = [p for p in doc.paragraphs if p.text.startswith("Ý kiến ") and "(phiếu số" in p.text]
    for p in body:
        style = p.style
        size = None
        while style is not None and size is None:
            size, style = style.font.size, style.base_style
        size = next((run.font.size for run in p.runs if run.font.size), size)
        assert Pt(13) <= size <= Pt(14)
        assert all((run.font.name or "Times New Roman") == "Times New Roman" for run in p.runs)
    # Every intervention, in order, with its answer.
    view = svc.minutes_snapshot(rt, CODE)
    leads = [p.text for p in body]
    assert len(leads) == 6
    for k, (lead, e) in enumerate(zip(leads, view["entries"]), 1):
        assert lead.startswith(f"Ý kiến {k} (phiếu số {e['ticket']})") and e["speaker"] in lead
    full = "\n".join(texts)
    positions = [full.index(f"phiếu số {e['ticket']})") for e in view["entries"]]
    assert positions == sorted(positions)
    assert "Ông Hùng hỏi về hồ sơ" in full
    assert "Hẹn kiểm tra hồ sơ trong tuần." in full and "Đồng chí Trưởng phòng Kinh tế" in full
    assert "Đã đưa vào kế hoạch năm sau." in full
    assert "Trả lời bằng văn bản trước ngày 15/12/2026" in full
    assert "Chuyển cấp có thẩm quyền: cấp tỉnh" in full
    assert "cùng kiến nghị:" in full
    assert "Giao các đơn vị trả lời đúng hạn." in full and "Hội nghị kết thúc vào hồi" in full
    assert "Vũ Xuân Thủy" in full and "120 người" in full
    all_text = _all_text(r.data)
    assert "THƯ KÝ" in all_text and "CHỦ TRÌ HỘI NGHỊ" in all_text
    # No phone number anywhere, not even the one typed into a summary.
    with rt.read() as s:
        phones = [q.phone for q in s.query(Request).all() if q.phone]
    assert len(phones) > 20
    squeezed = _digits(all_text)
    for phone in phones:
        assert phone not in all_text and _digits(phone) not in squeezed
    assert "0912 000 105" not in all_text


def test_state_format_minutes(client, scripted):
    sec = _h(scripted["keys"], "secretary")
    r = client.put(f"{API}/minutes/header", json={"doc_format": "state", "doc_number": "05/BB-UBND",
                                                  "secretary": {"name": "Nguyễn Thị Thư", "title": "Công chức"}},
                   headers=sec)
    assert r.status_code == 200
    doc = Document(io.BytesIO(client.get(f"{API}/minutes.docx", headers=sec).data))
    right = [p.text for c in doc.tables[0].columns[1].cells for p in c.paragraphs]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in _all_text(client.get(f"{API}/minutes.docx", headers=sec).data)
    assert "Nguyễn Thị Thư" in "\n".join(p.text for p in doc.paragraphs)
    client.put(f"{API}/minutes/header", json={"doc_format": "party", "doc_number": "05-BB/ĐU"}, headers=sec)


def test_conclusion_notice_has_tasks_units_deadlines_and_recipients(client, rt, scripted):
    r = client.get(f"{API}/conclusion.docx", headers=_h(scripted["keys"], "chair"))
    assert r.status_code == 200
    text = _all_text(r.data)
    assert "THÔNG BÁO KẾT LUẬN" in text and "Giao các đơn vị trả lời đúng hạn." in text
    lines = notice_lines(Document(io.BytesIO(r.data)))
    with rt.read() as s:
        ticket = {q.id: q.ticket for q in s.query(Request).all()}
        merged = {q.ticket for q in s.query(Request).filter(Request.merged_into_id.is_not(None))}
        deferred = {q.ticket for q in s.query(Request).filter_by(status="deferred")}
    order = scripted["order"]
    by_ticket = {line.ticket: line for line in lines}
    assert len(by_ticket) == len(lines)                      # each item once
    assert [line.ticket for line in lines if line.outcome == "hall"] == [ticket[order[k]] for k in (0, 2, 4, 5)]
    writing = by_ticket[ticket[order[1]]]
    assert writing.outcome == "writing" and writing.group == "Phòng Kinh tế" and "15/12/2026" in writing.text
    forwarded = by_ticket[ticket[order[3]]]
    assert forwarded.group == "Chuyển cấp tỉnh" and forwarded.text.startswith("Phòng Kinh tế: tổng hợp, chuyển")
    assert "15/12/2026" in forwarded.text and "và 2 đại biểu cùng kiến nghị" in writing.text
    # Not reached before the close: answered in writing, listed too (the close says so).
    assert len(deferred) > 5
    assert {t for t, line in by_ticket.items() if line.outcome == "writing"} == deferred | {ticket[order[1]]}
    assert not merged & set(by_ticket)                        # merged requests live on as co-signers
    assert "Nơi nhận:" in text and "Phòng Kinh tế (để thực hiện)" in text
    assert "0911222333" not in _digits(text)


def test_summary_xlsx_and_the_phone_export(client, rt, scripted):
    keys = scripted["keys"]
    r = client.get(f"{API}/summary.xlsx", headers=_h(keys, "chair"))
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(r.data)).active
    headers = [c.value for c in ws[2]]
    assert headers[:9] == ["STT", "Người kiến nghị", "Địa phương / Đơn vị", "Lĩnh vực", "Nội dung",
                           "Đơn vị trả lời", "Hình thức trả lời", "Thời hạn", "Trạng thái"]
    assert "Số điện thoại" not in headers
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert len(rows) == 25
    assert ws["B3"].font.name == "Times New Roman"
    by_name = {row[1]: row for row in rows}
    assert by_name["Lương Văn Phiếu"][9] == "Phiếu giấy"
    written = [row for row in rows if row[6] == "Trả lời bằng văn bản"]
    assert written and written[0][7].date() == DEADLINE
    flat = " ".join(str(v) for row in rows for v in row if v is not None)
    assert "0911222333" not in flat and "0912000101" not in flat
    # The chair may not take phone numbers out; the secretary may, and it is logged.
    assert client.get(f"{API}/summary.xlsx?with_phone=1", headers=_h(keys, "chair")).status_code == 403
    r = client.get(f"{API}/summary.xlsx?with_phone=1", headers=_h(keys, "secretary"))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in ws[2]][-1] == "Số điện thoại"
    assert "0911222333" in [row[-1].value for row in ws.iter_rows(min_row=3)]
    with rt.read() as s:
        logged = s.query(AuditLog).filter_by(action="export_with_phone").all()
    assert len(logged) == 1 and logged[0].role == "secretary"


def test_print_view_shows_the_minutes_without_phones(client, scripted):
    keys = scripted["keys"]
    assert client.get(f"/m/{CODE}/secretary/print").status_code == 403
    r = client.get(f"/m/{CODE}/secretary/print?key={keys['secretary']}")
    assert r.status_code == 302
    r = client.get(f"/m/{CODE}/secretary/print")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.count('class="mp-entry"') == 6 and "BIÊN BẢN" in html and "ĐẢNG CỘNG SẢN VIỆT NAM" in html
    assert "Hẹn kiểm tra hồ sơ trong tuần." in html and "<script>" not in html
    assert "0911" not in html and "0912 000 105" not in html and "sẽ bố trí kinh phí" in html


def test_openapi_lists_the_secretary_operations(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for p in ("/api/v1/meetings/{code}/minutes", "/api/v1/meetings/{code}/minutes/entries/{request_id}",
              "/api/v1/meetings/{code}/minutes/entries/{request_id}/revisions",
              "/api/v1/meetings/{code}/minutes/conclusion", "/api/v1/meetings/{code}/minutes/attendance",
              "/api/v1/meetings/{code}/minutes.docx", "/api/v1/meetings/{code}/conclusion.docx",
              "/api/v1/meetings/{code}/summary.xlsx"):
        assert p in paths
    assert "put" in paths["/api/v1/meetings/{code}/minutes/entries/{request_id}"]


# -- speed ------------------------------------------------------------------------------------------------------
def test_150_interventions_export_within_a_second(app, rt):
    from moderator.services.uow import SYSTEM
    meetings.create_meeting(rt, SYSTEM, meetings.MeetingSpec(
        title="Hội nghị đối thoại dài", code="LONG150", organiser="ĐẢNG ỦY XÃ GIAO MINH", venue="Hội trường",
        place_name="Giao Minh", date=date(2026, 12, 1)))
    fields = svc.minutes_snapshot(rt, "LONG150")["fields"]
    from datetime import timedelta
    from moderator.db.models import utcnow
    from moderator.services.views import load_meeting
    with rt.write_session() as s:   # the rows the floor services write, without 600 commits
        mid = load_meeting(s, "LONG150").id
        t0 = utcnow()
        for k in range(150):
            called = t0 + timedelta(minutes=2 * k)
            s.add(Request(
                meeting_id=mid, ticket=k + 1, kind="citizen", full_name=f"Đại biểu số {k + 1}",
                phone=f"09120{k:05d}", locality=f"Xóm {k % 9 + 1}", field_id=fields[k % len(fields)]["id"],
                content=f"Nội dung thứ {k + 1} về đường giao thông nông thôn, đề nghị xã sớm sửa chữa. " * 3,
                source="paper", status="answered", called_at=called,
                speaking_started_at=called + timedelta(seconds=20),
                speaking_ended_at=called + timedelta(seconds=170), speaking_seconds=150, answer_mode="hall",
                answer_summary="Đơn vị đã trả lời tại hội nghị."))
        s.commit()
    started = time.perf_counter()
    data, _ = svc.export_minutes(rt, "LONG150")
    elapsed = time.perf_counter() - started
    assert elapsed <= 1.0, f"minutes export took {elapsed:.2f}s"
    doc = Document(io.BytesIO(data))
    assert sum(1 for p in doc.paragraphs if p.text.startswith("Ý kiến ") and "(phiếu số" in p.text) == 150
    started = time.perf_counter()
    svc.export_summary(rt, "LONG150")
    svc.export_conclusion(rt, "LONG150")
    assert time.perf_counter() - started <= 2.0

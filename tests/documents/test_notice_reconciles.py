"""A meeting scripted through the API of the real server (SQLite and PostgreSQL), with every kind of outcome: the
conclusion notice (.docx, both document styles), the summary table (.xlsx) and the follow-up tracker (page and
.xlsx) are read back and must agree item by item: same requests, same unit, same deadline, same mode.

Outcomes scripted: answered in the hall; answered in writing decided on the floor and from the inbox (one answered
by the unit since); forwarded to the province, the centre and outside (from the floor and from the inbox); a
written answer switched to a forwarding on the follow-up page; a complaint sent to the formal process; requests
left in the queue at the close (deferred: answered in writing), one given a unit and deadline afterwards; a merge
and a decline, which have no item of their own."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
import requests
from docx import Document
from lxml import html as lxml_html
from openpyxl import load_workbook

from tests.support.server import ROOT, ServerProcess
from tests.support.services import drop_pg_database, pg_url_or_skip
from tests.admin.conftest import admin_session
from tests.admin.helpers import PASSWORD

from ._helpers import TICKET_RE, all_xml_text, full_text, notice_lines

D1 = date.today() + timedelta(days=20)
D2 = date.today() + timedelta(days=30)
D3 = date.today() + timedelta(days=45)
# What an office reads in each document; written out here so the test does not reuse the code under test.
MODE = {"hall": "Trả lời trực tiếp tại hội nghị", "writing": "Trả lời bằng văn bản",
        "forwarded": "Chuyển cấp có thẩm quyền", "complaint": "Chuyển xử lý theo quy trình khiếu nại, tố cáo"}
LEVEL_IN_TEXT = {"province": "cấp tỉnh", "central": "cấp Trung ương",
                 "outside": "cơ quan, đơn vị ngoài hệ thống hành chính"}
LEVEL_ON_PAGE = {"province": "Cấp tỉnh", "central": "Trung ương", "outside": "Ngoài hệ thống hành chính"}
COMPLAINANT = {"full_name": "Đinh Văn Khiếu Nại", "phone": "0915 777 888", "address": "Số 3 ngõ 9 thôn Nam",
               "locality": "Thôn Nam",
               "content": "Tố cáo cán bộ địa chính Lò Văn Giấu nhận tiền để làm nhanh hồ sơ đất của một số hộ."}


def _dmy(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    env, pg = {}, None
    if request.param == "postgresql":
        pg = pg_url_or_skip()
        env["DATABASE_URL"] = pg
    srv = ServerProcess(tmp_path_factory.mktemp(f"notice-{request.param}") / "instance", demo=True, env=env)
    srv.start()
    try:
        cli_env = {**os.environ, "MODERATOR_INSTANCE": str(srv.instance), **env}
        if pg is None:
            cli_env.pop("DATABASE_URL", None)
        out = subprocess.run([sys.executable, "-m", "moderator.cli", "create-admin", "--username", "vanphong",
                              "--password", PASSWORD], cwd=str(ROOT), env=cli_env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        yield srv
    finally:
        srv.stop()
        if pg is not None:
            drop_pg_database(pg)


@pytest.fixture(scope="module")
def meeting(live):
    """Run the meeting; return what each ticket must end as: {ticket: (outcome, unit, deadline, level)}, the
    tickets that must have no item, and the admin session."""
    def chair(method, path, body=None):
        r = live.api(method, "/meetings/DEMO" + path, role="chair", json=body if body is not None else {})
        assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
        return r.json()

    staff = chair("GET", "/staff")
    units = {u["name"]: u["id"] for u in staff["meeting"]["units"]}
    unit_name = {v: k for k, v in units.items()}
    kt, vh, vp, ubkt = (units[n] for n in ("Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND",
                                           "Ủy ban Kiểm tra Đảng ủy"))
    q = sorted(staff["requests"], key=lambda r: r["ticket"])
    assert len(q) >= 16 and all(r["status"] == "submitted" for r in q)
    expected: dict[int, tuple[str, str, date | None, str | None]] = {}

    chair("PUT", "/programme", {"position": 1})

    def on_floor(r, answer):
        chair("POST", f"/requests/{r['id']}/accept")
        chair("POST", "/floor/call", {"request_id": r["id"]})
        chair("POST", "/floor/start")
        chair("POST", "/answers", {"request_ids": [r["id"]], **answer})
        chair("POST", "/floor/end")

    # Answered in the hall, two units.
    on_floor(q[0], {"unit_id": kt, "answerer": "Đồng chí Trưởng phòng Kinh tế", "mode": "hall",
                    "summary": "Hồ sơ đang chờ đo đạc lại; hẹn trả kết quả trong tháng."})
    expected[q[0]["ticket"]] = ("hall", "Phòng Kinh tế", None, None)
    on_floor(q[1], {"unit_id": vh, "answerer": "Đồng chí Trưởng phòng Văn hóa - Xã hội", "mode": "hall",
                    "summary": "Đã bố trí kinh phí sửa nhà văn hóa."})
    expected[q[1]["ticket"]] = ("hall", "Phòng Văn hóa - Xã hội", None, None)
    # In writing, decided on the floor and from the inbox (never heard).
    on_floor(q[2], {"unit_id": kt, "mode": "writing", "deadline": D1.isoformat()})
    expected[q[2]["ticket"]] = ("writing", "Phòng Kinh tế", D1, None)
    chair("POST", f"/requests/{q[3]['id']}/to_writing", {"deadline": D2.isoformat(), "unit_id": vp})
    expected[q[3]["ticket"]] = ("writing", "Văn phòng HĐND và UBND", D2, None)
    chair("POST", f"/requests/{q[4]['id']}/to_writing", {"deadline": D1.isoformat(), "unit_id": kt})
    expected[q[4]["ticket"]] = ("writing", "Phòng Kinh tế", D1, None)
    # Forwarded: from the inbox to the province, from the floor to the centre, outside without a deadline.
    chair("POST", f"/requests/{q[5]['id']}/forward", {"level": "province", "deadline": D3.isoformat(), "unit_id": kt})
    expected[q[5]["ticket"]] = ("forwarded", "Phòng Kinh tế", D3, "province")
    on_floor(q[6], {"unit_id": vh, "mode": "forwarded", "level": "central", "deadline": D3.isoformat()})
    expected[q[6]["ticket"]] = ("forwarded", "Phòng Văn hóa - Xã hội", D3, "central")
    chair("POST", f"/requests/{q[7]['id']}/forward", {"level": "outside", "unit_id": kt})
    expected[q[7]["ticket"]] = ("forwarded", "Phòng Kinh tế", None, "outside")
    # A duplicate merged into a written one; a decline: neither has an item of its own.
    chair("POST", "/merge", {"target_id": q[3]["id"], "source_ids": [q[8]["id"]]})
    chair("POST", f"/requests/{q[9]['id']}/decline", {"reason": "Nội dung không thuộc phạm vi hội nghị."})
    # A complaint typed from a paper form, sent to the formal process.
    paper = chair("POST", "/paper", {"kind": "citizen", **COMPLAINANT, "unit_id": ubkt})
    chair("POST", f"/requests/{paper['id']}/flag_complaint", {"reason": "Nội dung tố cáo cán bộ."})
    expected[paper["ticket"]] = ("complaint", "Ủy ban Kiểm tra Đảng ủy", None, None)
    # One still queued, one to switch later; the rest never decided: the close defers them to written answers.
    chair("POST", f"/requests/{q[10]['id']}/accept")
    chair("POST", f"/requests/{q[11]['id']}/to_writing", {"deadline": D1.isoformat(), "unit_id": kt})
    chair("POST", "/close", {"conclusion": "Giao các đơn vị trả lời đúng thời hạn; Văn phòng theo dõi, đôn đốc."})
    for r in q[10:]:
        expected.setdefault(r["ticket"], ("writing", unit_name.get(r["unit_id"], ""), None, None))

    # After the meeting, on the follow-up page: a unit and deadline for a deferred one, a written answer switched
    # to a forwarding, and the unit's answer to one in writing.
    s, csrf = admin_session(live)
    post = lambda rid, action, data: s.post(  # noqa: E731
        f"{live.url}/admin/meetings/DEMO/followup/{rid}/{action}", data={"csrf_token": csrf, **data},
        allow_redirects=False, timeout=10)
    r = post(q[10]["id"], "assign", {"unit_id": vh, "mode": "writing", "deadline": D2.isoformat()})
    assert r.status_code == 303, r.text
    expected[q[10]["ticket"]] = ("writing", "Phòng Văn hóa - Xã hội", D2, None)
    r = post(q[11]["id"], "assign", {"unit_id": vp, "mode": "forwarded", "level": "province",
                                     "deadline": D3.isoformat()})
    assert r.status_code == 303, r.text
    expected[q[11]["ticket"]] = ("forwarded", "Văn phòng HĐND và UBND", D3, "province")
    r = post(q[4]["id"], "answer", {"summary": "Đã trả lời bằng Văn bản số 12/UBND."})
    assert r.status_code == 303, r.text
    none = {q[8]["ticket"], q[9]["ticket"]}
    assert len({o for o, *_ in expected.values()}) == 4 and len(expected) + len(none) == len(q) + 1
    return {"expected": expected, "none": none, "admin": s, "complaint": paper["ticket"],
            "answerers": {q[0]["ticket"]: "Đồng chí Trưởng phòng Kinh tế",
                          q[1]["ticket"]: "Đồng chí Trưởng phòng Văn hóa - Xã hội"}}


def _export_notice(live, doc_format: str) -> bytes:
    number = "05-BB/ĐU" if doc_format == "party" else "05/BB-UBND"
    r = live.api("PUT", "/meetings/DEMO/minutes/header", role="secretary",
                 json={"doc_format": doc_format, "doc_number": number})
    assert r.status_code == 200, r.text
    r = live.api("GET", "/meetings/DEMO/conclusion.docx", role="secretary")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    return r.content


@pytest.mark.parametrize("doc_format", ["party", "state"])
def test_notice_lists_each_item_once_with_its_unit_and_deadline(live, meeting, doc_format):
    data = _export_notice(live, doc_format)
    doc = Document(io.BytesIO(data))
    heading = " ".join(c.text for c in doc.tables[0].columns[1].cells)
    assert ("ĐẢNG CỘNG SẢN VIỆT NAM" if doc_format == "party" else "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") in heading
    text = full_text(doc)
    expected = meeting["expected"]
    # Each ticket cited exactly once in the whole notice; merged and declined ones not at all.
    cited = [int(t) for t in TICKET_RE.findall(text)]
    assert sorted(cited) == sorted(expected)
    lines = notice_lines(doc)
    assert len(lines) == len(expected)
    for line in lines:
        outcome, unit, deadline, level = expected[line.ticket]
        assert line.outcome == outcome, (line.ticket, line.text)
        if outcome == "hall":
            assert f"{unit} ({meeting['answerers'][line.ticket]}) đã trả lời" in line.text
        elif outcome == "writing":
            assert line.group == (unit or "Chưa phân công đơn vị")
            assert line.text.endswith(f"thời hạn: {_dmy(deadline) or '……'}.")
        elif outcome == "forwarded":
            assert line.group == f"Chuyển {LEVEL_IN_TEXT[level]}"
            assert line.text.startswith(f"{unit}: tổng hợp, chuyển đến {LEVEL_IN_TEXT[level]}")
            assert line.text.endswith(f"thời hạn: {_dmy(deadline) or '……'}.")
        else:
            assert line.text.startswith(f"Phiếu số {line.ticket}") and f": {unit} tiếp nhận" in line.text
    # The complaint: no name, phone, address or content anywhere in the package.
    xml = all_xml_text(data)
    digits = re.sub(r"\D", "", xml)
    assert COMPLAINANT["full_name"] not in xml and COMPLAINANT["address"] not in xml
    assert "Lò Văn Giấu" not in xml and "nhận tiền" not in xml
    assert re.sub(r"\D", "", COMPLAINANT["phone"]) not in digits
    # "Nơi nhận": every unit given a task, after the tasks.
    bottom = "\n".join(p.text for p in doc.tables[-1].rows[0].cells[0].paragraphs)
    assert bottom.startswith("Nơi nhận:\n- Thường trực Tỉnh ủy (để báo cáo)")   # the demo's parent: Đảng bộ tỉnh
    for outcome, unit, _d, _l in expected.values():
        if outcome != "hall" and unit:
            assert f"{unit} (để thực hiện)" in bottom


def test_summary_table_agrees_with_the_notice(live, meeting):
    r = live.api("GET", "/meetings/DEMO/summary.xlsx", role="chair")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    headers = [c.value for c in ws[2]]
    col = {h: headers.index(h) for h in ("Số phiếu", "Đơn vị trả lời", "Hình thức trả lời", "Thời hạn",
                                         "Người kiến nghị")}
    rows = {row[col["Số phiếu"]]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    expected = meeting["expected"]
    assert set(rows) == set(expected) | meeting["none"]
    for ticket, row in rows.items():
        if ticket in meeting["none"]:
            assert not row[col["Hình thức trả lời"]]
            continue
        outcome, unit, deadline, level = expected[ticket]
        mode = MODE[outcome] + (f" ({LEVEL_IN_TEXT[level]})" if level else "")
        assert row[col["Hình thức trả lời"]] == mode, ticket
        assert (row[col["Đơn vị trả lời"]] or "") == unit, ticket
        got = row[col["Thời hạn"]]
        assert (got.date() if got else None) == deadline, ticket


def test_follow_up_tracker_agrees_with_the_notice(live, meeting):
    followed = {t: v for t, v in meeting["expected"].items() if v[0] in ("writing", "forwarded")}
    page = meeting["admin"].get(live.url + "/admin/meetings/DEMO/followup", timeout=10)
    assert page.status_code == 200
    tree = lxml_html.fromstring(page.text)
    rows = {int(tr.get("data-ticket")): tr for tr in tree.xpath('//table[@id="tracker"]/tbody/tr')}
    assert set(rows) == set(followed)
    for ticket, tr in rows.items():
        outcome, unit, deadline, level = followed[ticket]
        cell = " ".join(tr.xpath("./td[3]")[0].text_content().split())
        assert cell.startswith(unit or "Chưa giao đơn vị"), (ticket, cell)
        assert MODE[outcome] in cell, (ticket, cell)
        if level:
            assert f"{MODE[outcome]} – {LEVEL_ON_PAGE[level]}" in cell
        assert (f"Hạn: {_dmy(deadline)}" if deadline else "Chưa có thời hạn") in cell, (ticket, cell)
        # The status says the same as the mode (a written answer switched to a forwarding is "forwarded").
        badge = tr.xpath("./td[4]/span")[0].get("class").split()[-1]
        assert badge in ({"badge-answered"} | ({"badge-forwarded"} if outcome == "forwarded"
                                               else {"badge-written", "badge-deferred"})), (ticket, badge)

    r = meeting["admin"].get(live.url + "/admin/meetings/DEMO/followup.xlsx", timeout=10)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    headers = [c.value for c in ws[2]]
    col = {h: headers.index(h) for h in ("Số phiếu", "Đơn vị trả lời", "Hình thức", "Thời hạn")}
    sheet = {row[col["Số phiếu"]]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    assert set(sheet) == set(followed)
    for ticket, row in sheet.items():
        outcome, unit, deadline, level = followed[ticket]
        assert row[col["Hình thức"]] == MODE[outcome] + (f" ({LEVEL_IN_TEXT[level]})" if level else "")
        assert (row[col["Đơn vị trả lời"]] or "") == unit
        got = row[col["Thời hạn"]]
        assert (got.date() if got else None) == deadline

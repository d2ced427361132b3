"""Issue 16.1: no export can run a formula. Every spreadsheet the app writes (the secretary's summary table with
and without phone numbers, the follow-up tracker, the statistics CSV) is read back with formula payloads in every
text field people type; each payload comes back as text that Excel and LibreOffice do not evaluate, numbers stay
numbers, and the pages still show the text exactly as typed."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from moderator.documents.text import clean_text
from moderator.domain.cells import csv_cell, looks_like_formula
from moderator.domain.enums import AnswerMode, Role, Source, SubmitterKind
from moderator.services import meetings, organiser, requests as reqs
from moderator.services.requests import Answer, Decision, NewRequest
from moderator.services.uow import SYSTEM, Actor

from .helpers import login

CHAIR = Actor(Role.CHAIR, "chair-test")
# OWASP's CSV-injection examples, with a Vietnamese link text.
PAYLOADS = {
    "title": '=HYPERLINK("http://example.invalid/a","bấm vào đây")',
    "unit": "+cmd|' /C calc'!A0",
    "field": "-2+3+cmd|' /C calc'!A0",
    "full_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "locality": "=1+2",
    "organization": '=IMPORTXML("http://example.invalid/b","//a")',
    "content": '=HYPERLINK("http://example.invalid/c","Đường liên thôn hỏng")',
    "reason": "@A1",
    "answer": "+A1*2",
}


@pytest.fixture
def hostile(app, rt, client):
    m = meetings.create_meeting(rt, SYSTEM, meetings.MeetingSpec(title=PAYLOADS["title"], code="CSVX"))
    unit_id = organiser.add_unit(rt, SYSTEM, m.code, PAYLOADS["unit"])
    field_id = organiser.add_field(rt, SYSTEM, m.code, PAYLOADS["field"], unit_id)
    ids = []
    for kind, name in ((SubmitterKind.CITIZEN, PAYLOADS["full_name"]),
                       (SubmitterKind.ORGANIZATION, PAYLOADS["full_name"])):
        r, _ = reqs.submit(rt, m.code, CHAIR, NewRequest(
            kind=kind, full_name=name, content=PAYLOADS["content"], phone="0912345678",
            locality=PAYLOADS["locality"], organization=PAYLOADS["organization"], field_id=field_id,
            source=Source.PAPER))
        ids.append(r.id)
    reqs.decide(rt, m.code, CHAIR, ids[0], Decision("to_writing", reason=PAYLOADS["reason"],
                                                     deadline=date.today() + timedelta(days=10)))
    reqs.assign_answer(rt, m.code, CHAIR, [ids[1]], Answer(unit_id, mode=AnswerMode.WRITING,
                                                            deadline=date.today() - timedelta(days=1)))
    reqs.unit_answer(rt, m.code, SYSTEM, ids[1], PAYLOADS["answer"], AnswerMode.WRITING)
    secretary = meetings.create_role_key(rt, SYSTEM, m.code, Role.SECRETARY)
    csrf = login(client, rt)
    return {"code": m.code, "secretary": secretary, "csrf": csrf, "ids": ids}


def _formula_free(data: bytes) -> list[tuple[str, bool]]:
    """Every text cell of every sheet as (text, quote-prefixed); fails on any formula anywhere in the file."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >]", z.read(name)), f"a formula in {name}"
    wb = load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    out.append((cell.value, bool(cell.quotePrefix)))
    return out


def _expected(*keys: str) -> set[str]:
    return {clean_text(PAYLOADS[k], multiline=False) for k in keys}


def test_summary_xlsx_keeps_every_payload_as_plain_text(client, hostile):
    for query in ("", "?with_phone=1"):
        r = client.get(f"/api/v1/meetings/{hostile['code']}/summary.xlsx{query}",
                       headers={"X-Role-Key": hostile["secretary"]})
        assert r.status_code == 200, r.get_data(as_text=True)
        cells = _formula_free(r.data)
        texts = {t for t, _ in cells}
        for key in ("unit", "field", "locality", "organization", "content"):
            assert any(PAYLOADS[key] in t for t in texts), key
        # Each payload alone in a cell is stored exactly as typed, with Excel's quote prefix.
        for text, quoted in cells:
            assert quoted == looks_like_formula(text), text
        assert any(t.endswith(PAYLOADS["title"]) for t in texts)
        if query:
            # The phone number is a plain value, not defused: no apostrophe, no prefix, leading 0 kept.
            assert ("0912345678", False) in cells


def test_followup_xlsx_keeps_every_payload_as_plain_text(client, hostile):
    r = client.get(f"/admin/meetings/{hostile['code']}/followup.xlsx")
    assert r.status_code == 200
    cells = _formula_free(r.data)
    for text in _expected("full_name", "field", "content", "unit", "answer"):
        assert (text, True) in cells, text
    wb = load_workbook(io.BytesIO(r.data))
    tickets = [row[0] for row in wb.active.iter_rows(min_row=3, values_only=True)]
    assert tickets and all(isinstance(t, int) for t in tickets)        # numbers stay numbers


def test_statistics_csv_defuses_text_and_keeps_counts(client, hostile):
    r = client.get(f"/admin/meetings/{hostile['code']}/stats.csv")
    assert r.status_code == 200
    text = r.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Nhóm", "Giá trị", "Số lượng"]
    cells = [c for row in rows for c in row]
    for c in cells:
        assert not c or c[0] not in "=+-@\t\r" or csv_cell(c) == c, f"live formula in the CSV: {c!r}"
    assert "'" + PAYLOADS["unit"] in cells and "'" + PAYLOADS["field"] in cells
    counts = [row[2] for row in rows[1:]]
    assert counts and all(re.fullmatch(r"\d+", c) for c in counts)   # counts are bare numbers


def test_pages_still_show_the_text_exactly(client, hostile):
    code = hostile["code"]
    page = client.get(f"/admin/meetings/{code}/followup").get_data(as_text=True)
    for key in ("full_name", "unit", "field", "content", "answer"):
        assert str(escape(PAYLOADS[key])) in page, key
    assert str(escape("'" + PAYLOADS["unit"])) not in page
    stats = client.get(f"/admin/meetings/{code}/results").get_data(as_text=True)
    assert str(escape(PAYLOADS["unit"])) in stats and str(escape("'" + PAYLOADS["unit"])) not in stats
    # The stored text is untouched.
    staff = client.get(f"/api/v1/meetings/{code}/staff",
                       headers={"X-Role-Key": meetings.create_role_key(
                           client.application.extensions["moderator"], SYSTEM, code, Role.CHAIR)}).get_json()
    got = {r["id"]: r for r in staff["requests"]}[hostile["ids"][0]]
    assert got["content"] == PAYLOADS["content"] and got["full_name"] == PAYLOADS["full_name"]
    assert got["locality"] == PAYLOADS["locality"]

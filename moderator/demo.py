"""The demo meeting (join code DEMO): seed 004's commune programme, units, fields and the 24 requests of
demo/recommendations.csv, filed as pre-collected recommendations in the chair's inbox."""
from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from .db.models import Field, Meeting, Unit
from .domain.enums import Jurisdiction, Role, Source, SubmitterKind
from .services import meetings
from .services.requests import NewRequest, submit
from .services.uow import SYSTEM

DEMO_CODE = "DEMO"
CSV_PATH = Path(__file__).resolve().parent / "demo" / "recommendations.csv"
JURISDICTION = {"xã": Jurisdiction.COMMUNE, "tỉnh": Jurisdiction.PROVINCE, "trung ương": Jurisdiction.CENTRAL,
                "ngoài": Jurisdiction.OUTSIDE}
SCREENS = [("chair", Role.CHAIR, "/m/DEMO/chair"), ("chair2", Role.CHAIR, "/m/DEMO/chair"),
           ("secretary", Role.SECRETARY, "/m/DEMO/secretary"), ("projector", Role.PROJECTOR, "/m/DEMO/projector"),
           ("usher", Role.USHER, "/m/DEMO/usher")]


def ensure_demo(rt, instance_dir: str) -> dict[str, str]:
    """Create the demo once; return {label: key}. Keys are kept in instance/demo_keys.json (demo only)."""
    keys_file = Path(instance_dir) / "demo_keys.json"
    with rt.read() as s:
        exists = s.scalars(select(Meeting).where(Meeting.code == DEMO_CODE)).first() is not None
    if exists and keys_file.exists():
        return json.loads(keys_file.read_text())
    if not exists:
        meetings.create_meeting(rt, SYSTEM, meetings.MeetingSpec(
            title="Hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền với Nhân dân xã Giao Minh năm 2025",
            preset="commune", code=DEMO_CODE, organiser="ĐẢNG ỦY XÃ GIAO MINH", parent_body="ĐẢNG BỘ TỈNH NINH BÌNH",
            venue="Hội trường Trụ sở Đảng ủy xã Giao Minh", place_name="Giao Minh",
            date=date.today() + timedelta(days=1), planned_start="07:30", planned_end="11:30"))
        _configure(rt)
        _load_requests(rt)
    keys = {}
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == DEMO_CODE)).first()
        unit = s.scalars(select(Unit).where(Unit.meeting_id == m.id, Unit.name == "Phòng Kinh tế")).first()
    for label, role, _ in SCREENS:
        keys[label] = meetings.create_role_key(rt, SYSTEM, DEMO_CODE, role, label=label)
    keys["unit"] = meetings.create_role_key(rt, SYSTEM, DEMO_CODE, Role.UNIT, unit_id=unit.id, label=unit.name)
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    keys_file.write_text(json.dumps(keys))
    return keys


def _configure(rt) -> None:
    with rt.write_session() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == DEMO_CODE)).first()
        m.doc_number = "05-BB/ĐU"
        m.signatories = {"chairs": [{"name": "Vũ Xuân Thủy", "title": "Bí thư Đảng ủy, Chủ tịch HĐND xã"},
                                    {"name": "Trần Văn Bình", "title": "Phó Bí thư Đảng ủy, Chủ tịch UBND xã"}],
                         "secretary": {"name": "Nguyễn Thị Thu Trang", "title": "Chuyên viên Văn phòng Đảng ủy"}}
        m.attendance = {"leaders": m.signatories["chairs"],
                        "groups": [{"label": "Đại biểu Ban Chấp hành Đảng bộ xã", "count": 25},
                                   {"label": "Bí thư chi bộ, Trưởng thôn/xóm", "count": 40},
                                   {"label": "Đại diện Nhân dân các thôn, xóm", "count": 120},
                                   {"label": "Đại diện doanh nghiệp", "count": 10}]}
        s.commit()


def load_rows(path: Path = CSV_PATH) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _load_requests(rt) -> None:
    with rt.read() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == DEMO_CODE)).first()
        fields = {f.name: f.id for f in s.scalars(select(Field).where(Field.meeting_id == m.id))}
        units = {u.name: u.id for u in s.scalars(select(Unit).where(Unit.meeting_id == m.id))}
    for i, row in enumerate(load_rows()):
        kind = SubmitterKind(row["kind"])
        submit(rt, DEMO_CODE, SYSTEM, NewRequest(
            kind=kind, full_name=row["full_name"], content=row["content"], phone=row["phone"] or None,
            address=row["address"] or None, locality=row["address"] if kind == SubmitterKind.CITIZEN else "",
            organization=row["organization"], position=row["position"],
            field_id=fields.get(row["field"], fields.get("Khác")), wants_to_speak=row["wants_to_speak"] == "yes",
            jurisdiction=JURISDICTION.get(row["jurisdiction"].strip().lower()), source=Source.PRECOLLECTED,
            unit_id=units.get(row["suggested_unit"]), idempotency_key=f"demo-{i}"))


def screen_lines(base_url: str, keys: dict[str, str]) -> list[str]:
    lines = [f"{label}: {base_url}{path}?key={keys[label]}" for label, _, path in SCREENS if label in keys]
    if "unit" in keys:
        lines.append(f"unit: {base_url}/m/DEMO/unit?key={keys['unit']}")
    lines.append(f"delegate: {base_url}/j/DEMO")
    lines.append(f"organiser: {base_url}/admin")
    return lines

"""Many organisations on one server: communes and wards each with their organisers, who see only their meetings;
a province organiser sees all of the province's and gets an overview across meetings (services.organisations
.overview): recommendations by field, unit and level, overdue by unit, satisfaction, recurring subjects."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select

from ..db.models import Admin, AuditLog, Field, Meeting, Organisation, Request, Unit
from ..documents.text import redact_phones
from ..domain import scope
from ..domain.enums import Status
from ..domain.errors import DomainError, NotFound
from ..domain.labels import JURISDICTION_LABELS
from ..domain.recurring import Raised, recurring_subjects
from . import follow, followup, notify

LEVELS = ("commune", "ward", "province")


def parents(session) -> dict[int, int | None]:
    return dict(session.execute(select(Organisation.id, Organisation.parent_id)).all())


def create_organisation(rt, name: str, level: str, parent: str | None = None) -> Organisation:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise DomainError("organisation_name", "Vui lòng nhập tên đơn vị (tối đa 200 ký tự).", field="name")
    if level not in LEVELS:
        raise DomainError("organisation_level", "Cấp đơn vị phải là xã, phường hoặc tỉnh.", field="level")
    with rt.write_session() as s:
        if s.scalars(select(Organisation).where(Organisation.name == name)).first() is not None:
            raise DomainError("organisation_exists", "Đã có đơn vị tên %(name)s.", name=name)
        parent_id = None
        if parent:
            p = s.scalars(select(Organisation).where(Organisation.name == parent.strip())).first()
            if p is None:
                raise NotFound("organisation_unknown", "Không có đơn vị tên %(name)s.", name=parent)
            parent_id = p.id
        org = Organisation(name=name, level=level, parent_id=parent_id)
        s.add(org)
        s.flush()
        s.add(AuditLog(actor="cli", role="organiser", action="create_organisation", target=f"organisation:{org.id}",
                       after={"name": name, "level": level, "parent_id": parent_id}))
        s.commit()
        return org


def assign_admin(rt, username: str, organisation: str | None) -> None:
    with rt.write_session() as s:
        a = s.scalars(select(Admin).where(Admin.username == username)).first()
        if a is None:
            raise NotFound("admin_unknown", "Không có tài khoản %(name)s.", name=username)
        org_id = None
        if organisation:
            org = s.scalars(select(Organisation).where(Organisation.name == organisation.strip())).first()
            if org is None:
                raise NotFound("organisation_unknown", "Không có đơn vị tên %(name)s.", name=organisation)
            org_id = org.id
        a.organisation_id = org_id
        s.add(AuditLog(actor="cli", role="organiser", action="assign_admin", target=f"admin:{username}",
                       after={"organisation_id": org_id}))
        s.commit()


def may_see(session, admin: Admin, meeting: Meeting) -> bool:
    return scope.can_see(admin.organisation_id, meeting.organisation_id, parents(session))


def visible_meetings(session, admin: Admin) -> list[Meeting]:
    covered = scope.covered(admin.organisation_id, parents(session))
    stmt = select(Meeting).order_by(Meeting.created_at.desc())
    if covered is not None:
        stmt = stmt.where(Meeting.organisation_id.in_(covered))
    return list(session.scalars(stmt))


def set_meeting_organisation(rt, code: str, organisation_id: int | None) -> None:
    """A new meeting belongs to its creator's organisation."""
    with rt.write_session() as s:
        m = s.scalars(select(Meeting).where(Meeting.code == code)).first()
        if m is not None:
            m.organisation_id = organisation_id
            s.commit()


def organisation_names(session) -> dict[int, str]:
    return dict(session.execute(select(Organisation.id, Organisation.name)).all())


# -- the overview across meetings ------------------------------------------------------------------------------------
def overview(session, meetings: list[Meeting], today: date | None = None) -> dict:
    today = today or notify.local_today()
    ids = [m.id for m in meetings]
    if not ids:
        return {"meetings": [], "by_field": [], "by_unit": [], "by_level": [], "overdue_by_unit": [],
                "satisfaction": follow.satisfaction(session, []), "recurring": [], "total": 0}
    orgs = organisation_names(session)
    fields = dict(session.execute(select(Field.id, Field.name).where(Field.meeting_id.in_(ids))).all())
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.meeting_id.in_(ids))).all())
    reqs = [r for r in session.scalars(select(Request).where(Request.meeting_id.in_(ids)))
            if r.status != Status.WITHDRAWN.value]
    by_field, by_unit, by_level = Counter(), Counter(), Counter()
    overdue_by_unit: dict[str, int] = defaultdict(int)
    per_meeting: dict[int, Counter] = defaultdict(Counter)
    for r in reqs:
        by_field[fields.get(r.field_id) or "Khác"] += 1
        by_unit[units.get(r.unit_id) or "Chưa giao"] += 1
        level = r.answer_level if r.answer_mode == "forwarded" else r.jurisdiction
        by_level[JURISDICTION_LABELS.get(level or "", "Chưa xác định")] += 1
        c = per_meeting[r.meeting_id]
        c["total"] += 1
        if r.status == Status.ANSWERED.value:
            c["answered"] += 1
        awaiting = followup.is_followed(r) and r.status != Status.ANSWERED.value
        if awaiting:
            c["open"] += 1
            if r.answer_deadline is not None and r.answer_deadline < today:
                c["overdue"] += 1
                overdue_by_unit[units.get(r.unit_id) or "Chưa giao"] += 1
    titles = {m.id: m for m in meetings}
    raised = [Raised(r.id, r.meeting_id, fields.get(r.field_id) or "", r.content) for r in reqs
              if r.status not in (Status.MERGED.value, Status.DECLINED.value)]
    recurring = []
    for group in recurring_subjects(raised)[:30]:
        first = group[0]
        recurring.append({"field": first.field or "Khác", "content": redact_phones(first.content),
                          "requests": len(group),
                          "meetings": sorted({titles[i.meeting_id].title for i in group})})
    return {
        "total": len(reqs),
        "meetings": [{"code": m.code, "title": m.title, "date": m.date, "organisation": orgs.get(m.organisation_id, ""),
                      **{k: per_meeting[m.id][k] for k in ("total", "answered", "open", "overdue")}}
                     for m in meetings],
        "by_field": by_field.most_common(), "by_unit": by_unit.most_common(), "by_level": by_level.most_common(),
        "overdue_by_unit": sorted(overdue_by_unit.items(), key=lambda kv: (-kv[1], kv[0])),
        "satisfaction": follow.satisfaction(session, ids),
        "recurring": recurring,
    }

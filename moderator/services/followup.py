"""After the meeting: the follow-up tracker, the public results and the statistics (reads only; changes go
through services.requests.assign_answer / unit_answer, which audit them)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..db.models import Field, Meeting, Request, Unit
from ..domain.enums import Status
from ..domain.labels import JURISDICTION_LABELS, MODE_LABELS, SOURCE_LABELS, N_
from ..domain.outcomes import FOLLOWED_UP, Outcome, mode_label, outcome_of
from ..domain.spelling import comparison_key
from ..domain.states import STATUS_LABELS_VI
from ..documents.text import redact_phones

# The table forms of the labels (used by admin templates too).
LEVEL_LABELS = JURISDICTION_LABELS
# Not shown on the public results: withdrawn by the person, merged into another, or a formal complaint.
HIDDEN_PUBLIC = {Status.WITHDRAWN.value, Status.MERGED.value, Status.COMPLAINT.value}


def status_label(status: str) -> str:
    try:
        return STATUS_LABELS_VI[Status(status)]
    except ValueError:
        return status


@dataclass
class TrackerRow:
    id: int
    ticket: int
    name: str
    field: str
    content: str
    unit_id: int | None
    unit: str
    mode: str | None          # the outcome: "writing" or "forwarded" (moderator.domain.outcomes)
    level: str | None
    deadline: date | None
    status: str
    answered_at: object
    summary: str
    overdue: bool
    open: bool


def _names(session, mid: int):
    fields = dict(session.execute(select(Field.id, Field.name).where(Field.meeting_id == mid)).all())
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.meeting_id == mid)).all())
    return fields, units


def outcome(r: Request) -> Outcome | None:
    """Where the request ended up (moderator.domain.outcomes): the one rule the conclusion notice, the summary
    table and this tracker share."""
    return outcome_of(r.status, r.answer_mode, heard=r.called_at is not None)


def is_followed(r: Request) -> bool:
    """To answer in writing or forwarded (still open, or answered since): the tasks of the conclusion notice,
    less the complaints, which follow the formal process."""
    return outcome(r) in FOLLOWED_UP


def tracker(session, m: Meeting, today: date | None = None, only_open: bool = False,
            unit_id: int | None = None) -> list[TrackerRow]:
    today = today or date.today()
    fields, units = _names(session, m.id)
    rows = []
    for r in session.scalars(select(Request).where(Request.meeting_id == m.id).order_by(Request.ticket)):
        if not is_followed(r) or (unit_id and r.unit_id != unit_id):
            continue
        still_open = r.status != Status.ANSWERED.value
        if only_open and not still_open:
            continue
        rows.append(TrackerRow(
            id=r.id, ticket=r.ticket, name=r.full_name or r.organization, field=fields.get(r.field_id, ""),
            content=r.content, unit_id=r.unit_id, unit=units.get(r.unit_id, ""), mode=outcome(r).value,
            level=r.answer_level, deadline=r.answer_deadline, status=r.status, answered_at=r.answered_at,
            summary=r.answer_summary,
            overdue=still_open and r.answer_deadline is not None and r.answer_deadline < today,
            open=still_open))
    # Overdue first, then by deadline (none last), then ticket.
    rows.sort(key=lambda t: (not t.overdue, not t.open, t.deadline or date.max, t.ticket))
    return rows


def tracker_table(rows: list[TrackerRow]) -> tuple[list[str], list[list]]:
    headers = ["Số phiếu", "Người kiến nghị", "Lĩnh vực", "Nội dung", "Đơn vị trả lời", "Hình thức", "Thời hạn",
               "Trạng thái", "Quá hạn", "Kết quả trả lời"]
    data = [[t.ticket, t.name, t.field, redact_phones(t.content), t.unit, mode_label(t.mode, t.level),
             t.deadline, status_label(t.status), "Quá hạn" if t.overdue else "", redact_phones(t.summary)]
            for t in rows]
    return headers, data


# -- public results -------------------------------------------------------------------------------------------------
def public_results(session, m: Meeting) -> dict:
    """What the public results page shows: no phone, no address, no contact; names only if allowed."""
    fields, units = _names(session, m.id)
    order = {f.id: f.position for f in session.scalars(select(Field).where(Field.meeting_id == m.id))}
    groups: dict[str, list] = defaultdict(list)
    field_order: dict[str, int] = {}
    counts = Counter()
    for r in session.scalars(select(Request).where(Request.meeting_id == m.id).order_by(Request.ticket)):
        if r.status in HIDDEN_PUBLIC:
            continue
        fname = fields.get(r.field_id, "") or "Khác"
        field_order.setdefault(fname, order.get(r.field_id, 10_000))
        item = {"ticket": r.ticket, "field": fname, "content": redact_phones(r.content),
                "unit": units.get(r.unit_id, ""), "mode": r.answer_mode,
                "mode_label": MODE_LABELS.get(r.answer_mode or "", ""),
                "level_label": LEVEL_LABELS.get(r.answer_level or "", "") if r.answer_mode == "forwarded" else "",
                "deadline": r.answer_deadline.isoformat() if r.answer_deadline else None,
                "answer": redact_phones(r.answer_summary), "status": r.status, "status_label": status_label(r.status),
                "reason": redact_phones(r.status_reason) if r.status == Status.DECLINED.value else ""}
        if not m.results_hide_names:
            item["name"] = r.full_name if r.kind != "organization" else (r.organization or r.full_name)
            item["from"] = r.locality if r.kind != "organization" else r.organization
        groups[fname].append(item)
        counts["total"] += 1
        counts[r.status] += 1
    return {
        "meeting": {"code": m.code, "title": m.title, "organiser": m.organiser, "venue": m.venue,
                    "date": m.date.isoformat() if m.date else None, "status": m.status},
        "hide_names": bool(m.results_hide_names),
        "counts": {"total": counts["total"], "answered": counts[Status.ANSWERED.value],
                   "in_writing": counts[Status.WRITTEN.value] + counts[Status.DEFERRED.value],
                   "forwarded": counts[Status.FORWARDED.value], "declined": counts[Status.DECLINED.value]},
        "fields": [{"name": name, "items": groups[name]} for name in sorted(groups, key=lambda n: field_order[n])],
    }


# -- statistics -------------------------------------------------------------------------------------------------------
def count_by_spelling(labels) -> Counter:
    """Count labels as one when they differ only in how they were typed ("Thôn Hoà Bình", "thôn Hòa  Bình"):
    each group is shown under the spelling most people used (the first seen on a tie)."""
    counts: Counter = Counter()
    spellings: dict[str, Counter] = {}
    for label in labels:
        key = comparison_key(label)
        counts[key] += 1
        spellings.setdefault(key, Counter())[" ".join(label.split())] += 1
    return Counter({spellings[key].most_common(1)[0][0]: n for key, n in counts.items()})


def statistics(session, m: Meeting) -> dict:
    fields, units = _names(session, m.id)
    reqs = [r for r in session.scalars(select(Request).where(Request.meeting_id == m.id))
            if r.status not in (Status.WITHDRAWN.value,)]
    by = lambda key: count_by_spelling(key(r) for r in reqs)  # noqa: E731
    # Where people are from: the hamlet a citizen gave (public on the projector too), never the contact address.
    by_place = count_by_spelling(r.locality for r in reqs if r.kind != "organization" and (r.locality or "").strip())
    speaking = [r.speaking_seconds for r in reqs if r.speaking_seconds]
    per_field_time: dict[str, list[int]] = defaultdict(list)
    field_label = {comparison_key(label): label for label in count_by_spelling(
        fields.get(r.field_id, "") or "Khác" for r in reqs)}
    for r in reqs:
        if r.speaking_seconds:
            label = field_label[comparison_key(fields.get(r.field_id, "") or "Khác")]
            per_field_time[label].append(r.speaking_seconds)
    sections = [
        ("field", N_("Theo lĩnh vực"), by(lambda r: fields.get(r.field_id, "") or "Khác")),
        ("unit", N_("Theo đơn vị trả lời"), by(lambda r: units.get(r.unit_id, "") or "Chưa giao")),
        ("jurisdiction", N_("Theo thẩm quyền"), by(lambda r: LEVEL_LABELS.get(r.jurisdiction or "", "Chưa xác định"))),
        ("outcome", N_("Theo kết quả"), by(lambda r: status_label(r.status))),
        ("mode", N_("Theo hình thức trả lời"), by(lambda r: MODE_LABELS.get(r.answer_mode or "", "Chưa xác định"))),
        ("source", N_("Theo nguồn tiếp nhận"), by(lambda r: SOURCE_LABELS.get(r.source, r.source))),
        ("place", N_("Theo thôn, xóm"), by_place),
    ]
    out = [{"key": k, "title": t, "unit": "ý kiến", "rows": c.most_common()} for k, t, c in sections]
    out.append({"key": "speaking", "title": N_("Thời gian phát biểu trung bình theo lĩnh vực (giây)"), "unit": "giây",
                "rows": sorted(((f, round(sum(v) / len(v))) for f, v in per_field_time.items()),
                               key=lambda p: -p[1])})
    return {"total": len(reqs), "spoke": len(speaking), "speaking_total": sum(speaking),
            "speaking_avg": round(sum(speaking) / len(speaking)) if speaking else 0, "sections": out}


def bar_chart_svg(rows: list[tuple[str, int]], width: int = 640, bar: int = 22, gap: int = 8,
                  label_width: int = 250) -> str:
    """A horizontal bar chart as an SVG string (no script, no style attribute: CSP-safe, printable)."""
    from markupsafe import escape
    if not rows:
        return ""
    top = max(v for _, v in rows) or 1
    height = len(rows) * (bar + gap) + gap
    room = width - label_width - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" preserveAspectRatio="xMinYMin meet">']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max(1, round(room * value / top)) if value else 0
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<g><title>{escape(label)}: {value}</title>'
                     f'<text class="chart-label" x="{label_width - 8}" y="{y + bar * 0.72:.1f}" '
                     f'text-anchor="end">{escape(short)}</text>'
                     f'<rect class="chart-bar chart-bar-{i % 6}" x="{label_width}" y="{y}" width="{w}" '
                     f'height="{bar}" rx="3"></rect>'
                     f'<text class="chart-value" x="{label_width + w + 6}" y="{y + bar * 0.72:.1f}">{value}</text></g>')
    parts.append("</svg>")
    return "".join(parts)

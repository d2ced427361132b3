"""Personal data: purge on schedule, export or erase one person's data on request. Every action is audited."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..db.models import AuditLog, Meeting, Request, utcnow
from ..domain.enums import Status

# Requests whose follow-up is over: their contact data may go once the retention period has passed.
CLOSED = (Status.ANSWERED.value, Status.DECLINED.value, Status.WITHDRAWN.value, Status.MERGED.value)


def purge_expired(rt, dry_run: bool = False, actor_label: str = "system") -> int:
    now = utcnow()
    with rt.write_session() as s:
        rows = s.execute(select(Request, Meeting.retention_days).join(Meeting, Meeting.id == Request.meeting_id)
                         .where(Request.status.in_(CLOSED), Request.contact_purged_at.is_(None))).all()
        due = [r for r, days in rows
               if (r.closed_at or r.answered_at or r.updated_at) <= now - timedelta(days=days)
               and (r.phone or r.address or r.email or r.source_hash)]
        if dry_run:
            return len(due)
        for r in due:
            # The keyed hash of the phone's network address goes with the contact data.
            r.phone, r.address, r.email, r.source_hash, r.contact_purged_at = None, None, None, None, now
        if due:
            s.add(AuditLog(actor=actor_label, role="organiser", action="purge_contact",
                           target=f"{len(due)} requests", after={"request_ids": [r.id for r in due]}))
        s.commit()
        return len(due)

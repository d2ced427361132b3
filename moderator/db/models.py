"""SQLAlchemy 2 typed models. Rules live in moderator.domain; these only store."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timezone
from itertools import chain

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint,
                        Index, event, inspect)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from ..domain.followcode import new_follow_code


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_setup_stamp() -> str:
    return secrets.token_hex(16)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    """A commune, ward or province whose organisers hold meetings; a province is the parent of its communes."""
    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    level: Mapped[str] = mapped_column(String(20), default="commune")     # commune | ward | province
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Admin(Base):
    __tablename__ = "admin"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # None: the whole installation (as before organisations existed); else this organisation and those under it.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Meeting(Base):
    __tablename__ = "meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20), default="commune")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    parent_body: Mapped[str] = mapped_column(String(200), default="")
    venue: Mapped[str] = mapped_column(String(300), default="")
    place_name: Mapped[str] = mapped_column(String(120), default="")
    date: Mapped[date | None] = mapped_column(Date, nullable=True)
    planned_start: Mapped[str] = mapped_column(String(5), default="07:30")   # HH:MM local time
    planned_end: Mapped[str] = mapped_column(String(5), default="11:30")
    status: Mapped[str] = mapped_column(String(10), default="open")
    registration_open: Mapped[bool] = mapped_column(Boolean, default=True)
    registration_note: Mapped[str] = mapped_column(String(300), default="")
    speaking_seconds: Mapped[int] = mapped_column(Integer, default=180)
    max_open_per_device: Mapped[int] = mapped_column(Integer, default=3)
    # Per-address limits for this meeting; None = the installation's (MODERATOR_DEVICES_/OPEN_PER_ADDRESS).
    max_devices_per_address: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_open_per_address: Mapped[int | None] = mapped_column(Integer, nullable=True)
    jurisdiction_note: Mapped[str] = mapped_column(Text, default="")
    doc_format: Mapped[str] = mapped_column(String(10), default="party")
    doc_number: Mapped[str] = mapped_column(String(40), default="")
    signatories: Mapped[dict] = mapped_column(JSON, default=dict)       # {"chairs": [{name,title}], "secretary": {...}}
    attendance: Mapped[dict] = mapped_column(JSON, default=dict)        # {"leaders": [...], "groups": [{label,count}]}
    decline_reasons: Mapped[list] = mapped_column(JSON, default=list)
    retention_days: Mapped[int] = mapped_column(Integer, default=90)
    results_published: Mapped[bool] = mapped_column(Boolean, default=False)
    results_hide_names: Mapped[bool] = mapped_column(Boolean, default=True)
    message: Mapped[str] = mapped_column(String(300), default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    current_step: Mapped[int] = mapped_column(Integer, default=0)       # 0 = not started; 1..n
    opened_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    next_ticket: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The floor: who speaks, and the timer as absolute times (epoch ms) so every screen agrees.
    floor_request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    floor_state: Mapped[str] = mapped_column(String(10), default="idle")
    floor_started_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    floor_ends_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    floor_remaining_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # A meeting imported from another deployment's archive (services/archive.py): where it came from, and the
    # version of the meeting that archive held (a later archive of the same meeting replaces it, the same one
    # changes nothing).
    archive_origin: Mapped[str | None] = mapped_column(String(80), nullable=True)
    archive_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        nullable=True, index=True)
    # Random, renewed whenever one of its fields, units or programme steps changes (_renew_setup_stamps below):
    # every worker may keep their names in memory for as long as the stamp it reads with the meeting is the same.
    setup_stamp: Mapped[str] = mapped_column(String(32), default=new_setup_stamp, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    steps: Mapped[list[ProgrammeStep]] = relationship(back_populates="meeting", order_by="ProgrammeStep.position",
                                                      cascade="all, delete-orphan")
    units: Mapped[list[Unit]] = relationship(back_populates="meeting", order_by="Unit.position",
                                             cascade="all, delete-orphan")
    fields: Mapped[list[Field]] = relationship(back_populates="meeting", order_by="Field.position",
                                               cascade="all, delete-orphan")


class ProgrammeStep(Base):
    __tablename__ = "programme_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    meeting: Mapped[Meeting] = relationship(back_populates="steps")


class Unit(Base):
    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    meeting: Mapped[Meeting] = relationship(back_populates="units")


class Field(Base):
    __tablename__ = "field"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), nullable=True)
    meeting: Mapped[Meeting] = relationship(back_populates="fields")


class RoleKey(Base):
    __tablename__ = "role_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), nullable=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Request(Base):
    __tablename__ = "request"
    __table_args__ = (
        UniqueConstraint("meeting_id", "ticket", name="uq_request_ticket"),
        UniqueConstraint("meeting_id", "idempotency_key", name="uq_request_idempotency"),
        Index("ix_request_meeting_status", "meeting_id", "status"),
        Index("ix_request_meeting_source", "meeting_id", "source_hash"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    ticket: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="citizen")
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    locality: Mapped[str] = mapped_column(String(120), default="")        # public: thôn/xóm or empty
    organization: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    seat: Mapped[str] = mapped_column(String(40), default="")
    field_id: Mapped[int | None] = mapped_column(ForeignKey("field.id", ondelete="SET NULL"), nullable=True)
    content: Mapped[str] = mapped_column(Text)
    wants_to_speak: Mapped[bool] = mapped_column(Boolean, default=True)
    jurisdiction: Mapped[str | None] = mapped_column(String(20), nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="phone")
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    queue_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("request.id", ondelete="SET NULL"), nullable=True)
    device_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The network address it came from, as a keyed hash (never the address: personal data), for the per-address
    # limits and the chair's quarantine of a burst from one source (domain/floods.py).
    source_hash: Mapped[str | None] = mapped_column(String(32), nullable=True)
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    speaking_started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    speaking_ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    speaking_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)   # actual time on the floor
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # The answer.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), nullable=True)
    answerer: Mapped[str] = mapped_column(String(200), default="")
    answer_mode: Mapped[str | None] = mapped_column(String(20), nullable=True)
    answer_level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    answer_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    answer_summary: Mapped[str] = mapped_column(Text, default="")
    prepared_answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    contact_purged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # After the meeting (services/notify.py, web/follow.py): the code the citizen follows the request with,
    # an e-mail address the citizen may add for notifications (personal data, purged with the phone), opt-out.
    follow_code: Mapped[str | None] = mapped_column(String(12), unique=True, nullable=True, default=new_follow_code)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notify_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True,
                                                   nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120), default="")
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MinutesEntry(Base):
    """The secretary's text for one intervention (or a free note), with optimistic revisions."""
    __tablename__ = "minutes_entry"
    __table_args__ = (UniqueConstraint("meeting_id", "request_id", name="uq_minutes_request"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    answer_summary: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MinutesRevision(Base):
    __tablename__ = "minutes_revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("minutes_entry.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    answer_summary: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginAttempt(Base):
    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)   # username or ip
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class WebSession(Base):
    """A staff browser session (organiser login or opened role link), kept server-side so that logout, the
    organiser and key revocation can end it: the signed cookie only carries a random token whose hash is here."""
    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin.id", ondelete="CASCADE"), nullable=True)
    key_ids: Mapped[list] = mapped_column(JSON, default=list)            # role keys opened in this session
    address: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(200), default="")          # browser, so the organiser recognises it
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str] = mapped_column(String(20), default="")


class Notification(Base):
    """One message to a citizen about one request on one channel. The recipient is read from the request when
    sending (so purging the contact data cancels what is still queued); only a masked form is kept here."""
    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("request_id", "event", "channel", name="uq_notification_event"),
                      Index("ix_notification_due", "status", "next_attempt_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))          # answered | overdue
    channel: Mapped[str] = mapped_column(String(10))        # email | sms
    recipient_masked: Mapped[str] = mapped_column(String(60), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="queued")   # queued | sent | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Rating(Base):
    """The owner's satisfaction with the answer to a request: one per request."""
    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("request_id", name="uq_rating_request"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id", ondelete="CASCADE"))
    satisfied: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


_SETUP = (Field, Unit, ProgrammeStep)


@event.listens_for(Session, "before_flush")
def _renew_setup_stamps(session, _flush_context, _instances) -> None:
    """A meeting whose fields, units or programme change gets a new setup_stamp in the same flush, whatever code
    path changed them (services, importer, archive, CLI): the caches keyed by it (services/views.py SetupCache)
    can never serve names older than the stamp they were read with."""
    meetings = []
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            if isinstance(obj, _SETUP):
                m = obj.__dict__.get("meeting")
                if m is None and obj.meeting_id is not None:
                    m = session.get(Meeting, obj.meeting_id)
                if m is not None and m not in meetings:
                    meetings.append(m)
    for m in meetings:
        if m not in session.deleted:
            m.setup_stamp = new_setup_stamp()


# A request change that moves only its place in the queue (services/requests.py _renumber); `updated_at` follows.
_RANK_ONLY = frozenset({"queue_rank", "updated_at"})


@event.listens_for(Session, "before_flush")
def _record_request_changes(session, _flush_context, _instances) -> None:
    """What this session's transaction did to requests, for the public state built before its commit
    (services/views.py public_inputs): the requests whose queue rank alone moved, and whether any other request
    column, or the set of requests, changed. Recorded at every flush, whatever code path made the change."""
    info = session.info
    if any(isinstance(obj, Request) for obj in chain(session.new, session.deleted)):
        info["requests_changed"] = True
    for obj in session.dirty:
        if isinstance(obj, Request):
            modified = inspect(obj).committed_state.keys()
            if modified and modified <= _RANK_ONLY:
                info.setdefault("ranked", {})[obj.id] = obj
            elif modified:
                info["requests_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _record_bulk_writes(orm_execute_state) -> None:
    """An UPDATE or DELETE statement run through the session bypasses the flush: count it as a change of requests."""
    if orm_execute_state.is_update or orm_execute_state.is_delete:
        orm_execute_state.session.info["requests_changed"] = True

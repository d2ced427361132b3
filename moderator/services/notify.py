"""Telling the citizen after the meeting: e-mail over SMTP and SMS through an HTTP gateway (a webhook).

* Queued in the database, in the same transaction as the change that causes them (a written answer posted),
  or by the overdue scan; so a notice exists if and only if its cause was committed.
* Sent by a background task (`start_worker`, one per server process) that never runs inside a request: under
  eventlet smtplib and urllib use the patched, cooperative sockets, so a slow SMTP server blocks nobody.
* Claimed with a conditional UPDATE (several processes may run a worker), retried with a growing delay up to
  `MAX_ATTEMPTS`, then marked failed; every attempt's outcome is recorded for the organiser's page.
* Consent covers it (the form's consent names answering the request); nothing is queued for a request without
  consent, opted out, or whose contact data was purged; the recipient is read from the request when sending,
  so purging or opting out cancels what is still waiting.
"""
from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select, update

from ..db.models import Meeting, Notification, Request, Unit, utcnow
from ..domain import notices
from ..domain.enums import Status
from ..domain.followcode import display_follow_code
from ..localtime import OFFSET

log = logging.getLogger(__name__)

# Waiting for an answer in writing or from a higher level: the deadline can pass.
AWAITING = (Status.WRITTEN.value, Status.FORWARDED.value, Status.DEFERRED.value)


class SendError(Exception):
    """A channel refused or could not take the message (the text is recorded, without the recipient)."""


# -- settings ------------------------------------------------------------------------------------------------------
def _setting(cfg, name: str, default=None):
    return getattr(cfg, name, None) or default


def channels(cfg) -> list[str]:
    out = []
    if _setting(cfg, "SMTP_HOST"):
        out.append("email")
    if _setting(cfg, "SMS_WEBHOOK_URL"):
        out.append("sms")
    return out


def available_channels(cfg, req: Request) -> list[str]:
    """The channels this request's owner would be told on (configured, and a recipient known)."""
    targets = {"email": req.email, "sms": req.phone}
    return [c for c in channels(cfg) if targets[c]]


def follow_link(cfg, code: str | None) -> str:
    base = (_setting(cfg, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    return f"{base}/k/{code}" if base and code else ""


# -- queueing ------------------------------------------------------------------------------------------------------
def reachable(req: Request) -> bool:
    return bool(req.consent_at) and not req.notify_opt_out and req.contact_purged_at is None


def enqueue(session, cfg, meeting: Meeting, req: Request, event: str) -> list[Notification]:
    """Queue the notice for `event` on every configured channel the citizen can be reached on (at most once)."""
    if not reachable(req):
        return []
    targets = {"email": req.email, "sms": req.phone}
    unit = session.get(Unit, req.unit_id) if req.unit_id else None
    notice = notices.compose(event, meeting=meeting.title, ticket=req.ticket, unit=unit.name if unit else "",
                             answer=req.answer_summary, deadline=req.answer_deadline,
                             code=display_follow_code(req.follow_code), link=follow_link(cfg, req.follow_code))
    existing = set(session.scalars(select(Notification.channel).where(
        Notification.request_id == req.id, Notification.event == event)))
    out = []
    for channel in channels(cfg):
        if not targets[channel] or channel in existing:
            continue
        masked = notices.mask_email(req.email) if channel == "email" else notices.mask_phone(req.phone)
        n = Notification(meeting_id=meeting.id, request_id=req.id, event=event, channel=channel,
                         recipient_masked=masked, subject=notice.subject,
                         body=notice.body if channel == "email" else notice.sms, status="queued", attempts=0,
                         next_attempt_at=utcnow(), last_error="")
        session.add(n)
        out.append(n)
    return out


def on_answer_posted(uow, req: Request) -> None:
    """Called inside the unit of work that records a written answer: the notice commits with it."""
    enqueue(uow.session, uow.rt.config, uow.meeting, req, notices.ANSWERED)


def cancel_waiting(session, request_id: int, reason: str) -> int:
    return session.execute(update(Notification).where(
        Notification.request_id == request_id, Notification.status == "queued").values(
        status="cancelled", last_error=reason[:300])).rowcount


def local_today() -> date:
    return (utcnow() + OFFSET).date()


def scan_overdue(rt, today: date | None = None) -> int:
    """Queue an 'overdue' notice for each request still awaiting its answer after its deadline (once)."""
    today = today or local_today()
    cfg = rt.config
    if not channels(cfg):
        return 0
    queued = 0
    with rt.write_session() as s:
        notified = select(Notification.request_id).where(Notification.event == notices.OVERDUE)
        rows = s.execute(select(Request, Meeting).join(Meeting, Meeting.id == Request.meeting_id).where(
            Request.status.in_(AWAITING), Request.answer_deadline < today, Request.consent_at.is_not(None),
            Request.notify_opt_out.is_(False), Request.id.not_in(notified))).all()
        for req, meeting in rows:
            queued += len(enqueue(s, cfg, meeting, req, notices.OVERDUE))
        s.commit()
    return queued


# -- sending -------------------------------------------------------------------------------------------------------
def send_email(cfg, to: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    sender = _setting(cfg, "SMTP_FROM", "moderator@localhost")
    msg["From"] = formataddr((_setting(cfg, "SMTP_FROM_NAME", "Ban tổ chức hội nghị"), sender))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.split("@")[-1] or "localhost")
    msg.set_content(body)
    timeout = float(_setting(cfg, "NOTIFY_TIMEOUT", 10))
    try:
        with smtplib.SMTP(cfg.SMTP_HOST, int(_setting(cfg, "SMTP_PORT", 25)), timeout=timeout) as smtp:
            if _setting(cfg, "SMTP_STARTTLS"):
                smtp.starttls()
            if _setting(cfg, "SMTP_USER"):
                smtp.login(cfg.SMTP_USER, _setting(cfg, "SMTP_PASSWORD", ""))
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as e:
        raise SendError(f"SMTP: {type(e).__name__}: {e}") from e


def send_sms(cfg, to: str, text: str, reference: str) -> None:
    """POST {"to", "text", "reference"} as JSON to the gateway; any 2xx is accepted."""
    data = json.dumps({"to": to, "text": text, "reference": reference}, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if _setting(cfg, "SMS_WEBHOOK_TOKEN"):
        headers["Authorization"] = f"Bearer {cfg.SMS_WEBHOOK_TOKEN}"
    req = urllib.request.Request(cfg.SMS_WEBHOOK_URL, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=float(_setting(cfg, "NOTIFY_TIMEOUT", 10))) as resp:
            resp.read(1024)
    except urllib.error.HTTPError as e:
        raise SendError(f"SMS gateway: HTTP {e.code}") from e
    except (urllib.error.URLError, OSError) as e:
        raise SendError(f"SMS gateway: {type(e).__name__}: {e}") from e


def _lease(cfg) -> timedelta:
    # Longer than a send can take: a worker that dies mid-send leaves the notice to be tried again after it.
    return timedelta(seconds=float(_setting(cfg, "NOTIFY_TIMEOUT", 10)) * 3 + 5)


def _claim(rt, n: Notification, now: datetime) -> bool:
    with rt.write_session() as s:
        claimed = s.execute(update(Notification).where(
            Notification.id == n.id, Notification.status == "queued", Notification.attempts == n.attempts).values(
            attempts=n.attempts + 1, next_attempt_at=now + _lease(rt.config))).rowcount == 1
        s.commit()
    return claimed


def _record(rt, n: Notification, status: str, error: str = "", retry_at: datetime | None = None) -> None:
    with rt.write_session() as s:
        values = {"status": status, "last_error": error[:300]}
        if status == "sent":
            values["sent_at"] = utcnow()
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        s.execute(update(Notification).where(Notification.id == n.id).values(**values))
        s.commit()


def send_one(rt, n: Notification) -> str:
    """Send a claimed notice; returns its new status."""
    cfg = rt.config
    with rt.read() as s:
        req = s.get(Request, n.request_id)
    if req is None or not reachable(req):
        _record(rt, n, "cancelled", "Người nhận đã từ chối nhận thông báo hoặc thông tin liên hệ đã được xóa.")
        return "cancelled"
    to = req.email if n.channel == "email" else req.phone
    if not to or n.channel not in channels(cfg):
        _record(rt, n, "cancelled", "Không có địa chỉ nhận hoặc kênh gửi chưa được cấu hình.")
        return "cancelled"
    try:
        if n.channel == "email":
            send_email(cfg, to, n.subject, n.body)
        else:
            send_sms(cfg, to, n.body, reference=f"n{n.id}")
    except SendError as e:
        attempts = n.attempts + 1
        max_attempts = int(_setting(cfg, "NOTIFY_MAX_ATTEMPTS", notices.MAX_ATTEMPTS))
        if attempts >= max_attempts:
            _record(rt, n, "failed", str(e))
            return "failed"
        delay = notices.retry_delay(attempts, float(_setting(cfg, "NOTIFY_RETRY_SECONDS", 30)))
        _record(rt, n, "queued", str(e), retry_at=utcnow() + delay)
        return "queued"
    _record(rt, n, "sent")
    return "sent"


def process_due(rt, limit: int = 20) -> dict[str, int]:
    now = utcnow()
    with rt.read() as s:
        due = list(s.scalars(select(Notification).where(
            Notification.status == "queued", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id).limit(limit)))
    outcome: dict[str, int] = {}
    for n in due:
        if not _claim(rt, n, now):
            continue   # another worker took it
        status = send_one(rt, n)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def retry(rt, meeting_id: int, notification_id: int) -> bool:
    """The organiser sends a failed notice again (from the first attempt)."""
    with rt.write_session() as s:
        done = s.execute(update(Notification).where(
            Notification.id == notification_id, Notification.meeting_id == meeting_id,
            Notification.status == "failed").values(status="queued", attempts=0, next_attempt_at=utcnow(),
                                                     last_error="")).rowcount == 1
        s.commit()
    return done


def listing(session, meeting_id: int) -> list[dict]:
    tickets = dict(session.execute(select(Request.id, Request.ticket).where(Request.meeting_id == meeting_id)).all())
    rows = session.scalars(select(Notification).where(Notification.meeting_id == meeting_id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return [{"id": n.id, "ticket": tickets.get(n.request_id), "event": n.event, "channel": n.channel,
             "recipient": n.recipient_masked, "subject": n.subject, "status": n.status, "attempts": n.attempts,
             "last_error": n.last_error, "created_at": n.created_at, "sent_at": n.sent_at,
             "next_attempt_at": n.next_attempt_at} for n in rows]


def counts(session, meeting_id: int) -> dict[str, int]:
    out = {"queued": 0, "sent": 0, "failed": 0, "cancelled": 0}
    for status in session.scalars(select(Notification.status).where(Notification.meeting_id == meeting_id)):
        out[status] = out.get(status, 0) + 1
    return out


# -- the background task -------------------------------------------------------------------------------------------
def start_worker(rt, socketio) -> None:
    """One loop per server process: scan for passed deadlines now and then, send what is due."""
    if not channels(rt.config):
        return
    interval = float(_setting(rt.config, "NOTIFY_INTERVAL", 5))
    scan_every = float(_setting(rt.config, "NOTIFY_SCAN_SECONDS", 600))

    def loop():
        last_scan = None
        while True:
            try:
                now = utcnow()
                if last_scan is None or (now - last_scan).total_seconds() >= scan_every:
                    scan_overdue(rt)
                    last_scan = now
                process_due(rt)
            except Exception:  # noqa: BLE001 - the loop must outlive a database hiccup; it is logged
                log.exception("notification worker")
            socketio.sleep(interval)

    socketio.start_background_task(loop)

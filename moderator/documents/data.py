"""Plain data the service layer fills to build the signed documents.

Nothing here knows about Flask or the database. None of these classes carries a
phone number or an address, except :class:`SummaryRow.phone`, which the summary
table shows only when asked to (``include_phone=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime

# Values of the enumerated fields.
LEVELS = ("commune", "city", "province")
DOC_FORMATS = ("party", "state")
ANSWER_MODES = ("hall", "writing", "forwarded")
# Where a request ended up, as the conclusion notice groups them (moderator.domain.outcomes).
OUTCOMES = ("hall", "writing", "forwarded", "complaint")


@dataclass
class Person:
    """A named participant: ``Person("Vũ Xuân Thủy", "Bí thư Đảng ủy xã")``."""

    name: str
    title: str = ""


@dataclass
class AttendanceLine:
    """One group of attendees.

    Leaders are listed by name (``names``); the rest are counted (``count``).
    A line may have both: "Thường trực Đảng ủy (3 người): …".
    """

    label: str
    count: int | None = None
    names: list[Person] = _field(default_factory=list)


@dataclass
class StepLine:
    """One step of the programme (chương trình hội nghị) and when it started."""

    title: str
    started_at: datetime | None = None


@dataclass
class DocMeeting:
    """The meeting as the minutes and the conclusion notice describe it.

    ``organiser`` is the issuing body in capitals ("ĐẢNG ỦY XÃ GIAO MINH" or
    "ỦY BAN NHÂN DÂN XÃ GIAO MINH"); ``parent_body`` the body directly above it
    ("ĐẢNG BỘ TỈNH NINH BÌNH"), printed above it when given. ``number`` is the
    minutes' number and symbol: "05-BB/ĐU" (party) or "05/BB-UBND" (state).
    ``date`` may be None for a draft: the date line is then left with dots.

    ``notice_number`` and ``notice_signer`` only concern the conclusion notice:
    its own number (default: blank number with the same issuer symbol as the
    minutes, e.g. "      -TB/ĐU"), and the signature caption above the chair's
    name, one line per ``\\n`` (default "CHỦ TRÌ HỘI NGHỊ").
    """

    title: str
    level: str = "commune"
    organiser: str = ""
    parent_body: str | None = None
    venue: str = ""
    place_name: str = ""
    date: date | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    doc_format: str = "party"
    number: str = ""
    chairs: list[Person] = _field(default_factory=list)
    secretary: Person | None = None
    attendance: list[AttendanceLine] = _field(default_factory=list)
    steps: list[StepLine] = _field(default_factory=list)
    conclusion: str = ""
    recipients: list[str] = _field(default_factory=list)
    notice_number: str | None = None
    notice_signer: str | None = None

    @property
    def meeting_date(self) -> date | None:
        if self.date is not None:
            return self.date
        if self.opened_at is not None:
            return self.opened_at.date()
        return None


@dataclass
class DocIntervention:
    """One opinion (ý kiến) in the order it was taken up, with its answer.

    ``locality`` is the place (xóm, thôn) or, for an agency or business, the
    organisation. ``answer_mode`` is "hall" (answered in the hall), "writing"
    (answered in writing by ``answer_deadline``), "forwarded" (sent on to
    ``answer_level``, e.g. "UBND tỉnh") or None (not assigned). ``status`` is
    the Vietnamese label the follow-up uses. ``honorific`` ("Ông", "Bà") is
    optional; without it the minutes write "Ông/Bà".

    The conclusion notice lists every request with an outcome, not only those
    heard: ``outcome`` is one of :data:`OUTCOMES` (None: taken from
    ``answer_mode``); ``spoke`` says whether the person was called to the floor.
    For a "complaint" the service leaves ``speaker``, ``locality`` and
    ``summary`` empty: the notice names only the ticket, field and unit.
    """

    order: int
    ticket: int | None
    speaker: str
    locality: str = ""
    field: str = ""
    summary: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    co_signers: list[str] = _field(default_factory=list)
    answer_unit: str | None = None
    answerer: str | None = None
    answer_mode: str | None = None
    answer_level: str | None = None
    answer_deadline: date | None = None
    answer_summary: str | None = None
    status: str = ""
    honorific: str | None = None
    outcome: str | None = None
    spoke: bool = True
    satisfaction: str = ""          # the owner's rating of the answer ("Hài lòng", "Chưa hài lòng (lý do)")


@dataclass
class SummaryRow:
    """One line of the summary table (bảng tổng hợp kiến nghị) for follow-up.

    ``mode`` and ``status`` are Vietnamese labels; ``deadline`` a date (or None);
    ``phone`` is only written when the table is built with ``include_phone``;
    ``ticket`` is the request's number, as the conclusion notice cites it.
    """

    no: int
    requester: str
    locality: str = ""
    field: str = ""
    content: str = ""
    unit: str = ""
    mode: str = ""
    deadline: date | None = None
    status: str = ""
    phone: str | None = None
    source: str = ""
    ticket: int | None = None
    satisfaction: str = ""          # the owner's rating of the answer, once given

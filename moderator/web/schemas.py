"""Input schemas: one pydantic model per body. Limits here are the limits the server enforces."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from typing_extensions import Annotated

from ..domain.phone import PhoneError, normalize_phone
from ..domain.seen import Seen

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Content = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SubmitRequest(Strict):
    kind: Literal["citizen", "organization"] = "citizen"
    full_name: Name = ""
    phone: Annotated[str, StringConstraints(max_length=30)] = ""
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    locality: Name = ""
    organization: Short = ""
    position: Short = ""
    seat: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""
    field_id: Id | None = None
    content: Content
    wants_to_speak: bool = True
    jurisdiction: Literal["commune", "province", "central", "outside"] | None = None
    consent: bool = False
    idempotency_key: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        if v.strip():
            try:
                return normalize_phone(v)
            except PhoneError as e:
                raise ValueError("phone_invalid") from e
        return ""

    @model_validator(mode="after")
    def _required_by_form(self):
        # Citizen form: full name, phone, contact address; organisation form: name, position, phone.
        if not self.full_name:
            raise ValueError("full_name_required")
        if not self.phone:
            raise ValueError("phone_required")
        if self.kind == "citizen" and not self.address:
            raise ValueError("address_required")
        if self.kind == "organization" and not self.position:
            raise ValueError("position_required")
        return self


class StaffEntry(SubmitRequest):
    """Paper forms and speakers from the floor, typed by staff: phone and address may be missing."""
    source: Literal["paper", "floor"] = "paper"
    unit_id: Id | None = None

    @model_validator(mode="after")
    def _required_by_form(self):
        if not self.full_name:
            raise ValueError("full_name_required")
        return self


class EditOwn(Strict):
    content: Content | None = None
    field_id: Id | None = None
    seat: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    wants_to_speak: bool | None = None


StatusName = Literal["submitted", "accepted", "called", "speaking", "answered", "declined", "withdrawn", "merged",
                     "written", "forwarded", "deferred", "complaint"]
Version = Annotated[int, Field(ge=0, le=2**31 - 1)]


class SeenRequest(Strict):
    """A request as the chair's screen showed it; only the fields sent are compared (null is a value: "none")."""
    status: StatusName | None = None
    unit_id: Id | None = None
    answer_mode: Literal["hall", "writing", "forwarded"] | None = None
    answer_deadline: date | None = None
    answer_level: Literal["province", "central", "outside", "commune"] | None = None
    merged_into_id: Id | None = None
    priority: bool | None = None
    content: Annotated[str, StringConstraints(max_length=4000)] | None = None


class SeenFloor(Strict):
    request_id: Id | None = None
    state: Literal["idle", "called", "speaking", "paused"] = "idle"


class Expected(Strict):
    """What the chair saw when deciding: the requests the decision is about, the floor, the queue order.
    The server refuses the decision with 409 (`stale_decision`, `floor_changed`, `queue_changed`) naming what
    changed since, with the current state of those requests in `error.current`."""
    requests: Annotated[dict[Id, SeenRequest], Field(max_length=200)] = {}
    floor: SeenFloor | None = None
    queue: Annotated[list[Id], Field(max_length=2000)] | None = None

    def to_seen(self) -> Seen:
        return Seen(requests={rid: r.model_dump(include=r.model_fields_set) for rid, r in self.requests.items()},
                    floor=self.floor.model_dump() if self.floor is not None else None,
                    queue=list(self.queue) if self.queue is not None else None)


def seen_of(body) -> Seen | None:
    expected = getattr(body, "expected", None)
    return expected.to_seen() if expected is not None else None


class DecisionBody(Strict):
    reason: Reason | None = None
    deadline: date | None = None
    level: Literal["province", "central", "outside"] | None = None
    priority: bool = False
    unit_id: Id | None = None
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    expected: Expected | None = None


class ReorderBody(Strict):
    """A whole new order, built on `version` (the meeting version) or on `expected.queue` (the order seen)."""
    order: Annotated[list[Id], Field(max_length=2000)]
    version: Version | None = None
    expected: Expected | None = None

    @model_validator(mode="after")
    def _built_on_something(self):
        if self.version is None and (self.expected is None or self.expected.queue is None):
            raise ValueError("order_base_required")
        return self


class MoveBody(Strict):
    to: Literal["top", "up", "down"] | Annotated[int, Field(ge=0, le=5000)]
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    expected: Expected | None = None


class CallBody(Strict):
    request_id: Id | None = None
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    expected: Expected | None = None


class FloorBody(Strict):
    """Start, end or requeue the speaker on the floor, as the chair's screen showed the floor."""
    expected: Expected | None = None


class ExtendBody(Strict):
    seconds: int = Field(default=60, ge=1, le=1800)


class AnswerBody(Strict):
    request_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]
    unit_id: Id | None = None
    answerer: Short = ""
    mode: Literal["hall", "writing", "forwarded"] | None = None
    deadline: date | None = None
    level: Literal["province", "central", "outside"] | None = None
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=8000)] = ""
    expected: Expected | None = None


class MergeBody(Strict):
    target_id: Id
    source_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    expected: Expected | None = None


class MessageBody(Strict):
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class RegistrationBody(Strict):
    open: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class StepBody(Strict):
    position: int = Field(ge=0, le=50)


class CloseBody(Strict):
    conclusion: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)] | None = None


class UnitAnswerBody(Strict):
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
    mode: Literal["hall", "writing", "forwarded"] = "writing"

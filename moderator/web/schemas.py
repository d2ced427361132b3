"""Input schemas: one pydantic model per body. Limits here are the limits the server enforces."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from typing_extensions import Annotated

from ..domain.phone import PhoneError, normalize_phone

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


class DecisionBody(Strict):
    reason: Reason | None = None
    deadline: date | None = None
    level: Literal["province", "central", "outside"] | None = None
    priority: bool = False
    unit_id: Id | None = None
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)


class ReorderBody(Strict):
    order: Annotated[list[Id], Field(max_length=2000)]
    version: int = Field(ge=0, le=2**31 - 1)


class MoveBody(Strict):
    to: Literal["top", "up", "down"] | Annotated[int, Field(ge=0, le=5000)]
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)


class CallBody(Strict):
    request_id: Id | None = None
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)


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


class MergeBody(Strict):
    target_id: Id
    source_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]


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

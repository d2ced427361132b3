"""The vocabulary of a meeting, as enums whose values are stored in the database and sent to clients."""
from enum import StrEnum


class MeetingLevel(StrEnum):
    COMMUNE = "commune"      # cấp xã / phường
    CITY = "city"            # thành phố
    PROVINCE = "province"    # cấp tỉnh


class MeetingStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"        # delegates may register before the session starts
    LIVE = "live"
    CLOSED = "closed"


class SubmitterKind(StrEnum):
    CITIZEN = "citizen"              # Phiếu dành cho Nhân dân
    ORGANIZATION = "organization"    # Phiếu dành cho cơ quan, tổ chức, cán bộ, đảng viên


class Jurisdiction(StrEnum):
    COMMUNE = "commune"
    PROVINCE = "province"
    CENTRAL = "central"
    OUTSIDE = "outside"      # outside the administration (e.g. the power company)


class Source(StrEnum):
    PHONE = "phone"
    PAPER = "paper"
    PRECOLLECTED = "precollected"
    FLOOR = "floor"


class AnswerMode(StrEnum):
    HALL = "hall"            # trả lời trực tiếp
    WRITING = "writing"      # trả lời bằng văn bản (deadline)
    FORWARDED = "forwarded"  # chuyển cấp trên


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    CALLED = "called"
    SPEAKING = "speaking"
    ANSWERED = "answered"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    WRITTEN = "written"
    FORWARDED = "forwarded"
    DEFERRED = "deferred"
    COMPLAINT = "complaint"


class Role(StrEnum):
    ORGANISER = "organiser"
    CHAIR = "chair"
    SECRETARY = "secretary"
    UNIT = "unit"
    PROJECTOR = "projector"
    USHER = "usher"
    DELEGATE = "delegate"
    ANONYMOUS = "anonymous"


class DocFormat(StrEnum):
    PARTY = "party"
    STATE = "state"


class FloorState(StrEnum):
    IDLE = "idle"
    CALLED = "called"
    SPEAKING = "speaking"
    PAUSED = "paused"

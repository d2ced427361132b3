"""Where a request ended up: answered in the hall, answered in writing by a unit, forwarded to a higher level, or
sent to the formal complaint process.

One classification for the three documents an office reconciles after the meeting, so that they list the same
requests the same way: the conclusion notice (thông báo kết luận), the summary table (bảng tổng hợp) and the
follow-up tracker. Declined, withdrawn and merged requests have no outcome of their own (a merged request lives on
as a co-signer of the one it joined); neither does a request still waiting or on the floor.
"""
from __future__ import annotations

from enum import StrEnum

from .enums import AnswerMode, Status
from .labels import MODE_LABELS
from .states import STATUS_LABELS_VI


class Outcome(StrEnum):
    HALL = "hall"              # trả lời trực tiếp tại hội nghị
    WRITING = "writing"        # giao đơn vị trả lời bằng văn bản
    FORWARDED = "forwarded"    # chuyển cấp có thẩm quyền
    COMPLAINT = "complaint"    # chuyển xử lý theo quy trình khiếu nại, tố cáo


# Outcomes a unit still has to act on after the meeting: the follow-up tracker's rows.
FOLLOWED_UP = frozenset({Outcome.WRITING, Outcome.FORWARDED})

OUTCOME_LABELS = {
    Outcome.HALL: MODE_LABELS["hall"],
    Outcome.WRITING: MODE_LABELS["writing"],
    Outcome.FORWARDED: MODE_LABELS["forwarded"],
    Outcome.COMPLAINT: STATUS_LABELS_VI[Status.COMPLAINT],
}

# Forwarded "to …": the level as it reads inside a sentence or after a label.
LEVEL_IN_TEXT = {"commune": "cấp xã", "province": "cấp tỉnh", "central": "cấp Trung ương",
                 "outside": "cơ quan, đơn vị ngoài hệ thống hành chính"}

_AFTER_THE_HALL = {Status.WRITTEN, Status.FORWARDED, Status.DEFERRED, Status.ANSWERED}


def outcome_of(status: str, answer_mode: str | None, heard: bool) -> Outcome | None:
    """The outcome of a request from its status, its answer mode and whether it was called to the floor.

    The answer mode wins over the status once the request has left the hall: the follow-up page may switch a
    written answer to a forwarding (or back) without moving the status. A request not reached before the close
    (deferred) is answered in writing, as the close announces. "Answered" counts as answered in the hall only if
    the person was actually called: an answer recorded for a request never heard was a written one.
    """
    current = Status(status)
    if current == Status.COMPLAINT:
        return Outcome.COMPLAINT
    if current not in _AFTER_THE_HALL:
        return None
    if answer_mode == AnswerMode.FORWARDED.value or (current == Status.FORWARDED and
                                                     answer_mode != AnswerMode.WRITING.value):
        return Outcome.FORWARDED
    if answer_mode == AnswerMode.WRITING.value or current != Status.ANSWERED or not heard:
        return Outcome.WRITING
    return Outcome.HALL


def mode_label(outcome: Outcome | str | None, level: str | None = None) -> str:
    """The "answer mode" column of the tables: "Chuyển cấp có thẩm quyền (cấp tỉnh)"; "" without an outcome."""
    if outcome is None:
        return ""
    label = OUTCOME_LABELS[outcome]
    if outcome == Outcome.FORWARDED and level:
        label += f" ({LEVEL_IN_TEXT.get(level, level)})"
    return label

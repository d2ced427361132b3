"""The speaking request's state machine: every allowed move, named, with the rule it enforces."""
from __future__ import annotations

from dataclasses import dataclass

from .enums import Status
from .errors import DomainError, IllegalTransition
from .labels import N_

S = Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status
    needs_reason: bool = False


def _t(action, sources, target, needs_reason=False):
    return Transition(action, frozenset(sources), target, needs_reason)


# Requests still waiting for the floor: these may still leave by any exit.
WAITING = {S.SUBMITTED, S.ACCEPTED}
# Still open in the hall (not yet answered or closed).
OPEN_STATES = frozenset({S.SUBMITTED, S.ACCEPTED, S.CALLED, S.SPEAKING})
# Need follow-up after the meeting until answered.
FOLLOW_UP_STATES = frozenset({S.WRITTEN, S.FORWARDED, S.DEFERRED})
TERMINAL = frozenset({S.ANSWERED, S.DECLINED, S.WITHDRAWN, S.MERGED})

TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    _t("accept", {S.SUBMITTED, S.DEFERRED}, S.ACCEPTED),
    _t("decline", WAITING | {S.DEFERRED}, S.DECLINED, needs_reason=True),
    _t("withdraw", WAITING | {S.CALLED}, S.WITHDRAWN),
    _t("merge", WAITING | {S.DEFERRED}, S.MERGED),
    _t("call", {S.ACCEPTED}, S.CALLED),
    _t("requeue", {S.CALLED, S.SPEAKING}, S.ACCEPTED),
    _t("start", {S.CALLED}, S.SPEAKING),
    _t("answer_hall", {S.SPEAKING, S.CALLED}, S.ANSWERED),
    _t("to_writing", WAITING | {S.CALLED, S.SPEAKING, S.DEFERRED, S.FORWARDED}, S.WRITTEN),
    _t("forward", WAITING | {S.CALLED, S.SPEAKING, S.DEFERRED, S.WRITTEN}, S.FORWARDED),
    _t("defer", {S.ACCEPTED, S.SUBMITTED}, S.DEFERRED),
    _t("flag_complaint", WAITING | {S.CALLED, S.DEFERRED}, S.COMPLAINT, needs_reason=False),
    # Follow-up: the unit's written answer (or the higher level's) closes the request.
    _t("answer_written", {S.WRITTEN, S.FORWARDED, S.DEFERRED}, S.ANSWERED),
]}

STATUS_LABELS_VI = {
    S.SUBMITTED: N_("Đã nhận"), S.ACCEPTED: N_("Đã xếp lượt"), S.CALLED: N_("Chuẩn bị phát biểu"),
    S.SPEAKING: N_("Đang phát biểu"), S.ANSWERED: N_("Đã trả lời"), S.DECLINED: N_("Không đưa vào hội nghị"),
    S.WITHDRAWN: N_("Đã rút"), S.MERGED: N_("Đã gộp"), S.WRITTEN: N_("Trả lời bằng văn bản"),
    S.FORWARDED: N_("Chuyển cấp có thẩm quyền"), S.DEFERRED: N_("Chưa đến lượt (hết giờ)"),
    S.COMPLAINT: N_("Chuyển xử lý theo quy trình khiếu nại, tố cáo"),
}


def transition(current: Status, action: str, reason: str | None = None) -> Status:
    """Return the next status, or raise IllegalTransition naming the rule."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise DomainError("unknown_action", "Không có thao tác '%(action)s'.", action=action)
    if current not in rule.sources:
        allowed = sorted(s.value for s in rule.sources)
        raise IllegalTransition(
            "illegal_transition",
            "Không thể thực hiện '%(action)s' khi phiếu đang ở trạng thái '%(current)s' "
            "(quy tắc: chỉ được khi phiếu ở trạng thái %(allowed)s).",
            action=action, current=current.value, allowed=", ".join(allowed),
        )
    if rule.needs_reason and not (reason and reason.strip()):
        raise DomainError("reason_required", "Cần nêu lý do.", action=action)
    return rule.target


def allowed_actions(current: Status) -> list[str]:
    return [a for a, t in TRANSITIONS.items() if current in t.sources]


def can_edit_content(status: Status) -> bool:
    """The delegate may edit the content until called."""
    return status in WAITING

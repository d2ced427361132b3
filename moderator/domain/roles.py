"""Who may do what, and who may see what. Plain data, checked by the service layer for every operation."""
from __future__ import annotations

from .enums import Role
from .errors import PermissionDenied

R = Role

# Operation -> roles allowed. Delegates act only on their own requests (ownership checked by the service).
PERMISSIONS: dict[str, frozenset[Role]] = {k: frozenset(v) for k, v in {
    # delegate
    "request.submit": {R.DELEGATE, R.ANONYMOUS},
    "request.withdraw_own": {R.DELEGATE},
    "request.edit_own": {R.DELEGATE},
    "request.view_own": {R.DELEGATE},
    # staff entry of paper forms / the floor
    "request.enter_paper": {R.SECRETARY, R.CHAIR, R.ORGANISER},
    # chair decisions
    "request.decide": {R.CHAIR, R.ORGANISER},       # accept, decline, writing, forward, flag, merge, defer
    "queue.reorder": {R.CHAIR, R.ORGANISER},
    "floor.control": {R.CHAIR},                      # call, start, pause, resume, extend, end
    "answer.assign": {R.CHAIR, R.ORGANISER},
    "meeting.message": {R.CHAIR},
    "meeting.registration": {R.CHAIR, R.ORGANISER},
    "meeting.programme": {R.CHAIR, R.SECRETARY},
    "meeting.undo": {R.CHAIR},
    "audit.view": {R.CHAIR, R.SECRETARY, R.ORGANISER},
    # secretary
    "minutes.edit": {R.SECRETARY, R.CHAIR, R.ORGANISER},
    "minutes.export": {R.SECRETARY, R.CHAIR, R.ORGANISER},
    "export.with_phone": {R.SECRETARY, R.ORGANISER},
    # answering unit
    "unit.view": {R.UNIT},
    "unit.answer": {R.UNIT, R.ORGANISER},
    # views
    "staff.view": {R.CHAIR, R.SECRETARY, R.ORGANISER},
    "usher.view": {R.USHER, R.CHAIR, R.SECRETARY, R.ORGANISER},
    "public.view": set(Role),
    # organiser
    "meeting.setup": {R.ORGANISER},
    "keys.manage": {R.ORGANISER},
    "data.purge": {R.ORGANISER},
    "results.publish": {R.ORGANISER},
}.items()}

# Who may see a citizen's phone and contact address.
SEES_CONTACT = frozenset({R.ORGANISER, R.CHAIR, R.SECRETARY})
# Who may see seat/zone (to bring the microphone) besides staff.
SEES_SEAT = frozenset({R.ORGANISER, R.CHAIR, R.SECRETARY, R.USHER, R.DELEGATE})
STAFF = frozenset({R.ORGANISER, R.CHAIR, R.SECRETARY})


def may(role: Role, operation: str) -> bool:
    allowed = PERMISSIONS.get(operation)
    if allowed is None:
        raise KeyError(f"unknown operation {operation!r}")
    return role in allowed


def require(role: Role, operation: str) -> None:
    if not may(role, operation):
        raise PermissionDenied("forbidden", "Bạn không có quyền thực hiện thao tác này.", operation=operation,
                               role=role.value)


def sees_contact(role: Role) -> bool:
    return role in SEES_CONTACT

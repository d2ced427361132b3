import pytest

from moderator.domain.enums import Role
from moderator.domain.errors import PermissionDenied
from moderator.domain.roles import PERMISSIONS, may, require, sees_contact

R = Role


def test_only_organiser_chair_secretary_see_contact_data():
    assert {r for r in Role if sees_contact(r)} == {R.ORGANISER, R.CHAIR, R.SECRETARY}


@pytest.mark.parametrize("role", [R.PROJECTOR, R.USHER, R.UNIT, R.DELEGATE, R.ANONYMOUS])
def test_hall_roles_cannot_decide_or_control_the_floor(role):
    for op in ("request.decide", "queue.reorder", "floor.control", "answer.assign", "meeting.message",
               "staff.view", "keys.manage", "export.with_phone", "meeting.undo"):
        assert not may(role, op)
        with pytest.raises(PermissionDenied):
            require(role, op)


def test_chair_decides_and_controls_the_floor():
    for op in ("request.decide", "queue.reorder", "floor.control", "answer.assign", "meeting.undo"):
        assert may(R.CHAIR, op)


def test_secretary_takes_minutes_but_does_not_decide():
    assert may(R.SECRETARY, "minutes.edit") and may(R.SECRETARY, "request.enter_paper")
    assert not may(R.SECRETARY, "request.decide") and not may(R.SECRETARY, "floor.control")


def test_unit_answers_only():
    assert may(R.UNIT, "unit.answer") and may(R.UNIT, "unit.view")
    assert not may(R.UNIT, "staff.view")


def test_delegates_file_and_manage_their_own():
    assert may(R.DELEGATE, "request.submit") and may(R.ANONYMOUS, "request.submit")
    assert may(R.DELEGATE, "request.withdraw_own") and not may(R.ANONYMOUS, "request.withdraw_own")


def test_every_operation_is_known():
    with pytest.raises(KeyError):
        may(R.CHAIR, "no.such.operation")
    assert all(isinstance(v, frozenset) for v in PERMISSIONS.values())

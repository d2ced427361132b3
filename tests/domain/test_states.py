"""Every allowed transition and every forbidden one, named by the rule."""
import itertools

import pytest

from moderator.domain.enums import Status
from moderator.domain.errors import DomainError, IllegalTransition
from moderator.domain.states import TRANSITIONS, allowed_actions, can_edit_content, transition

S = Status

# The table the seeds describe, written out by hand so a change to states.py must be deliberate.
EXPECTED = {
    ("accept", S.SUBMITTED): S.ACCEPTED, ("accept", S.DEFERRED): S.ACCEPTED,
    ("call", S.ACCEPTED): S.CALLED,
    ("start", S.CALLED): S.SPEAKING,
    ("answer_hall", S.SPEAKING): S.ANSWERED, ("answer_hall", S.CALLED): S.ANSWERED,
    ("requeue", S.CALLED): S.ACCEPTED, ("requeue", S.SPEAKING): S.ACCEPTED,
    **{("decline", s): S.DECLINED for s in (S.SUBMITTED, S.ACCEPTED, S.DEFERRED)},
    **{("withdraw", s): S.WITHDRAWN for s in (S.SUBMITTED, S.ACCEPTED, S.CALLED)},
    **{("merge", s): S.MERGED for s in (S.SUBMITTED, S.ACCEPTED, S.DEFERRED)},
    **{("to_writing", s): S.WRITTEN for s in (S.SUBMITTED, S.ACCEPTED, S.CALLED, S.SPEAKING, S.DEFERRED,
                                               S.FORWARDED)},
    **{("forward", s): S.FORWARDED for s in (S.SUBMITTED, S.ACCEPTED, S.CALLED, S.SPEAKING, S.DEFERRED,
                                              S.WRITTEN)},
    **{("defer", s): S.DEFERRED for s in (S.SUBMITTED, S.ACCEPTED)},
    **{("flag_complaint", s): S.COMPLAINT for s in (S.SUBMITTED, S.ACCEPTED, S.CALLED, S.DEFERRED)},
    **{("answer_written", s): S.ANSWERED for s in (S.WRITTEN, S.FORWARDED, S.DEFERRED)},
}


@pytest.mark.parametrize("action,source", sorted(EXPECTED, key=str))
def test_allowed_transition(action, source):
    assert transition(source, action, reason="lý do") == EXPECTED[(action, source)]


FORBIDDEN = [(a, s) for a, s in itertools.product(TRANSITIONS, Status) if (a, s) not in EXPECTED]


@pytest.mark.parametrize("action,source", FORBIDDEN)
def test_forbidden_transition_names_the_rule(action, source):
    with pytest.raises(IllegalTransition) as e:
        transition(source, action, reason="lý do")
    assert e.value.code == "illegal_transition"
    assert e.value.details["action"] == action and e.value.details["current"] == source.value
    assert e.value.details["allowed"]   # the rule: where the action IS allowed


def test_decline_needs_a_reason():
    with pytest.raises(DomainError) as e:
        transition(S.SUBMITTED, "decline", reason="  ")
    assert e.value.code == "reason_required"


def test_terminal_states_have_no_way_out():
    for s in (S.ANSWERED, S.DECLINED, S.WITHDRAWN, S.MERGED, S.COMPLAINT):
        assert allowed_actions(s) == []


def test_unknown_action():
    with pytest.raises(DomainError) as e:
        transition(S.SUBMITTED, "teleport")
    assert e.value.code == "unknown_action"


def test_delegate_edits_only_until_called():
    assert can_edit_content(S.SUBMITTED) and can_edit_content(S.ACCEPTED)
    assert not any(can_edit_content(s) for s in (S.CALLED, S.SPEAKING, S.ANSWERED))

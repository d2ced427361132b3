"""Where a request ended up: one rule for the conclusion notice, the summary table and the follow-up tracker."""
import pytest

from moderator.domain.enums import Status
from moderator.domain.outcomes import FOLLOWED_UP, Outcome, mode_label, outcome_of


@pytest.mark.parametrize("status, mode, heard, expected", [
    # Answered on the floor, however the mode was left.
    ("answered", "hall", True, Outcome.HALL),
    ("answered", None, True, Outcome.HALL),
    # "Answered" for a request nobody heard was a written answer (e.g. a deferred one the unit answered).
    ("answered", "hall", False, Outcome.WRITING),
    ("answered", None, False, Outcome.WRITING),
    # Written and forwarded answers stay what they were once answered.
    ("answered", "writing", True, Outcome.WRITING),
    ("answered", "forwarded", False, Outcome.FORWARDED),
    ("written", "writing", False, Outcome.WRITING),
    ("forwarded", "forwarded", True, Outcome.FORWARDED),
    # The follow-up page may switch the mode without moving the status: the mode wins.
    ("written", "forwarded", True, Outcome.FORWARDED),
    ("forwarded", "writing", False, Outcome.WRITING),
    ("forwarded", None, False, Outcome.FORWARDED),
    # Not reached before the close: answered in writing, as the close announces.
    ("deferred", None, False, Outcome.WRITING),
    ("deferred", "hall", False, Outcome.WRITING),
    ("deferred", "forwarded", False, Outcome.FORWARDED),
    ("complaint", None, True, Outcome.COMPLAINT),
    ("complaint", "writing", False, Outcome.COMPLAINT),
])
def test_outcome_of(status, mode, heard, expected):
    assert outcome_of(status, mode, heard) is expected


@pytest.mark.parametrize("status", ["submitted", "accepted", "called", "speaking", "declined", "withdrawn", "merged"])
def test_no_outcome_while_waiting_or_once_dropped(status):
    for mode in (None, "hall", "writing", "forwarded"):
        assert outcome_of(status, mode, heard=True) is None


def test_every_status_is_classified():
    for status in Status:
        outcome_of(status.value, None, heard=False)   # never raises


def test_labels():
    assert FOLLOWED_UP == {Outcome.WRITING, Outcome.FORWARDED}
    assert mode_label(Outcome.FORWARDED, "province") == "Chuyển cấp có thẩm quyền (cấp tỉnh)"
    assert mode_label("forwarded", "central") == "Chuyển cấp có thẩm quyền (cấp Trung ương)"
    assert mode_label(Outcome.WRITING, "province") == "Trả lời bằng văn bản"
    assert mode_label(Outcome.COMPLAINT) == "Chuyển xử lý theo quy trình khiếu nại, tố cáo"
    assert mode_label(None) == ""

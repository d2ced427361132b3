"""What the chair saw against what is stored now (moderator/domain/seen.py), alone."""
from datetime import date

import pytest

from moderator.domain.errors import Conflict
from moderator.domain.seen import Now, Seen, check, queue_changes, request_changes

SUBMITTED = {"ticket": 7, "status": "submitted", "unit_id": None, "answer_mode": None, "answer_deadline": None,
             "answer_level": None, "merged_into_id": None, "priority": False, "content": "Đường xóm 5 sụt lún"}
TICKETS = {1: 7, 2: 8, 3: 9, 4: 10}


def now(requests=None, floor=None, queue=()):
    return Now(requests=requests or {1: SUBMITTED}, floor=floor or {"request_id": None, "state": "idle"},
               queue=list(queue), tickets=TICKETS)


def conflict(seen, current) -> Conflict:
    with pytest.raises(Conflict) as e:
        check(seen, current)
    return e.value


def test_nothing_changed_passes():
    check(Seen(requests={1: {k: v for k, v in SUBMITTED.items() if k != "ticket"}}), now())
    check(Seen(), now())


def test_a_status_change_is_named_from_and_to():
    accepted = {**SUBMITTED, "status": "accepted"}
    e = conflict(Seen(requests={1: {"status": "submitted"}}), now({1: accepted}))
    assert e.status == 409 and e.code == "stale_decision"
    assert e.details["changed"] == ["status"] and e.details["ticket"] == 7 and e.details["request_id"] == 1
    assert str(e.details["seen"]) == "Đã nhận" and str(e.details["now"]) == "Đã xếp lượt"


def test_other_changes_are_listed_by_name():
    changed = {**SUBMITTED, "unit_id": 3, "answer_deadline": date(2026, 12, 13), "content": "Nội dung đã sửa"}
    e = conflict(Seen(requests={1: {"status": "submitted", "unit_id": None, "answer_deadline": None,
                                    "content": SUBMITTED["content"]}}), now({1: changed}))
    assert e.details["changed"] == ["unit_id", "answer_deadline", "content"]
    assert [str(p) for p in e.details["what"]] == ["đơn vị trả lời", "thời hạn trả lời", "nội dung"]


def test_only_fields_the_screen_sent_are_compared_and_values_are_normalised():
    changed = {**SUBMITTED, "unit_id": 3, "answer_deadline": date(2026, 12, 13)}
    assert request_changes({"status": "submitted"}, changed) == []
    assert request_changes({"answer_deadline": "2026-12-13", "content": " Đường xóm 5 sụt lún "}, changed) == []
    assert request_changes({"answer_mode": ""}, changed) == []          # "" and None both mean "none"


def test_the_floor_seen_must_be_the_floor_now():
    speaking = {"request_id": 2, "state": "speaking"}
    check(Seen(floor=dict(speaking)), now(floor=speaking))
    e = conflict(Seen(floor=dict(speaking)), now(floor={"request_id": 3, "state": "called"}))
    assert e.code == "floor_changed"
    assert str(e.details["seen"]) == "phiếu số 8 đang phát biểu" and str(e.details["now"]) == "đang mời phiếu số 9"
    e = conflict(Seen(floor={"request_id": 2, "state": "called"}), now(floor=speaking))
    assert e.code == "floor_changed"
    e = conflict(Seen(floor={"request_id": None, "state": "idle"}), now(floor=speaking))
    assert str(e.details["seen"]) == "chưa mời ai"


def test_queue_changes_name_who_joined_who_left_and_a_new_order():
    assert not queue_changes([1, 2, 3], [1, 2, 3])
    d = queue_changes([1, 2, 3], [3, 1, 4])
    assert d.joined == [4] and d.left == [2] and d.reordered
    assert not queue_changes([1, 2], [1, 2, 4]).reordered
    e = conflict(Seen(queue=[1, 2, 3]), now(queue=[3, 1, 4]))
    assert e.code == "queue_changed"
    assert [str(p) for p in e.details["what"]] == ["phiếu số 10 vừa vào hàng", "phiếu số 8 vừa rời hàng",
                                                   "thứ tự đã được sắp xếp lại"]
    check(Seen(queue=[1, 2]), now(queue=[1, 2]))


def test_the_request_is_checked_before_the_floor_and_the_queue():
    e = conflict(Seen(requests={1: {"status": "submitted"}}, floor={"request_id": 2, "state": "speaking"},
                      queue=[1]), now({1: {**SUBMITTED, "status": "accepted"}}, queue=[2]))
    assert e.code == "stale_decision"

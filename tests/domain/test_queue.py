from dataclasses import dataclass

import pytest

from moderator.domain import queue as q
from moderator.domain.errors import Conflict


@dataclass
class Item:
    id: int
    ticket: int
    priority: bool = False
    queue_rank: int | None = None


def make(*ranks):
    return [Item(i + 1, i + 1, queue_rank=r) for i, r in enumerate(ranks)]


def test_fifo_by_rank_then_ticket():
    items = [Item(1, 5, queue_rank=2), Item(2, 3, queue_rank=1), Item(3, 9, queue_rank=2)]
    assert [i.id for i in q.ordered(items)] == [2, 1, 3]


def test_new_request_goes_to_the_end():
    items = make(1, 2, 3)
    assert q.with_inserted(items, 99, priority=False) == [1, 2, 3, 99]


def test_priority_goes_after_earlier_priority_but_before_everyone_else():
    items = make(1, 2, 3)
    items[0].priority = True
    assert q.with_inserted(items, 99, priority=True) == [1, 99, 2, 3]
    assert q.with_inserted(make(1, 2), 99, priority=True) == [99, 1, 2]


def test_moves_are_stable_and_clamped():
    items = make(1, 2, 3, 4)
    assert q.move_to_top(items, 3) == [3, 1, 2, 4]
    assert q.move_by(items, 1, -1) == [1, 2, 3, 4]
    assert q.move_by(items, 4, +5) == [1, 2, 3, 4]
    assert q.move_by(items, 2, +1) == [1, 3, 2, 4]
    assert q.move_to(items, 1, 2) == [2, 3, 1, 4]


def test_reorder_must_name_exactly_the_queue():
    items = make(1, 2, 3)
    assert q.validate_order(items, [3, 1, 2]) == [3, 1, 2]
    for bad in ([1, 2], [1, 2, 3, 4], [1, 1, 2], []):
        with pytest.raises(Conflict):
            q.validate_order(items, bad)


def test_moving_a_request_not_in_the_queue_is_a_conflict():
    with pytest.raises(Conflict):
        q.move_to_top(make(1, 2), 42)


def test_ranks_are_dense():
    assert q.ranks([7, 3, 5]) == {7: 1, 3: 2, 5: 3}

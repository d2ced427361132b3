"""Queue order: the stored rank alone decides (so what the chair sees is what is stored).

* FIFO by acceptance: an accepted request goes to the end.
* Priority (the chair's own invitations): inserted after the last priority item, ahead of everyone else.
* Manual moves renumber the whole queue 1..n; ties (never expected) fall back to the ticket number.
"""
from __future__ import annotations

from typing import Iterable, Protocol, Sequence

from .errors import Conflict


class Queued(Protocol):
    id: int
    ticket: int
    priority: bool
    queue_rank: int | None


def sort_key(item: Queued):
    return (item.queue_rank if item.queue_rank is not None else 10**9, item.ticket)


def ordered(items: Iterable[Queued]) -> list:
    return sorted(items, key=sort_key)


def insert_position(queue: Sequence[Queued], priority: bool) -> int:
    """Index at which a newly accepted request enters the ordered queue."""
    current = ordered(queue)
    if not priority:
        return len(current)
    last_priority = max((i for i, q in enumerate(current) if q.priority), default=-1)
    return last_priority + 1


def with_inserted(queue: Sequence[Queued], request_id: int, priority: bool) -> list[int]:
    order = [q.id for q in ordered(q for q in queue if q.id != request_id)]
    order.insert(insert_position([q for q in queue if q.id != request_id], priority), request_id)
    return order


def validate_order(queue: Sequence[Queued], new_order: Sequence[int]) -> list[int]:
    """A reorder must name exactly the queued items, each once; otherwise the client's view is stale."""
    ids = sorted(q.id for q in queue)
    if sorted(new_order) != ids or len(set(new_order)) != len(new_order):
        raise Conflict("queue_changed", "Hàng đợi đã thay đổi trong lúc sắp xếp; màn hình đã được tải lại.")
    return list(new_order)


def move_to_top(queue: Sequence[Queued], request_id: int) -> list[int]:
    return move_to(queue, request_id, 0)


def move_by(queue: Sequence[Queued], request_id: int, delta: int) -> list[int]:
    order = [q.id for q in ordered(queue)]
    if request_id not in order:
        raise Conflict("queue_changed", "Phiếu không còn trong hàng đợi.")
    return move_to(queue, request_id, order.index(request_id) + delta)


def move_to(queue: Sequence[Queued], request_id: int, index: int) -> list[int]:
    order = [q.id for q in ordered(queue)]
    if request_id not in order:
        raise Conflict("queue_changed", "Phiếu không còn trong hàng đợi.")
    order.remove(request_id)
    order.insert(max(0, min(len(order), index)), request_id)
    return order


def ranks(order: Sequence[int]) -> dict[int, int]:
    """Dense ranks 1..n for an order of ids."""
    return {rid: pos + 1 for pos, rid in enumerate(order)}

"""How many queued speakers the remaining time can reach, and how long a delegate will wait.

The chair sees "at this pace N more people can speak, M will not be reached", and each delegate
sees an approximate wait. Both come from the average time one speaker has taken so far in this
meeting: speaking time *plus* the answer given to them (a turn ends when the answer ends).

Only the standard library is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Forecast", "forecast", "average_turn_seconds", "estimated_wait_seconds"]

# Absorbs float noise so that e.g. 0.3 s left at 0.1 s per turn counts 3 turns, not 2.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Forecast:
    """``avg_seconds`` per turn; ``can_reach`` queued people fit in the time left, ``not_reached`` don't."""

    avg_seconds: float
    can_reach: int
    not_reached: int


def average_turn_seconds(durations: list[float], default_seconds: float) -> float:
    """Mean of the past turns (values not finite and > 0 are ignored), else ``default_seconds``.

    Raises ``ValueError`` if there is no usable past turn and ``default_seconds`` is not > 0.
    """
    usable = [float(d) for d in durations if _positive(d)]
    if usable:
        return math.fsum(usable) / len(usable)
    if not _positive(default_seconds):
        raise ValueError(f"default_seconds must be > 0, got {default_seconds!r}")
    return float(default_seconds)


def forecast(
    remaining_seconds: float, durations: list[float], queued: int, default_seconds: float
) -> Forecast:
    """Forecast for ``queued`` people waiting with ``remaining_seconds`` left in the meeting.

    * ``avg_seconds``: ``average_turn_seconds(durations, default_seconds)``.
    * ``can_reach``: ``floor(remaining_seconds / avg_seconds)``, at most ``queued``; a turn that
      would not fit entirely is not counted. No time left (zero, negative, or NaN) -> 0;
      ``math.inf`` (no end time) -> everyone.
    * ``not_reached``: ``queued - can_reach``.

    ``queued`` must be >= 0 (``ValueError`` otherwise).
    """
    if isinstance(queued, bool) or not isinstance(queued, int) or queued < 0:
        raise ValueError(f"queued must be an int >= 0, got {queued!r}")
    avg = average_turn_seconds(durations, default_seconds)
    if _positive(remaining_seconds):
        can_reach = min(queued, math.floor(remaining_seconds / avg + _EPSILON))
    elif remaining_seconds == math.inf:  # no end time set
        can_reach = queued
    else:
        can_reach = 0
    return Forecast(avg_seconds=avg, can_reach=can_reach, not_reached=queued - can_reach)


def estimated_wait_seconds(
    position: int, avg_seconds: float, current_remaining_seconds: float = 0.0
) -> float:
    """Approximate wait, in seconds, of the delegate at ``position`` in the queue (1 = next).

    The formula is ``current_remaining_seconds + (position - 1) * avg_seconds``: the person at
    position 1 is called as soon as the current turn ends, and everyone ahead of you takes one
    average turn. ``current_remaining_seconds`` is what is left of the turn in progress (0 when
    nobody is speaking or it is unknown, so by default the wait is counted from the end of the
    current turn). A position below 1 (already called) waits 0. Never negative.
    """
    if not (_positive(avg_seconds) or avg_seconds == 0) or isinstance(avg_seconds, bool):
        raise ValueError(f"avg_seconds must be >= 0, got {avg_seconds!r}")
    if position < 1:
        return 0.0
    current = current_remaining_seconds if _positive(current_remaining_seconds) else 0.0
    return float(current + (position - 1) * avg_seconds)


def _positive(value) -> bool:
    """True for a finite number > 0 (not NaN, not infinite, not a bool)."""
    if isinstance(value, bool):
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number > 0

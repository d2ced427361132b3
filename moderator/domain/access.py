"""Rules of access: back-off after failures (login, join codes) and when a staff session has gone idle.

Plain Python on timestamps (seconds): the web layer and the services store the failures, these rules decide.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .labels import N_


@dataclass(frozen=True)
class Backoff:
    """After `free` failures within `window` seconds the next attempt waits `base` seconds; each further failure
    doubles the wait, up to `cap`. Failures older than the window are forgotten, so honest typos never pile up."""
    free: int
    base: float
    cap: float
    window: float

    def wait_for(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2 ** (failures - self.free))

    def retry_after(self, failure_times: list[float], now: float) -> int:
        """Whole seconds until the next attempt may be made (0: now)."""
        recent = sorted(t for t in failure_times if t > now - self.window)
        if len(recent) < self.free:
            return 0
        remaining = recent[-1] + self.wait_for(len(recent)) - now
        return max(0, math.ceil(remaining))


def idle_expiry(last_seen: float, idle_seconds: float) -> float:
    return last_seen + idle_seconds


def is_idle_expired(last_seen: float, now: float, idle_seconds: float) -> bool:
    return now >= idle_expiry(last_seen, idle_seconds)


def wait_text_args(seconds: int) -> tuple[str, dict]:
    """The message (Vietnamese msgid) telling someone how long to wait, in seconds below two minutes."""
    if seconds < 120:
        return N_("Bạn đã thử sai quá nhiều lần; vui lòng chờ %(seconds)s giây rồi thử lại."), {
            "seconds": max(1, seconds)}
    return N_("Bạn đã thử sai quá nhiều lần; vui lòng chờ %(minutes)s phút rồi thử lại."), {
        "minutes": math.ceil(seconds / 60)}

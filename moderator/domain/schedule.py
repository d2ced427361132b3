"""Backup schedules as people write them: `5m`, `30s`, `1h`, `90` (seconds), `1h30m`."""
from __future__ import annotations

import re

_PART = re.compile(r"(\d+)\s*([smh]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


class IntervalError(ValueError):
    pass


def parse_interval(text: str | None) -> int:
    """Seconds in `text`; at least 1, at most a day."""
    value = (text or "").strip().lower().replace(" ", "")
    if not value or _PART.sub("", value):
        raise IntervalError(text)
    seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(value))
    if not 1 <= seconds <= 86400:
        raise IntervalError(text)
    return seconds

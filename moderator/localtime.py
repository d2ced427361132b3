"""The hall's local time. The database stores naive UTC; people read Vietnam time, UTC+7 all year (no daylight
saving). MODERATOR_UTC_OFFSET_HOURS changes it for a hall elsewhere — the one setting every screen uses."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

OFFSET = timedelta(hours=int(os.environ.get("MODERATOR_UTC_OFFSET_HOURS", "7")))
TZ = timezone(OFFSET)


def to_local(dt: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as the hall's wall-clock time (naive)."""
    return dt + OFFSET if dt is not None else None

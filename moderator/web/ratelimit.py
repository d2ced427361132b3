"""Per-process flood limits: tight per device, generous per IP (a whole hall shares one NAT address)."""
from __future__ import annotations

import threading
import time
from collections import deque

from ..domain.errors import DomainError


class TooMany(DomainError):
    status = 429


class RateLimiter:
    def __init__(self, window_seconds: float = 60.0):
        self.window = window_seconds
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int) -> None:
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= limit:
                raise TooMany("rate_limited", "Bạn gửi quá nhiều yêu cầu; vui lòng chờ một lát rồi thử lại.")
            q.append(now)
            if len(self._hits) > 50_000:   # forget idle keys so a flood of new ones cannot grow memory
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window][:25_000]:
                    del self._hits[k]

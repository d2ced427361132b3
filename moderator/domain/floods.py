"""One source cannot fill the chair's inbox.

A hall's phones each have their own LAN address, so a script that files request after request, each with a fresh
device token, still comes from one address. Per meeting and per address (kept only as a keyed hash):
* at most `devices` distinct devices may file requests, and
* at most `open_requests` requests may be open (waiting, called or speaking) at once.
Behind a NAT every phone shares one address: the organiser raises both (installation setting or per meeting).

What gets through anyway, the chair sees grouped by source (`BURST` or more new requests from one source are
flagged) and quarantines in one action: out of the inbox, still open (so they keep counting against the
source's limit), undoable.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import DomainError

# New requests from one source from which the chair's inbox flags them as a burst.
BURST = 5


class TooManyFromSource(DomainError):
    status = 429


@dataclass(frozen=True)
class SourceLimits:
    devices: int
    open_requests: int

    @classmethod
    def of(cls, meeting_devices: int | None, meeting_open: int | None, default_devices: int,
           default_open: int) -> "SourceLimits":
        """The meeting's own values where the organiser set them, else the installation's."""
        return cls(meeting_devices or default_devices, meeting_open or default_open)


def check_source(limits: SourceLimits, open_from_source: int, other_devices_from_source: int,
                 device_known: bool) -> None:
    """Refuse a new request from a source that already has its share. A device that already filed from this
    source is not a new one: its own limit (max_open_per_device) applies to it."""
    if not device_known and other_devices_from_source >= limits.devices:
        raise TooManyFromSource(
            "too_many_devices_from_source",
            "Đã có quá nhiều điện thoại gửi ý kiến từ cùng một mạng (tối đa %(limit)s). "
            "Vui lòng gặp ban tổ chức để được hỗ trợ.", limit=limits.devices)
    if open_from_source >= limits.open_requests:
        raise TooManyFromSource(
            "too_many_open_from_source",
            "Đã có quá nhiều ý kiến đang chờ gửi từ cùng một mạng (tối đa %(limit)s). "
            "Vui lòng chờ hoặc gặp ban tổ chức để được hỗ trợ.", limit=limits.open_requests)


def source_tag(source_hash: str | None) -> str | None:
    """What the chair sees of a source: a short label to group by, nothing that leads back to the address."""
    return source_hash[:8] if source_hash else None

"""One idempotency key names one draft: the same text sent again under its key is a retry (the request already
filed answers it); another text under a key already used is a different request, never to be taken for a retry
of the first (it would be swallowed)."""
from __future__ import annotations

from .errors import Conflict


def draft_text(content: str | None) -> str:
    """What makes two submissions the same draft: the request's text, whitespace aside."""
    return " ".join((content or "").split())


def check_retry(stored_content: str | None, sent_content: str | None) -> None:
    """Return if `sent_content` is a retry of the request stored under the same key; raise Conflict if not."""
    if draft_text(stored_content) != draft_text(sent_content):
        raise Conflict("idempotency_key_reused",
                       "Mã gửi phiếu này đã được dùng cho một ý kiến khác; ý kiến mới cần được gửi với mã mới. "
                       "Vui lòng bấm “Gửi ý kiến” lần nữa.")

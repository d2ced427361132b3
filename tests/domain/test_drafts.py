"""One idempotency key names one draft (moderator/domain/drafts.py), alone."""
import pytest

from moderator.domain.drafts import check_retry, draft_text
from moderator.domain.errors import Conflict


def test_the_same_text_again_is_a_retry_whatever_its_spacing():
    assert draft_text("  Đề nghị  sửa\n đường ") == "Đề nghị sửa đường"
    check_retry("Đề nghị sửa đường", " Đề nghị  sửa\nđường ")


def test_another_text_under_a_used_key_is_refused_with_a_clear_code():
    with pytest.raises(Conflict) as e:
        check_retry("Đề nghị sửa đường", "Đề nghị lắp đèn đường")
    assert e.value.status == 409 and e.value.code == "idempotency_key_reused"
    assert "ý kiến khác" in e.value.message

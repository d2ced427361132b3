import pytest

from moderator.domain.floods import SourceLimits, TooManyFromSource, check_source, source_tag

LIMITS = SourceLimits(devices=3, open_requests=5)


def test_the_meeting_overrides_the_installation_defaults():
    assert SourceLimits.of(None, None, 10, 20) == SourceLimits(10, 20)
    assert SourceLimits.of(300, None, 10, 20) == SourceLimits(300, 20)
    assert SourceLimits.of(300, 900, 10, 20) == SourceLimits(300, 900)


def test_a_new_device_is_refused_once_the_source_has_its_share():
    check_source(LIMITS, open_from_source=2, other_devices_from_source=2, device_known=False)
    with pytest.raises(TooManyFromSource) as e:
        check_source(LIMITS, open_from_source=2, other_devices_from_source=3, device_known=False)
    assert e.value.code == "too_many_devices_from_source" and e.value.status == 429
    assert e.value.details == {"limit": 3}


def test_a_known_device_is_not_a_new_one_but_the_open_limit_holds_for_all():
    check_source(LIMITS, open_from_source=4, other_devices_from_source=3, device_known=True)
    with pytest.raises(TooManyFromSource) as e:
        check_source(LIMITS, open_from_source=5, other_devices_from_source=0, device_known=True)
    assert e.value.code == "too_many_open_from_source" and e.value.details == {"limit": 5}


def test_the_chair_sees_a_short_tag_only():
    assert source_tag("0123456789abcdef" * 2) == "01234567" and source_tag(None) is None

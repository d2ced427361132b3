"""Forecast of how many queued speakers can be reached, and each delegate's wait."""

import math

import pytest

from moderator.domain.forecast import (
    Forecast,
    average_turn_seconds,
    estimated_wait_seconds,
    forecast,
)


def test_average_of_past_turns():
    result = forecast(remaining_seconds=600, durations=[100, 140], queued=10, default_seconds=180)
    assert result == Forecast(avg_seconds=120.0, can_reach=5, not_reached=5)


def test_default_when_nobody_has_spoken_yet():
    result = forecast(remaining_seconds=900, durations=[], queued=8, default_seconds=180)
    assert result == Forecast(avg_seconds=180.0, can_reach=5, not_reached=3)


def test_can_reach_is_capped_by_the_queue():
    result = forecast(remaining_seconds=3600, durations=[120], queued=4, default_seconds=180)
    assert result == Forecast(avg_seconds=120.0, can_reach=4, not_reached=0)


def test_a_turn_that_does_not_fit_entirely_is_not_counted():
    result = forecast(remaining_seconds=599, durations=[120], queued=10, default_seconds=180)
    assert result.can_reach == 4
    assert result.not_reached == 6


def test_float_noise_does_not_lose_a_turn():
    assert forecast(0.3, [0.1], 10, 1).can_reach == 3
    assert forecast(600, [200, 200, 200], 10, 1).can_reach == 3


@pytest.mark.parametrize("remaining", [0, -30, math.nan])
def test_no_time_left(remaining):
    result = forecast(remaining_seconds=remaining, durations=[120], queued=6, default_seconds=180)
    assert result.can_reach == 0
    assert result.not_reached == 6


def test_no_end_time():
    assert forecast(math.inf, [120], 6, 180).can_reach == 6


def test_empty_queue():
    assert forecast(600, [120], 0, 180) == Forecast(avg_seconds=120.0, can_reach=0, not_reached=0)


def test_unusable_durations_are_ignored():
    assert average_turn_seconds([0, -5, math.nan, math.inf, 90, 150], 180) == 120.0
    assert average_turn_seconds([0, math.nan], 180) == 180.0


def test_bad_default_or_queue():
    with pytest.raises(ValueError):
        forecast(600, [], 3, 0)
    with pytest.raises(ValueError):
        forecast(600, [], 3, math.nan)
    with pytest.raises(ValueError):
        forecast(600, [120], -1, 180)
    with pytest.raises(ValueError):
        forecast(600, [120], 2.5, 180)


def test_invariants_hold():
    for remaining in [0, 59, 60, 61, 500, 10_000]:
        for queued in [0, 1, 7, 40]:
            result = forecast(remaining, [45, 75], queued, 180)
            assert 0 <= result.can_reach <= queued
            assert result.can_reach + result.not_reached == queued
            assert result.can_reach * result.avg_seconds <= remaining + 1e-6


@pytest.mark.parametrize(
    "position, expected",
    [(1, 0.0), (2, 120.0), (5, 480.0), (0, 0.0), (-3, 0.0)],
)
def test_estimated_wait(position, expected):
    assert estimated_wait_seconds(position, 120.0) == expected


def test_estimated_wait_counts_the_turn_in_progress():
    assert estimated_wait_seconds(1, 120.0, current_remaining_seconds=45) == 45.0
    assert estimated_wait_seconds(3, 120.0, current_remaining_seconds=45) == 285.0
    assert estimated_wait_seconds(3, 120.0, current_remaining_seconds=-10) == 240.0


def test_estimated_wait_rejects_bad_average():
    assert estimated_wait_seconds(4, 0) == 0.0
    with pytest.raises(ValueError):
        estimated_wait_seconds(2, -1)
    with pytest.raises(ValueError):
        estimated_wait_seconds(2, math.nan)

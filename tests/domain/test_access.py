"""Back-off after failures and idle expiry: the rules the login, join-code and session defences apply."""
from moderator.domain.access import Backoff, is_idle_expired, wait_text_args

POLICY = Backoff(free=5, base=30.0, cap=900.0, window=3600.0)


def test_free_failures_cost_nothing_then_each_one_doubles_the_wait_up_to_the_cap():
    assert [POLICY.wait_for(n) for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 900, 900]


def test_the_wait_runs_from_the_last_failure_and_old_failures_are_forgotten():
    now = 10_000.0
    assert POLICY.retry_after([now - 50 + i for i in range(4)], now) == 0            # four typos: no wait
    assert POLICY.retry_after([now - 10 + i for i in range(5)], now) == 24           # 30 s from the 5th, at now-6
    assert POLICY.retry_after([now - 4000 + i for i in range(5)], now) == 0          # an hour ago: forgotten
    assert POLICY.retry_after([now - 40 + i for i in range(5)], now) == 0            # the wait is over


def test_idle_expiry_and_the_wait_message():
    assert not is_idle_expired(100.0, 100.0 + 239 * 60, 240 * 60)
    assert is_idle_expired(100.0, 100.0 + 240 * 60, 240 * 60)
    assert wait_text_args(30)[1] == {"seconds": 30}
    assert wait_text_args(900)[1] == {"minutes": 15}

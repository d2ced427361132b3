"""Socket connects of one join code that arrive together share one meeting read (web/sockets.py SharedLookup):
2,000 phones connecting at once no longer hold 2,000 database reads in flight. Nothing is cached after the read,
so a meeting replaced on another worker is seen by the next connect."""
import threading
import time

import pytest

from moderator.web.sockets import SharedLookup


class _CountingEvent(threading.Event):
    waiting = 0
    lock = threading.Lock()

    def wait(self, timeout=None):
        with _CountingEvent.lock:
            _CountingEvent.waiting += 1
        return super().wait(timeout)


@pytest.fixture
def shared(monkeypatch):
    _CountingEvent.waiting = 0

    class Flight(SharedLookup._Flight):
        def __init__(self):
            super().__init__()
            self.done = _CountingEvent()

    monkeypatch.setattr(SharedLookup, "_Flight", Flight)
    return SharedLookup()


def _until(predicate, what):
    deadline = time.monotonic() + 30   # a guard against hanging, not a timing assertion
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def _run_together(shared, n, load):
    """A leader inside `load`, then n - 1 followers waiting on it; returns (threads, results, errors)."""
    results, errors = [None] * n, [None] * n

    def call(i):
        try:
            results[i] = shared(("rt", "DEMO"), load)
        except Exception as e:  # noqa: BLE001
            errors[i] = e

    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    threads[0].start()
    return threads, results, errors


def test_connects_arriving_during_a_read_share_it_and_the_next_one_reads_again(shared):
    entered, gate, calls = threading.Event(), threading.Event(), []

    def load():
        calls.append(1)
        entered.set()
        gate.wait()
        return object()

    threads, results, errors = _run_together(shared, 20, load)
    entered.wait()
    for t in threads[1:]:
        t.start()
    _until(lambda: _CountingEvent.waiting == 19, "followers did not wait for the leader's read")
    gate.set()
    for t in threads:
        t.join()
    assert errors == [None] * 20
    assert len(calls) == 1                              # one read for 20 connects
    assert all(r is results[0] for r in results)
    assert shared._flights == {}                        # nothing kept ...
    after = shared(("rt", "DEMO"), lambda: "replaced")  # ... so a later connect reads the database again
    assert after == "replaced"


def test_a_failed_read_fails_its_caller_and_each_follower_reads_for_itself(shared):
    entered, gate, calls = threading.Event(), threading.Event(), []

    def load():
        calls.append(1)
        if len(calls) == 1:
            entered.set()
            gate.wait()
            raise RuntimeError("database went away")
        return "meeting"

    threads, results, errors = _run_together(shared, 5, load)
    entered.wait()
    for t in threads[1:]:
        t.start()
    _until(lambda: _CountingEvent.waiting == 4, "followers did not wait for the leader's read")
    gate.set()
    for t in threads:
        t.join()
    assert isinstance(errors[0], RuntimeError)
    assert errors[1:] == [None] * 4 and results[1:] == ["meeting"] * 4
    assert len(calls) == 5
    assert shared._flights == {}


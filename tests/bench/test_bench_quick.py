"""The benchmarks in short (bench/run.py; the full run is `python -m bench`): the real server under eventlet,
50 phones in 2 processes. Asserts what must hold at any size — nothing missed, lost or duplicated, everyone back
in sync — and no timings (the machine is shared)."""
from __future__ import annotations

import pytest

from bench.run import ChairActions, Fleet, burst, fanout, start_moderator, storm


@pytest.fixture(scope="module")
def bench_server(tmp_path_factory):
    srv = start_moderator("eventlet", tmp_path_factory.mktemp("bench") / "instance")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def phones(bench_server):
    fleet = Fleet(bench_server.url, 50, procs=2)
    try:
        conn = fleet.connect()
        # every phone connected and fetched its snapshot (as live.js does) before the scenarios start
        assert (conn["ok"], conn["failed"], conn["attempts_failed"]) == (50, 0, 0), conn
        assert conn["snapshots_after_s"] is not None
        yield fleet
    finally:
        fleet.stop()


def test_chair_actions_reach_every_phone(bench_server, phones):
    res = fanout(phones, ChairActions(bench_server), count=5, spacing=0.3)
    assert res["missed"] == 0, res
    assert res["deliveries"] == 5 * 50


def test_burst_of_submissions_all_acknowledged_none_lost_none_duplicated(bench_server, phones):
    res = burst(bench_server, 30, 2.0)
    assert res["acknowledged"] == 30, res
    assert res["errors"] == 0 and res["statuses"] == {201: 30}, res
    assert res["lost"] == 0 and res["duplicated"] == 0 and res["replays_created"] == 0, res


def test_reconnect_storm_everyone_back_in_sync(bench_server, phones):
    actions = ChairActions(bench_server)
    actions.current_version()
    res = storm(phones, actions)
    assert res["dropped"] == 50
    assert res["all_synced"] and res["in_sync"] == 50, res
    assert res["reconnected"] == 50, res

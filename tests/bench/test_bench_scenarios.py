"""The benchmark's newer scenarios in short (bench/run.py, bench/hall.py; full sizes in `python -m bench`): the
same four on PostgreSQL, database contention, exports and the chair console of a long meeting, and several
meetings over two workers behind nginx. Each asserts what must hold at any size (nothing missed, lost, leaked
or refused) and no timings: the machine is shared."""
from __future__ import annotations

import pytest

from bench import hall
from bench.run import ChairActions, Fleet, burst, contention, fanout, start_moderator, storm
from tests.support.services import redis_url_or_skip

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    srv = start_moderator("eventlet", tmp_path_factory.mktemp("bench-sqlite") / "instance")
    yield srv
    srv.stop()


def test_the_four_scenarios_on_postgresql(tmp_path, pg_url):
    srv = start_moderator("eventlet", tmp_path / "instance", database_url=pg_url)
    try:
        fleet = Fleet(srv.url, 20, procs=2)
        try:
            assert fleet.connect()["ok"] == 20
            actions = ChairActions(srv)
            res = fanout(fleet, actions, count=3, spacing=0.3)
            assert res["missed"] == 0 and res["deliveries"] == 3 * 20, res
            b = burst(srv, 15, 1.5)
            assert b["acknowledged"] == 15 and b["lost"] == 0 and b["duplicated"] == 0, b
            actions.current_version()
            s = storm(fleet, actions)
            assert s["all_synced"] and s["in_sync"] == 20, s
        finally:
            fleet.stop()
    finally:
        srv.stop()


def test_contention_loses_nothing(sqlite_server):
    res = contention(sqlite_server, 20, 2.0, chair_every=0.5, autosave_every=0.5)
    sub = res["submissions"]
    assert sub["acknowledged"] == 20 and sub["lost"] == 0 and sub["duplicated"] == 0, res
    assert res["chair"]["calls"] >= 3 and res["chair"]["ok"] == res["chair"]["calls"], res
    assert res["autosave"]["calls"] >= 3 and res["autosave"]["ok"] == res["autosave"]["calls"], res
    assert res["autosave"]["lost"] == 0, res


def test_exports_and_the_console_of_a_long_meeting(sqlite_server):
    rt = hall.runtime(hall.sqlite_url(sqlite_server.instance))
    try:
        built = hall.province_meeting(rt, "TINH40", 40)
    finally:
        rt.engine.dispose()
    assert (built["answered_at_floor"], built["in_writing"], built["queued"], built["inbox"]) == (16, 8, 12, 4)
    docs = hall.exports(sqlite_server.url, built, repeat=1)
    assert {d["status"] for d in docs.values()} == {200}, docs
    assert all(d["bytes"] > 5000 for d in docs.values()), docs
    console = hall.console_reorder(sqlite_server.url, built, moves=3)
    assert console.get("moves") == 3 and console["queued_cards"] == 12, console


def test_meetings_over_two_workers_behind_nginx(tmp_path):
    if hall.nginx_path() is None:
        pytest.fail("nginx is not installed (apt-get install nginx-light)")
    redis_url_or_skip()
    res = hall.scaleout(tmp_path, n_meetings=2, phones_per=10, actions_per=2, spacing=0.2, log=lambda m: None,
                        spread_phones=10, spread_actions=3)
    assert res["connect"]["ok"] == 20, res
    assert res["all"]["missed"] == 0 and res["all"]["deliveries"] == 2 * 2 * 10, res
    assert res["leaks"] == 0, res
    assert res["spread"]["missed"] == 0 and res["one_worker"]["missed"] == 0, res

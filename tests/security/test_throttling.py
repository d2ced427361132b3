"""Login throttling and join-code sweeps (issue 12), against the real server, with strangers on other loopback
addresses (127.0.0.2, …): the server sees each as another device in the hall."""
from __future__ import annotations

import time

import pytest
import requests
import socketio

from tests.support.server import ServerProcess

from .access_helpers import PASSWORD, client_from, create_admin, login


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("throttle") / "instance", demo=True).start()
    create_admin(srv)
    yield srv
    srv.stop()


def test_ten_wrong_passwords_from_a_stranger_do_not_lock_the_organiser_out(hall):
    stranger = client_from("127.0.0.2")
    codes = []
    for i in range(10):
        _s, r = login(hall.url, stranger, password=f"doan-mo-{i}")
        codes.append(r.status_code)
        if r.status_code == 429:
            wait = int(r.headers["Retry-After"])
            assert 0 < wait <= 15 * 60
            assert "quá nhiều lần" in r.text and "giây" in r.text
    assert codes[:5] == [400] * 5, codes          # five honest typos cost nothing
    assert codes[5:] == [429] * 5, codes          # then the stranger waits (and is not even checked)
    _s, r = login(hall.url, stranger)             # the right password from the stranger's address waits too
    assert r.status_code == 429
    # The organiser, from the office laptop's address, logs in at once.
    office, r = login(hall.url, client_from("127.0.0.1"))
    assert r.status_code == 303, r.text
    assert office.get(hall.url + "/admin/", allow_redirects=False, timeout=10).status_code == 200


def test_one_address_trying_many_accounts_is_slowed_down(hall):
    sprayer = client_from("127.0.0.5")
    codes = [login(hall.url, sprayer, username=f"canbo{i}", password="123456")[1].status_code for i in range(22)]
    assert codes[:20] == [400] * 20 and codes[20:] == [429] * 2, codes
    _s, r = login(hall.url, client_from("127.0.0.6"))
    assert r.status_code == 303


def test_sweeping_join_codes_is_slowed_down_and_learns_nothing(hall):
    sweeper = client_from("127.0.0.3")
    statuses = [sweeper.get(hall.url + f"/j/Q{i:04d}", timeout=10).status_code for i in range(20)]
    assert statuses == [404] * 20, statuses        # twenty typos cost nothing
    r = sweeper.get(hall.url + "/j/Q0020", timeout=10)
    blocked_at = time.monotonic()
    assert r.status_code == 429 and "thử sai quá nhiều lần" in r.text
    wait = int(r.headers["Retry-After"])
    assert wait >= 1
    # While it waits, a real code it never opened answers exactly like a made-up one: no oracle.
    checks = [sweeper.get(hall.url + "/j/DEMO", timeout=10),
              sweeper.get(hall.url + "/api/v1/meetings/DEMO/public", timeout=10),
              sweeper.get(hall.url + "/j/Q0021", timeout=10)]
    if time.monotonic() - blocked_at < wait:       # (on a machine slow enough to outlast the wait, no claim)
        assert [c.status_code for c in checks] == [429, 429, 429]
        assert checks[1].json()["error"]["code"] == "join_code_throttled"
        assert int(checks[1].headers["Retry-After"]) >= 1
    # Another phone of the hall, on its own address, joins as usual.
    assert client_from("127.0.0.4").get(hall.url + "/j/DEMO", timeout=10).status_code == 200


def test_a_hall_behind_one_address_keeps_its_meeting_while_a_sweeper_shares_it(hall):
    nat = client_from("127.0.0.7")
    assert nat.get(hall.url + "/j/DEMO", timeout=10).status_code == 200     # the hall opened its meeting
    for i in range(20):
        nat.get(hall.url + f"/api/v1/meetings/Z{i:04d}/public", timeout=10)  # someone behind the NAT sweeps
    r = nat.get(hall.url + "/j/Z9999", timeout=10)
    assert r.status_code == 429
    assert nat.get(hall.url + "/j/DEMO", timeout=10).status_code == 200
    assert nat.get(hall.url + "/api/v1/meetings/DEMO/public", timeout=10).status_code == 200


def test_sweeping_over_the_socket_is_refused_too(hall):
    # The socket handshake is a request like any other: many unknown meetings from one address, then refusal.
    refused = 0
    for i in range(22):
        if i == 19:
            before_20th_miss = time.monotonic()   # the server counts the 20th unknown code after this instant
        c = socketio.Client(reconnection=False)
        try:   # a refusal answers at once: a short wait bounds a lost answer (seen: 20 s over 22 tries)
            c.connect(hall.url, auth={"meeting": f"S{i:04d}"}, transports=["polling"], wait_timeout=2)
        except socketio.exceptions.ConnectionError:
            refused += 1
        finally:
            if c.connected:
                c.disconnect()
    assert refused == 22
    r = requests.get(hall.url + "/j/S9999", timeout=10)   # this test's client is 127.0.0.1
    elapsed = time.monotonic() - before_20th_miss
    # The first wait is 2 s from the 20th miss (on a machine slow enough to outlast it, no claim).
    if elapsed < 2.0:
        assert r.status_code == 429, f"{elapsed:.2f} s after the 20th unknown code"

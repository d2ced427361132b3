"""PostgreSQL drops every connection of the server (a restart, a failover, an administrator's
pg_terminate_backend): the pool holds only dead ones. The next calls must still work — the chair's move is
stored and reaches the phones, the public page answers — without a 5xx. The pool pings a connection that sat idle
before handing it out (db/engine.py _ping_after_idle) and replaces a dead one."""
import time

import psycopg
from sqlalchemy.engine import make_url

from moderator.db.engine import PING_AFTER_IDLE_SECONDS
from tests.realtime.test_live_server import Listener
from tests.support.server import ServerProcess


def _terminate_backends(url: str) -> int:
    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname="postgres",
                         autocommit=True) as admin:
        rows = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()", (u.database,)).fetchall()
    return len(rows)


def test_calls_after_postgresql_dropped_every_connection(tmp_path, pg_url):
    srv = ServerProcess(tmp_path / "instance", demo=True, env={"DATABASE_URL": pg_url,
                                                               "MODERATOR_PUBLIC_COALESCE_MS": "0"}).start()
    phone = None
    try:
        staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
        for r in [r for r in staff["requests"] if r["status"] == "submitted"][:2]:
            assert srv.api("POST", f"/meetings/DEMO/requests/{r['id']}/accept", role="chair", json={}).ok
        head = min((r for r in srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["requests"]
                    if r["status"] == "accepted"), key=lambda r: (r.get("queue_position") or 0, r["ticket"]))
        phone = Listener(srv.url, {"meeting": "DEMO", "scope": "public"})
        # a few calls so the pool holds several connections, all of which are then cut
        for _ in range(3):
            assert srv.api("GET", "/meetings/DEMO/public").ok
        assert _terminate_backends(pg_url) >= 1
        time.sleep(PING_AFTER_IDLE_SECONDS + 0.5)

        moved = srv.api("POST", f"/meetings/DEMO/queue/{head['id']}/move", role="chair", json={"to": "down"})
        assert moved.status_code == 200, moved.text
        v = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()["v"]
        msg = phone.wait_for("public", lambda m: m["v"] == v)
        assert msg["state"]["queue"][1] == head["ticket"]
        public = srv.api("GET", "/meetings/DEMO/public")
        assert public.status_code == 200 and public.json()["v"] == v
    finally:
        if phone is not None:
            phone.close()
        srv.stop()

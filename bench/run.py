"""Moderator benchmarks: the real server against a bare Flask-SocketIO broadcast server, in one run.

    python -m bench                 # full run (eventlet and gevent, SQLite and PostgreSQL, contention, exports and
                                    # chair console, 20 meetings x 300 phones behind nginx; ~20 minutes on a quiet
                                    # machine), writes docs/performance.md
    python -m bench --quick         # small sizes, a smoke run (~1.5 minutes), writes nothing unless --out
    python bench/run.py [--quick] [--modes eventlet,gevent] [--dbs sqlite,postgresql] [--phones 300] [--crowd 2000]
                        [--contention 300] [--exports 500] [--scaleout 20x300] [--only fanout|scaleout]
                        [--reuse EARLIER.json] [--out FILE] [--json FILE]

Phones are python-socketio AsyncClients over websocket, many per process, in separate processes
(bench/clients.py). Times are wall-clock on the same machine: a chair action is timed from the moment its HTTP
call is sent to the moment each phone has a `public` message whose `v` includes it.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.clients import worker_main  # noqa: E402
from tests.support.server import ServerProcess, free_port, wait_healthy  # noqa: E402

MEETING = "DEMO"


# -- numbers -------------------------------------------------------------------------------------------------------
def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def summary(values) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p99": pct(values, 99), "max": max(values) if values else None}


def rss_mb(pid: int) -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return {"rss_mb": out.get("VmRSS"), "peak_rss_mb": out.get("VmHWM")}


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process has used: unlike wall time, it does not depend on what else runs."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        mem = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 1024 / 1024:.1f} GB"
    except (OSError, ValueError):
        pass
    import engineio
    import flask_socketio
    import socketio
    versions = {"python": platform.python_version(), "flask-socketio": flask_socketio.__version__ if hasattr(
        flask_socketio, "__version__") else _dist("flask-socketio"), "python-socketio": _dist("python-socketio"),
        "python-engineio": _dist("python-engineio"), "eventlet": _dist("eventlet"), "gevent": _dist("gevent"),
        "sqlalchemy": _dist("sqlalchemy")}
    del engineio, socketio
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": platform.platform(), "versions": versions}


def _dist(name):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


# -- servers ---------------------------------------------------------------------------------------------------------
class BareServer:
    """bench/bare_server.py in a subprocess."""

    def __init__(self, async_mode="eventlet"):
        self.async_mode = async_mode
        self.port = free_port()
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20.0):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port",
                                      str(self.port), "--async-mode", self.async_mode], cwd=str(ROOT),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_healthy(self.url, time.time() + timeout):
            raise RuntimeError("bare server did not start")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_moderator(async_mode: str, instance: Path, extra_env: dict | None = None,
                    database_url: str | None = None, demo: bool = True) -> ServerProcess:
    env = {"MODERATOR_RATE_IP": "100000"}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra_env or {})
    return ServerProcess(instance, demo=demo, async_mode=async_mode, env=env).start(timeout=60)


class Database:
    """The database one Moderator server of the run uses: its default SQLite file, or a fresh PostgreSQL database
    on the local server (created for this run, dropped after, as tests/support/services.py does)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.url = None

    def __enter__(self) -> "Database":
        if self.kind == "postgresql":
            from tests.support.services import fresh_pg_database
            self.url = fresh_pg_database()
        return self

    def __exit__(self, *exc):
        if self.url:
            from tests.support.services import drop_pg_database
            drop_pg_database(self.url)


# -- phones ----------------------------------------------------------------------------------------------------------
class Fleet:
    """N phones in `procs` processes."""

    def __init__(self, url: str, n: int, procs: int | None = None, tag: str | None = None,
                 meeting: str | list[str] = MEETING):
        """`meeting`: one join code, or a list (phone i joins meeting[i % len(meeting)])."""
        self.url, self.n = url, n
        self.meetings = [meeting] if isinstance(meeting, str) else list(meeting)
        self.tag = tag or uuid.uuid4().hex[:8]
        procs = procs or max(2, min(4, (n + 499) // 500))
        ctx = mp.get_context("spawn")
        self.workers = []
        per, rest = divmod(n, procs)
        first = 0
        for k in range(procs):
            count = per + (1 if k < rest else 0)
            parent, child = ctx.Pipe()
            p = ctx.Process(target=worker_main, args=(child, url, first, count, meeting, self.tag), daemon=True)
            p.start()
            self.workers.append((p, parent))
            first += count
        self.records: dict[int, list] = {i: [] for i in range(n)}

    def _all(self, cmd, timeout=180):
        for _, c in self.workers:
            c.send(cmd)
        out = []
        for _, c in self.workers:
            if not c.poll(timeout):
                raise TimeoutError(f"phones did not answer {cmd[0]}")
            out.append(c.recv())
        return out

    def connect(self, rate: float | None = None, within: float = 60.0) -> dict:
        """`rate`: phones per second over the whole fleet (None: all at once); a phone retries a failed handshake
        until `within` s after the start, as a real one does."""
        t0 = time.time()
        per_proc = rate / len(self.workers) if rate else None
        res = self._all(("connect", per_proc, within), timeout=within + 120)
        errors: dict[str, int] = {}
        for r in res:
            for kind, n in r.get("errors", {}).items():
                errors[kind] = errors.get(kind, 0) + n
        out = {"ok": sum(r["ok"] for r in res), "failed": sum(r["failed"] for r in res),
               "seconds": round(time.time() - t0, 1), "rate_per_s": rate,
               "attempts_failed": sum(r.get("attempts_failed", 0) for r in res),
               "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5])}
        # Each phone fetches its snapshot after connecting (as static/js/live.js does): the scenarios start once
        # they all hold one, so the first chair action does not share the server with 300 snapshot requests
        # still in flight (a hall's phones arrive over minutes; the reconnect storm measures the other case).
        out["snapshots_after_s"] = self.wait_snapshots(timeout=30)
        return out

    def wait_snapshots(self, timeout: float) -> float | None:
        t0 = time.time()
        while True:
            self.collect()
            if all(any(kind == "s" for _, _, kind in recs) for recs in self.records.values()):
                return round(time.time() - t0, 2)
            if time.time() - t0 > timeout:
                return None
            time.sleep(0.1)

    def collect(self) -> dict[int, list]:
        for res in self._all(("records",)):
            for i, recs in res.items():
                self.records[i].extend(recs)
        return self.records

    def clear(self):
        self.collect()
        self.records = {i: [] for i in range(self.n)}

    def drop(self) -> int:
        return sum(r["dropped"] for r in self._all(("drop",)))

    def connected(self) -> int:
        return sum(r["connected"] for r in self._all(("status",)))

    def leaks(self) -> int:
        """`public` messages of another meeting than the phone's own."""
        return sum(r["leaks"] for r in self._all(("status",)))

    def records_of(self, meeting: str) -> dict[int, list]:
        return {i: recs for i, recs in self.records.items() if self.meetings[i % len(self.meetings)] == meeting}

    def max_v(self) -> dict[int, int]:
        return {i: max((v for v, _, _ in recs if isinstance(v, int)), default=-1) for i, recs in self.records.items()}

    def wait_all_at(self, v: int, timeout: float) -> bool:
        deadline = time.time() + timeout
        while True:
            self.collect()
            if all(m >= v for m in self.max_v().values()):
                return True
            if time.time() > deadline:
                return False
            time.sleep(0.25)

    def stop(self):
        try:
            self._all(("stop",), timeout=30)
        except Exception:  # noqa: BLE001
            pass
        for p, c in self.workers:
            p.join(5)
            if p.is_alive():
                p.kill()
            c.close()


def deliveries(records: dict[int, list], actions: list[tuple[int, float]]) -> dict:
    """actions: [(target v, time the HTTP call was sent)]. For each phone and action, the first record with a v that
    includes it, received after the call."""
    lat, last_per_action, missed = [], [], 0
    for v_target, t0 in actions:
        worst = 0.0
        for recs in records.values():
            times = [t for v, t, _ in recs if isinstance(v, int) and v >= v_target and t >= t0]
            if not times:
                missed += 1
                continue
            ms = (min(times) - t0) * 1000
            lat.append(ms)
            worst = max(worst, ms)
        last_per_action.append(worst)
    s = summary(lat)
    return {"deliveries": s["n"], "missed": missed, "p50_ms": _r(s["p50"]), "p99_ms": _r(s["p99"]),
            "max_ms": _r(s["max"]), "last_phone_median_ms": _r(statistics.median(last_per_action))
            if last_per_action else None}


def _r(x):
    return None if x is None else round(x, 1)


# -- actions ---------------------------------------------------------------------------------------------------------
class ChairActions:
    """Chair actions on the real server: moves a queued request down and up (a reorder the projector and phones
    show). Each bumps the meeting version by one."""

    def __init__(self, srv: ServerProcess, meeting: str = MEETING, key: str | None = None, url: str | None = None):
        self.srv = srv
        self.s = requests.Session()
        self.s.headers["X-Role-Key"] = key or srv.keys["chair"]
        base = f"{url or srv.url}/api/v1/meetings/{meeting}"
        self.base = base
        staff = self.s.get(base + "/staff", timeout=60).json()
        queued = [r for r in staff["requests"] if r["status"] == "accepted"]
        for r in [r for r in staff["requests"] if r["status"] == "submitted"][:max(0, 3 - len(queued))]:
            self.s.post(f"{base}/requests/{r['id']}/accept", json={}, timeout=60).raise_for_status()
        staff = self.s.get(base + "/staff", timeout=60).json()
        queued = sorted((r for r in staff["requests"] if r["status"] == "accepted"),
                        key=lambda r: (r.get("queue_position") or 0, r["ticket"]))
        self.rid = queued[0]["id"]
        self.version = staff["v"]
        self.flip = False

    def current_version(self) -> int:
        self.version = self.s.get(self.base + "/public", timeout=60).json()["v"]
        return self.version

    def act(self) -> tuple[int, float]:
        self.flip = not self.flip
        t0 = time.time()
        r = self.s.post(f"{self.base}/queue/{self.rid}/move", json={"to": "down" if self.flip else "up"}, timeout=60)
        r.raise_for_status()
        self.version += 1
        return self.version, t0


class BareActions:
    def __init__(self, url: str, state: dict):
        self.url = url
        self.state = state
        self.s = requests.Session()
        self.version = 0

    def current_version(self):
        return self.version

    def act(self) -> tuple[int, float]:
        self.version += 1
        state = dict(self.state, v=self.version, server_now=int(time.time() * 1000))
        t0 = time.time()
        self.s.post(self.url + "/emit", json={"v": self.version, "state": state}, timeout=60).raise_for_status()
        return self.version, t0


def fanout(fleet: Fleet, actions, count: int, spacing: float, pid: int | None = None) -> dict:
    fleet.clear()
    c0 = cpu_ms(pid) if pid else None
    done = []
    for _ in range(count):
        done.append(actions.act())
        time.sleep(spacing)
    fleet.wait_all_at(done[-1][0], timeout=15)
    res = deliveries(fleet.records, done)
    res["phones"] = fleet.n
    res["actions"] = count
    if pid:
        res["server_cpu_ms_per_action"] = _r((cpu_ms(pid) - c0) / count)
    return res


# -- submissions -----------------------------------------------------------------------------------------------------
def submission(i: int, tag: str) -> tuple[dict, dict]:
    headers = {"X-Device-Token": f"{tag}-dev-{i:05d}"}
    body = {"full_name": f"Người dự {i}", "locality": "Thôn Đông", "content": f"Ý kiến thử tải {tag} số {i:05d}",
            "phone": f"09{i:08d}", "address": "Xóm 3, Giao Minh", "consent": True, "idempotency_key": f"{tag}-{i:05d}"}
    return headers, body


def post_submission(url: str, i: int, tag: str, session=None, timeout=10.0, meeting: str = MEETING):
    headers, body = submission(i, tag)
    return (session or requests).post(f"{url}/api/v1/meetings/{meeting}/requests", json=body, headers=headers,
                                      timeout=timeout)


def staff_contents(srv: ServerProcess, url: str | None = None) -> list[str]:
    r = requests.get(f"{url or srv.url}/api/v1/meetings/{MEETING}/staff", headers={"X-Role-Key": srv.keys["chair"]},
                     timeout=30)
    r.raise_for_status()
    return [x["content"] for x in r.json()["requests"]]


def burst(srv: ServerProcess, n: int, seconds: float, tag: str | None = None) -> dict:
    tag = tag or uuid.uuid4().hex[:8]
    start = time.time() + 0.2
    acks, statuses, errors, acked = [], {}, 0, set()
    lock = threading.Lock()
    local = threading.local()

    def one(i):
        nonlocal errors
        when = start + i * seconds / n
        delay = when - time.time()
        if delay > 0:
            time.sleep(delay)
        if not hasattr(local, "s"):
            local.s = requests.Session()
        t0 = time.time()
        try:
            r = post_submission(srv.url, i, tag, local.s)
            ms = (time.time() - t0) * 1000
            with lock:
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code in (200, 201):
                    acks.append(ms)
                    acked.add(i)
        except requests.RequestException:
            with lock:
                errors += 1

    c0 = cpu_ms(srv.proc.pid)
    with ThreadPoolExecutor(max_workers=48) as ex:
        list(ex.map(one, range(n)))
    took = time.time() - start
    cpu_per = (cpu_ms(srv.proc.pid) - c0) / n
    contents = staff_contents(srv)
    marks = [f"Ý kiến thử tải {tag} số {i:05d}" for i in range(n)]
    counts = {m: 0 for m in marks}
    for c in contents:
        if c in counts:
            counts[c] += 1
    # a retry of every submission with the same idempotency key must not create anything
    with ThreadPoolExecutor(max_workers=16) as ex:
        replays = list(ex.map(lambda i: post_submission(srv.url, i, tag).status_code, range(n)))
    counts_after = {m: 0 for m in marks}
    for c in staff_contents(srv):
        if c in counts_after:
            counts_after[c] += 1
    s = summary(acks)
    return {"sent": n, "seconds": round(took, 1), "acknowledged": len(acks), "statuses": statuses,
            "errors": errors, "lost": sum(1 for i in acked if counts[marks[i]] == 0),
            "unacknowledged_stored": sum(1 for i in range(n) if i not in acked and counts[marks[i]]),
            "unacknowledged_not_stored": sum(1 for i in range(n) if i not in acked and not counts[marks[i]]),
            "duplicated": sum(max(0, counts_after[m] - 1) for m in marks),
            "replays_created": sum(1 for st in replays if st == 201),
            "ack_p50_ms": _r(s["p50"]), "ack_p99_ms": _r(s["p99"]), "ack_max_ms": _r(s["max"]),
            "server_cpu_ms_per_submission": _r(cpu_per)}


# -- database contention ---------------------------------------------------------------------------------------------
class Paced(threading.Thread):
    """Calls `fn` every `every` seconds until stopped; records (ok, milliseconds) of each call."""

    def __init__(self, fn, every: float):
        super().__init__(daemon=True)
        self.fn, self.every = fn, every
        self.stopping = threading.Event()
        self.calls: list[tuple[bool, float]] = []

    def run(self):
        nxt = time.time()
        while not self.stopping.is_set():
            t0 = time.time()
            try:
                ok = bool(self.fn())
            except requests.RequestException:
                ok = False
            self.calls.append((ok, (time.time() - t0) * 1000))
            nxt += self.every
            self.stopping.wait(max(0.0, nxt - time.time()))

    def stop(self) -> dict:
        self.stopping.set()
        self.join(30)
        ms = [m for _, m in self.calls]
        s = summary(ms)
        return {"calls": len(self.calls), "ok": sum(1 for ok, _ in self.calls if ok), "p50_ms": _r(s["p50"]),
                "p99_ms": _r(s["p99"]), "max_ms": _r(s["max"])}


class Autosave:
    """The secretary's screen saving the minutes entry of the intervention on the floor, as it autosaves while
    she types: each save sends the revision it was typed on and must be accepted (no one else edits it)."""

    def __init__(self, srv: ServerProcess, url: str | None = None):
        self.s = requests.Session()
        self.s.headers["X-Role-Key"] = srv.keys["secretary"]
        self.base = f"{url or srv.url}/api/v1/meetings/{MEETING}"
        staff = requests.get(self.base + "/staff", headers={"X-Role-Key": srv.keys["chair"]}, timeout=30).json()
        self.rid = staff["requests"][0]["id"]
        self.revision, self.first_rows = self._stored()
        self.saved = 0

    def _stored(self) -> tuple[int, int]:
        r = self.s.get(f"{self.base}/minutes/entries/{self.rid}/revisions", timeout=30)
        r.raise_for_status()
        return r.json()["revision"], len(r.json()["revisions"])

    def save(self) -> bool:
        r = self.s.put(f"{self.base}/minutes/entries/{self.rid}", timeout=30, json={
            "expected_revision": self.revision, "summary": f"Đại biểu nêu ý kiến về đường liên thôn (bản {self.saved + 1})"})
        if r.status_code == 200:
            self.revision = r.json()["entry"]["revision"]
            self.saved += 1
            return True
        return False

    def lost(self) -> int:
        """Saves acknowledged but missing from the stored revisions."""
        return self.first_rows + self.saved - self._stored()[1]


def contention(srv: ServerProcess, n: int, seconds: float, chair_every: float = 0.5, autosave_every: float = 1.0,
               url: str | None = None) -> dict:
    """A burst of submissions while the secretary autosaves the minutes and the chair reorders the queue: every
    writer takes the same database lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the meeting row)."""
    chair = ChairActions(srv, url=url)
    autosave = Autosave(srv, url=url)
    t_chair = Paced(lambda: chair.act()[0], chair_every)
    t_save = Paced(autosave.save, autosave_every)
    t_chair.start()
    t_save.start()
    try:
        sub = burst(srv, n, seconds)
    finally:
        chair_res, save_res = t_chair.stop(), t_save.stop()
    save_res["lost"] = autosave.lost()
    waits = [x for x in (sub.get("ack_max_ms"), chair_res["max_ms"], save_res["max_ms"]) if x is not None]
    return {"submissions": sub, "chair": chair_res, "autosave": save_res,
            "longest_wait_ms": max(waits) if waits else None}


# -- reconnect storm -------------------------------------------------------------------------------------------------
def storm(fleet: Fleet, actions: ChairActions, within: float = 5.0) -> dict:
    fleet.clear()
    t_drop = time.time()
    dropped = fleet.drop()
    v, _ = actions.act()            # the hall changes while the phones are away
    synced = fleet.wait_all_at(v, timeout=max(15.0, within * 3))
    sync_s = []
    for recs in fleet.records.values():
        times = [t for vv, t, _ in recs if isinstance(vv, int) and vv >= v]
        sync_s.append(min(times) - t_drop if times else float("inf"))
    finite = [x for x in sync_s if x != float("inf")]
    return {"phones": fleet.n, "dropped": dropped, "in_sync": len(finite),
            "in_sync_within_target": sum(1 for x in finite if x <= within), "all_synced": synced,
            "p50_s": _r(statistics.median(finite)) if finite else None,
            "all_in_sync_s": _r(max(sync_s)) if finite and len(finite) == len(sync_s) else None,
            "reconnected": fleet.connected()}


# -- scenarios -------------------------------------------------------------------------------------------------------
def guarded(log, label, fn, *args, **kw) -> dict:
    """Run one scenario; a failure is recorded as the figure (the machine may be too loaded), not fatal."""
    try:
        return fn(*args, **kw)
    except Exception as e:  # noqa: BLE001
        log(f"  {label} FAILED: {type(e).__name__}: {e}")
        return {"error": f"{type(e).__name__}: {str(e)[:200]}"}


def public_state(url: str) -> dict:
    return requests.get(f"{url}/api/v1/meetings/{MEETING}/public", timeout=10).json()


def run_bare(mode: str, phones: int, crowd: int, n_actions: int, spacing: float, state: dict, log) -> dict:
    out = {}
    srv = BareServer(mode).start()
    try:
        for label, n in (("fanout", phones), ("crowd", crowd)):
            if not n:
                continue
            fleet = Fleet(srv.url, n)
            try:
                conn = fleet.connect()
                log(f"  bare {mode}: {conn['ok']}/{n} phones connected in {conn['seconds']} s")
                res = guarded(log, label, fanout, fleet, BareActions(srv.url, state), n_actions, spacing,
                              srv.proc.pid)
                res.update(rss_mb(srv.proc.pid), connect=conn, phones=n)
                out[label] = res
                log(f"  bare {mode} {label}: {res}")
            finally:
                fleet.stop()
    finally:
        srv.stop()
    return out


def run_moderator(mode: str, phones: int, crowd: int, n_actions: int, spacing: float, burst_n: int,
                  burst_s: float, workdir: Path, log, db: str = "sqlite", contention_n: int = 0,
                  exports_n: int = 0, fanout_only: bool = False) -> dict:
    out = {"async_mode": mode, "db": db}
    with Database(db) as database:
        instance = workdir / f"instance-{mode}-{db}-{uuid.uuid4().hex[:6]}"
        srv = start_moderator(mode, instance, database_url=database.url)
        try:
            _moderator_scenarios(out, srv, mode, phones, crowd, n_actions, spacing, burst_n, burst_s, log,
                                 contention_n, fanout_only)
            if exports_n:
                from bench import hall
                url = database.url or hall.sqlite_url(instance)
                rt = hall.runtime(url)
                t0 = time.time()
                built = hall.province_meeting(rt, "TINH500", exports_n)
                rt.engine.dispose()
                log(f"  moderator {mode} {db}: meeting of {exports_n} requests built in {time.time() - t0:.0f} s")
                out["exports"] = guarded(log, "exports", hall.exports, srv.url, built) | {
                    "meeting": {k: v for k, v in built.items() if k != "keys"}}
                log(f"  moderator {mode} {db} exports: {out['exports']}")
                out["console"] = guarded(log, "console", hall.console_reorder, srv.url, built)
                log(f"  moderator {mode} {db} console: {out['console']}")
        finally:
            srv.stop()
    return out


def _moderator_scenarios(out, srv, mode, phones, crowd, n_actions, spacing, burst_n, burst_s, log,
                         contention_n, fanout_only: bool = False) -> None:
    actions = ChairActions(srv)
    out["public_payload_bytes"] = len(json.dumps(public_state(srv.url), ensure_ascii=False).encode())
    fleet = Fleet(srv.url, phones)
    try:
        conn = fleet.connect()
        log(f"  moderator {mode}: {conn['ok']}/{phones} phones connected in {conn['seconds']} s")
        out["fanout"] = guarded(log, "fanout", fanout, fleet, actions, n_actions, spacing, srv.proc.pid) | {
            "connect": conn, "phones": phones} | rss_mb(srv.proc.pid)
        log(f"  moderator {mode} fanout: {out['fanout']}")
        if fanout_only:
            return
        out["burst"] = guarded(log, "burst", burst, srv, burst_n, burst_s)
        log(f"  moderator {mode} burst: {out['burst']}")
        time.sleep(2)
        actions.current_version()
        c0 = cpu_ms(srv.proc.pid)
        out["storm"] = guarded(log, "storm", storm, fleet, actions)
        out["storm"]["server_cpu_ms_per_phone"] = _r((cpu_ms(srv.proc.pid) - c0) / phones)
        log(f"  moderator {mode} storm: {out['storm']}")
        if contention_n:
            time.sleep(2)
            out["contention"] = guarded(log, "contention", contention, srv, contention_n, burst_s)
            log(f"  moderator {mode} contention: {out['contention']}")
    finally:
        fleet.stop()
    if crowd:
        actions.current_version()
        fleet = Fleet(srv.url, crowd)
        try:
            conn = fleet.connect()
            log(f"  moderator {mode}: {conn['ok']}/{crowd} phones connected in {conn['seconds']} s")
            out["crowd"] = guarded(log, "crowd", fanout, fleet, actions, n_actions, spacing, srv.proc.pid) | {
                "connect": conn, "phones": crowd} | rss_mb(srv.proc.pid)
            log(f"  moderator {mode} crowd: {out['crowd']}")
        finally:
            fleet.stop()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes (50 phones, 30 submissions, no crowd)")
    p.add_argument("--modes", default="eventlet,gevent")
    p.add_argument("--phones", type=int)
    p.add_argument("--crowd", type=int)
    p.add_argument("--submissions", type=int)
    p.add_argument("--actions", type=int)
    p.add_argument("--burst-seconds", type=float)
    p.add_argument("--dbs", help="databases, comma-separated: sqlite, postgresql (default both; --quick: sqlite)")
    p.add_argument("--contention", type=int, help="submissions of the contention burst (0 = skip)")
    p.add_argument("--exports", type=int, help="requests of the meeting exported and shown on the chair console "
                                               "(0 = skip)")
    p.add_argument("--scaleout", help="MEETINGSxPHONES over two workers behind nginx (0 = skip), e.g. 20x300")
    p.add_argument("--only", choices=["fanout", "scaleout"],
                   help="fanout: only the chair action to --phones phones (bare and Moderator, each --dbs); "
                        "scaleout: only the scale-out. Combine with --reuse for a whole report")
    p.add_argument("--out", help="write the report here (default docs/performance.md for a full run)")
    p.add_argument("--json", help="also write the raw figures as JSON")
    p.add_argument("--reuse", help="JSON of an earlier run: scenarios this run skips (e.g. --crowd 0) are taken "
                                   "from it and marked so in the report")
    args = p.parse_args(argv)
    quick = args.quick
    phones = args.phones or (50 if quick else 300)
    crowd = args.crowd if args.crowd is not None else (0 if quick else 2000)
    burst_n = args.submissions or (30 if quick else 300)
    burst_s = args.burst_seconds or (3.0 if quick else 10.0)
    n_actions = args.actions or (5 if quick else 20)
    spacing = 0.5
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    dbs = [d.strip() for d in (args.dbs or ("sqlite" if quick else "sqlite,postgresql")).split(",") if d.strip()]
    contention_n = args.contention if args.contention is not None else (30 if quick else 300)
    exports_n = args.exports if args.exports is not None else (40 if quick else 500)
    scale = args.scaleout if args.scaleout is not None else ("2x20" if quick else "20x300")
    if args.only == "fanout":
        crowd, contention_n, exports_n, scale = 0, 0, 0, "0"
    scale_m, scale_p = (int(x) for x in scale.lower().split("x")) if scale not in ("0", "") else (0, 0)

    def log(msg):
        print(msg, flush=True)

    t_start = time.time()
    load_start = loadavg()
    results = {"machine": machine(), "command": "python " + " ".join(["-m bench"] + (argv or sys.argv[1:])),
               "sizes": {"phones": phones, "crowd": crowd, "submissions": burst_n, "burst_seconds": burst_s,
                         "actions": n_actions, "spacing_s": spacing, "contention": contention_n,
                         "exports": exports_n, "scaleout_meetings": scale_m, "scaleout_phones": scale_p,
                         "dbs": dbs}, "bare": {}, "moderator": {},
               "loadavg_start": load_start, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="moderator-bench-") as tmp:
        workdir = Path(tmp)
        # the bare server sends a copy of the real public state, so both send the same bytes
        if args.only != "scaleout":
            probe = start_moderator(modes[0], workdir / "probe")
            try:
                ChairActions(probe)
                state = public_state(probe.url)
            finally:
                probe.stop()
        for mode in (modes if args.only != "scaleout" else []):
            log(f"[{mode}] bare Flask-SocketIO broadcast server")
            results["bare"][mode] = run_bare(mode, phones, crowd, n_actions, spacing, state, log)
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
            for db in dbs:
                label = mode if db == "sqlite" else f"{mode} {db}"
                log(f"[{label}] Moderator (python run.py --demo --async-mode {mode}, {db})")
                results["moderator"][label] = run_moderator(
                    mode, phones, crowd, n_actions, spacing, burst_n, burst_s, workdir, log, db=db,
                    contention_n=contention_n, exports_n=exports_n if mode == modes[0] else 0,
                    fanout_only=args.only == "fanout")
                if args.json:
                    Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
        if scale_m:
            from bench import hall
            log(f"[scale-out] {scale_m} meetings × {scale_p} phones, 2 workers ({modes[0]}), nginx, Redis, "
                "PostgreSQL")
            results["scaleout"] = guarded(log, "scale-out", hall.scaleout, workdir, scale_m, scale_p,
                                          max(2, n_actions // 4), 0.25, log, mode=modes[0], spread_phones=phones)
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    results["seconds"] = round(time.time() - t_start)
    if args.reuse:
        earlier = json.loads(Path(args.reuse).read_text())
        for kind in ("bare", "moderator"):
            for mode, scen in earlier.get(kind, {}).items():
                mine = results[kind].setdefault(mode, {})
                for key, val in scen.items():
                    if key not in mine:
                        mine[key] = dict(val, reused_from=earlier.get("started", "?")) if isinstance(val, dict) \
                            else val
        if "scaleout" not in results and earlier.get("scaleout"):
            results["scaleout"] = dict(earlier["scaleout"], reused_from=earlier.get("started", "?"),
                                       reused_command=earlier.get("command"),
                                       reused_loadavg=earlier.get("loadavg_start"))
        results["reused"] = {"file": args.reuse, "started": earlier.get("started"),
                             "command": earlier.get("command"), "loadavg_start": earlier.get("loadavg_start")}
        if not crowd:
            results["sizes"]["crowd"] = earlier.get("sizes", {}).get("crowd", 0)
    results["loadavg_end"] = loadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    out = args.out or (None if quick else str(ROOT / "docs" / "performance.md"))
    if out:
        from bench.report import render
        previous = Path(out).read_text() if Path(out).exists() else ""
        Path(out).write_text(render(results, previous))
        log(f"report written to {out}")
    else:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Meetings at scale for the benchmark, and the scenarios that need them: exports of a 500-request meeting, the
chair console rendering a reorder in chromium, and 20 meetings over two workers behind nginx.

Meetings are built by the benchmark process itself through the services (the same unit of work the server uses),
on the server's database, while the server runs: the server sees them as committed changes."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import subprocess
import time
import uuid
from pathlib import Path

import requests

from moderator.domain.enums import AnswerMode, Role, Source, SubmitterKind
from moderator.services import floor, meetings, minutes, requests as reqs
from moderator.services.runtime import Runtime
from moderator.services.uow import SYSTEM, Actor

CHAIR = Actor(Role.CHAIR, "bench")
CLERK = Actor(Role.SECRETARY, "bench")


def runtime(database_url: str) -> Runtime:
    return Runtime.from_url(database_url)


def sqlite_url(instance: Path) -> str:
    return f"sqlite:///{Path(instance) / 'moderator.db'}"


def create_meeting(rt: Runtime, code: str, preset: str = "commune", title: str | None = None) -> dict[str, str]:
    """A meeting open for registration, with its chair, secretary and projector keys."""
    meetings.create_meeting(rt, SYSTEM, meetings.MeetingSpec(
        title=title or f"Hội nghị đối thoại thử tải {code}", preset=preset, code=code,
        organiser="ỦY BAN NHÂN DÂN", venue="Hội trường", place_name="Thử tải", date=dt.date.today(),
        planned_start="07:30", planned_end="11:30"))
    meetings.set_registration(rt, code, SYSTEM, True)
    return {role.value: meetings.create_role_key(rt, SYSTEM, code, role, label=f"bench {role.value}")
            for role in (Role.CHAIR, Role.SECRETARY, Role.PROJECTOR)}


def contents(n: int, seed: int = 14) -> list[str]:
    """`n` different requests in the words of the demo's real ones (moderator/demo/recommendations.csv), drawn at
    random, and one in twenty a reworded copy of an earlier one: a hall's share of duplicates for the merge
    suggestions, not 500 copies of one sentence (which would suggest every pair)."""
    import random

    from moderator.demo import load_rows
    words = sorted({w.strip(".,;:()“”\"") for row in load_rows() for w in row["content"].split()} - {""})
    rnd = random.Random(seed)
    out: list[str] = []
    for i in range(n):
        if i >= 20 and i % 20 == 0:
            base = out[rnd.randrange(len(out))].split()
            base[rnd.randrange(len(base))] = rnd.choice(words)
            out.append(" ".join(base))
        else:
            out.append(" ".join(rnd.choice(words) for _ in range(rnd.randint(18, 40))).capitalize() + ".")
    return out


def add_requests(rt: Runtime, code: str, n: int, tag: str) -> list[int]:
    ids = []
    for i, text in enumerate(contents(n)):
        r, _ = reqs.submit(rt, code, SYSTEM, reqs.NewRequest(
            kind=SubmitterKind.CITIZEN, full_name=f"Người dự {i:04d}", locality=f"Thôn {i % 17 + 1}",
            content=text, phone=f"09{i:08d}", address=f"Xóm {i % 9 + 1}", source=Source.PRECOLLECTED,
            idempotency_key=f"{tag}-{i}"))
        ids.append(r.id)
    return ids


def province_meeting(rt: Runtime, code: str, n: int = 500) -> dict:
    """A province meeting of `n` requests as it stands near its end: 40 % answered at the floor with the
    secretary's minutes entries, 20 % answered in writing, 30 % still queued, 10 % in the inbox."""
    keys = create_meeting(rt, code, preset="province",
                          title="Hội nghị đối thoại giữa người đứng đầu cấp ủy, chính quyền tỉnh với Nhân dân")
    ids = add_requests(rt, code, n, f"prov-{code}")
    floor_n, writing_n, queued_n = int(n * 0.4), int(n * 0.2), int(n * 0.3)
    with rt.read() as s:
        from sqlalchemy import select

        from moderator.db.models import Meeting, Unit
        mid = s.scalar(select(Meeting.id).where(Meeting.code == code))
        unit = s.scalars(select(Unit).where(Unit.meeting_id == mid)).first()
    meetings.set_step(rt, code, CHAIR, 1)
    for rid in ids[:floor_n + writing_n + queued_n]:
        reqs.decide(rt, code, CHAIR, rid, reqs.Decision("accept"))
    for k, rid in enumerate(ids[:floor_n]):
        reqs.assign_answer(rt, code, CHAIR, [rid], reqs.Answer(
            unit.id if unit else None, "Giám đốc Sở Giao thông vận tải", AnswerMode.HALL,
            summary=f"Sở sẽ bố trí vốn sửa tuyến đường trong năm tới (ý kiến {k})."))
        floor.call(rt, code, CHAIR, rid)
        floor.start(rt, code, CHAIR)
        floor.end(rt, code, CHAIR)
        minutes.save_entry(rt, code, CLERK, rid, 0, summary=f"Đại biểu phản ánh đường liên thôn xuống cấp ({k}).",
                           answer_summary="Giám đốc Sở trả lời: đã có kế hoạch sửa chữa, hoàn thành trong quý III.")
    for rid in ids[floor_n:floor_n + writing_n]:
        reqs.decide(rt, code, CHAIR, rid, reqs.Decision("to_writing", deadline=dt.date.today() + dt.timedelta(10)))
    return {"code": code, "keys": keys, "requests": n, "answered_at_floor": floor_n, "in_writing": writing_n,
            "queued": queued_n, "inbox": n - floor_n - writing_n - queued_n}


# -- exports --------------------------------------------------------------------------------------------------------
EXPORTS = (("minutes_docx", "minutes.docx", "secretary"), ("conclusion_docx", "conclusion.docx", "secretary"),
           ("summary_xlsx", "summary.xlsx", "secretary"))


def exports(url: str, hall: dict, repeat: int = 3) -> dict:
    """Each document of the meeting, downloaded `repeat` times; the slowest time counts."""
    out = {}
    for name, path, role in EXPORTS:
        times, size, status = [], 0, None
        for _ in range(repeat):
            t0 = time.time()
            r = requests.get(f"{url}/api/v1/meetings/{hall['code']}/{path}",
                             headers={"X-Role-Key": hall["keys"][role]}, timeout=60)
            times.append((time.time() - t0) * 1000)
            status, size = r.status_code, len(r.content)
        out[name] = {"status": status, "bytes": size, "median_ms": round(statistics.median(times), 1),
                     "max_ms": round(max(times), 1)}
    return out


# -- the chair console in chromium ----------------------------------------------------------------------------------
CHROMIUM = os.environ.get("MODERATOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]

# Times, with the Performance API, each `staff` message from its arrival on the websocket to the end of the task
# that re-rendered the lists (the console stamps data-version at the end of render(); a MutationObserver sees it
# right after that task) and to the next frame after it; and records every long task (> 50 ms, Long Tasks API).
# Also, for information, the chair's own click (the event's time stamp) to the next frame: the console shows the
# move at once, before the server's message (the message's render is what a co-chair's console does).
_FRAME_TIMER = """
(() => {
  window.__frames = []; window.__longTasks = []; window.__staffAt = null; window.__clicks = [];
  document.addEventListener("click", (ev) => {
    const t0 = ev.timeStamp;
    requestAnimationFrame(() => setTimeout(() => { window.__clicks.push(performance.now() - t0); }, 0));
  }, true);
  const Orig = window.WebSocket;
  function Timed(url, protocols) {
    const ws = protocols === undefined ? new Orig(url) : new Orig(url, protocols);
    ws.addEventListener("open", () => { window.__sockets = (window.__sockets || 0) + 1; });
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data === "string" && ev.data.slice(0, 24).includes('"staff"')) window.__staffAt = performance.now();
    });
    return ws;
  }
  Timed.prototype = Orig.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Timed[k] = Orig[k];
  window.WebSocket = Timed;
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
      .observe({ type: "longtask", buffered: true });
  } catch (e) {}
  new MutationObserver(() => {
    const t0 = window.__staffAt;
    if (t0 === null) return;
    window.__staffAt = null;
    const t1 = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      window.__frames.push({ render_ms: t1 - t0, frame_ms: performance.now() - t0 });
    }, 0));
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-version"] });
})();
"""


def console_reorder(url: str, hall: dict, moves: int = 10) -> dict:
    """Open the chair console on the meeting, then press ↓ on the first queued card `moves` times; each time the
    console receives the `staff` message of the move and re-renders. Returns the render times."""
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        return {"error": f"chromium not found at {CHROMIUM}"}
    # In a thread of its own: Playwright's sync API refuses to start in a thread where another sync Playwright is
    # open (the test suite's session-wide browser), and a fresh thread has none.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_console_reorder, url, hall, moves).result()


def _console_reorder(url: str, hall: dict, moves: int) -> dict:
    from playwright.sync_api import sync_playwright
    frames = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # bypass_csp: the page's CSP (script-src 'self') would refuse the measuring predicates below
            page = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True).new_page()
            page.add_init_script(_FRAME_TIMER)
            page.goto(f"{url}/m/{hall['code']}/chair?key={hall['keys']['chair']}")
            page.wait_for_selector("[data-state=ready]", timeout=30_000)
            cards = page.locator("#ch-queue .ch-queued").count()
            # the console connects by long-polling, then upgrades to WebSocket: time messages only after that
            page.wait_for_function("window.__sockets > 0", timeout=30_000)
            time.sleep(1.0)
            page.evaluate("window.__longTasks = []; window.__clicks = []")
            for _ in range(moves):
                page.evaluate("window.__frames = []")
                page.locator("#ch-queue .ch-queued .ch-down").first.click()
                page.wait_for_function("window.__frames.length > 0", timeout=15_000)
                frames.append(page.evaluate("window.__frames[0]"))
                time.sleep(0.2)
            long_tasks = page.evaluate("window.__longTasks")
            clicks = page.evaluate("window.__clicks")
        finally:
            browser.close()
    fr = sorted(f["frame_ms"] for f in frames)
    rd = sorted(f["render_ms"] for f in frames)
    return {"queued_cards": cards, "moves": len(frames), "render_median_ms": round(statistics.median(rd), 1),
            "render_max_ms": round(rd[-1], 1), "frame_median_ms": round(statistics.median(fr), 1),
            "frame_max_ms": round(fr[-1], 1), "long_tasks_ms": [round(x) for x in long_tasks],
            # in the order of the moves (the first one after loading first), and the clicks' own frames
            "frame_ms_each": [round(f["frame_ms"], 1) for f in frames],
            "click_frame_max_ms": round(max(clicks), 1) if clicks else None}


# -- scale-out --------------------------------------------------------------------------------------------------------
def nginx_path() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


class Front:
    """nginx (deploy/nginx.conf.template) in front of the given workers. `spread`: phones from one address are
    spread over the workers (least_conn) instead of pinned to one (ip_hash): every phone on 127.0.0.1 would
    otherwise land on the same worker. The phones use WebSocket only, which needs no stickiness."""

    def __init__(self, workdir: Path, ports: list[int], spread: bool = True):
        from deploy.render_nginx import prepare, render
        from tests.support.server import free_port
        self.prefix = Path(workdir) / f"nginx-{uuid.uuid4().hex[:6]}"
        prepare(self.prefix)
        self.port = free_port()
        conf = render(str(self.prefix), f"127.0.0.1:{self.port}", [f"127.0.0.1:{p}" for p in ports])
        if spread:
            conf = conf.replace("ip_hash;", "least_conn;")
        (self.prefix / "nginx.conf").write_text(conf)
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Front":
        g = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
        self.proc = subprocess.Popen([nginx_path(), "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                                      "-g", g], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from tests.support.server import wait_healthy
        if not wait_healthy(self.url, time.time() + 15):
            raise RuntimeError("nginx did not start")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


SCALEOUT_RAMP = 200     # phones per second joining during the scale-out's connect phase


def scaleout(workdir: Path, n_meetings: int, phones_per: int, actions_per: int, spacing: float, log,
             mode: str = "eventlet", spread_phones: int | None = None, spread_actions: int | None = None) -> dict:
    """`n_meetings` meetings × `phones_per` phones over two workers behind nginx, sharing PostgreSQL and Redis.
    The chairs act in turn (one action every `spacing` s, round-robin over the meetings, `actions_per` each);
    every phone must get its own meeting's actions and nothing of the others. Then one meeting's
    `spread_phones` phones spread over both workers (each action crosses Redis to the other worker) against the
    same phones all on one worker."""
    from bench.run import ChairActions, Fleet, deliveries, rss_mb
    from tests.support.server import ServerProcess
    from tests.support.services import REDIS_URL, drop_pg_database, fresh_pg_database
    pg = fresh_pg_database()
    env = {"DATABASE_URL": pg, "REDIS_URL": REDIS_URL, "SECRET_KEY": uuid.uuid4().hex * 2,
           "MODERATOR_SOCKETIO_CHANNEL": f"moderator-bench-{uuid.uuid4().hex[:8]}", "MODERATOR_PROXIES": "1",
           "MODERATOR_RATE_IP": "1000000"}
    inst = Path(workdir) / f"scaleout-{uuid.uuid4().hex[:6]}"
    workers, front, fleet, out = [], None, None, {"meetings": n_meetings, "phones_per_meeting": phones_per}
    try:
        workers.append(ServerProcess(inst, demo=True, env=env, async_mode=mode).start(timeout=90))
        workers.append(ServerProcess(inst, demo=False, env=env, async_mode=mode).start(timeout=90))
        rt = runtime(pg)
        codes = [f"SO{k:02d}" for k in range(n_meetings)]
        halls = {}
        for code in codes:
            halls[code] = create_meeting(rt, code)
            add_requests(rt, code, 3, f"so-{code}")
        rt.engine.dispose()
        front = Front(workdir, [w.port for w in workers]).start()
        chairs = {c: ChairActions(workers[0], meeting=c, key=halls[c]["chair"], url=front.url) for c in codes}
        fleet = Fleet(front.url, n_meetings * phones_per, procs=max(2, min(8, n_meetings * phones_per // 750)),
                      meeting=codes)
        # The phones arrive at SCALEOUT_RAMP per second (6,000 in 30 s: a province's halls fill over many minutes)
        # and retry a failed handshake as real phones do; the failed attempts are counted and reported.
        conn = fleet.connect(rate=SCALEOUT_RAMP, within=90)
        out["connect"] = conn
        log(f"  scale-out: {conn['ok']}/{fleet.n} phones connected in {conn['seconds']} s "
            f"({conn['attempts_failed']} handshakes failed and were retried: {conn['errors']})")
        out["rss_mb_per_worker"] = [rss_mb(w.proc.pid)["rss_mb"] for w in workers]
        fleet.clear()
        done: dict[str, list] = {c: [] for c in codes}
        refused = []
        for _ in range(actions_per):
            for c in codes:
                try:
                    done[c].append(chairs[c].act())
                except requests.RequestException as e:      # counted, and the run goes on
                    refused.append(f"{c}: {str(e)[:120]}")
                    try:
                        chairs[c].current_version()
                    except requests.RequestException:
                        pass
                time.sleep(spacing)
        out["chair_actions_refused"] = refused
        deadline = time.time() + 20
        while time.time() < deadline:
            fleet.collect()
            if all(all(max((v for v, _, _ in recs if isinstance(v, int)), default=-1) >= done[c][-1][0]
                       for recs in fleet.records_of(c).values()) for c in codes):
                break
            time.sleep(0.5)
        per = {c: deliveries(fleet.records_of(c), done[c]) for c in codes}
        lat, slowest = [], []
        first_t0 = min((t0 for c in codes for _, t0 in done[c]), default=0.0)
        for c in codes:
            recs = fleet.records_of(c)
            for k, (v_target, t0) in enumerate(done[c]):
                mine = []
                for rr in recs.values():
                    times = [t for v, t, _ in rr if isinstance(v, int) and v >= v_target and t >= t0]
                    if times:
                        mine.append((min(times) - t0) * 1000)
                lat.extend(mine)
                if mine:
                    slowest.append((round(max(mine)), c, k, round(t0 - first_t0, 2)))
        # Where the tail comes from: the actions whose last phone waited longest (ms, meeting, its n-th action,
        # seconds into the run).
        out["slowest_actions"] = sorted(slowest, reverse=True)[:8]
        from bench.run import summary
        s = summary(lat)
        out["all"] = {"deliveries": s["n"], "missed": sum(p["missed"] for p in per.values()),
                      "p50_ms": round(s["p50"], 1) if s["p50"] is not None else None,
                      "p99_ms": round(s["p99"], 1) if s["p99"] is not None else None,
                      "max_ms": round(s["max"], 1) if s["max"] is not None else None,
                      "worst_meeting_p99_ms": max((p["p99_ms"] or 0) for p in per.values())}
        out["leaks"] = fleet.leaks()
        out["rss_mb_per_worker_after"] = [rss_mb(w.proc.pid)["rss_mb"] for w in workers]
        log(f"  scale-out {n_meetings}×{phones_per}: {out['all']}, leaks {out['leaks']}, "
            f"RSS {out['rss_mb_per_worker_after']} MB")
        fleet.stop()
        fleet = None
        # one meeting: spread over both workers (through nginx) against all on one worker
        n = spread_phones or phones_per
        code = codes[0]
        for label, url in (("spread", front.url), ("one_worker", workers[0].url)):
            # spread: phones and chair through nginx (a phone on the other worker gets it through Redis);
            # one worker: phones and chair on the same worker, no hop
            fleet = Fleet(url, n, meeting=code)
            try:
                fleet.connect()
                chair = ChairActions(workers[0], meeting=code, key=halls[code]["chair"], url=url)
                chair.current_version()
                fleet.clear()
                acts = []
                for _ in range(spread_actions or max(10, actions_per * 2)):
                    acts.append(chair.act())
                    time.sleep(0.5)
                fleet.wait_all_at(acts[-1][0], timeout=15)
                out[label] = deliveries(fleet.records, acts) | {"phones": n}
                log(f"  one meeting, {n} phones, {label}: {out[label]}")
            finally:
                fleet.stop()
                fleet = None
    except Exception as e:  # noqa: BLE001 - the figures so far and nginx's own words are the result
        out["error"] = f"{type(e).__name__}: {str(e)[:200]}"
    finally:
        if fleet is not None:
            fleet.stop()
        if front is not None:
            err = front.prefix / "error.log"
            if err.exists():
                out["nginx_errors"] = err.read_text().splitlines()[-5:]
            front.stop()
        for w in workers:
            w.stop()
        drop_pg_database(pg)
    return out

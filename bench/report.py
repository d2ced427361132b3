"""docs/performance.md from the figures of one run (bench/run.py). The hand-written part below the marker
`<!-- notes: kept by python -m bench -->` survives re-runs."""
from __future__ import annotations

MARK = "<!-- notes: kept by python -m bench -->"

TARGETS = {
    "fanout_ratio": 1.2, "fanout_cpu_over_bare_ms": 3.0, "crowd_p99_ms": 500, "crowd_rss_mb": 300,
    "burst_p99_ms": 250, "storm_s": 5.0, "lock_wait_ms": 1000, "export_ms": 1000, "console_ms": 50,
    "scaleout_p99_ms": 500,
}


def _label(label: str) -> str:
    return label.replace(" postgresql", " · PostgreSQL")


def _mode(res: dict, label: str) -> str:
    """The async mode of a Moderator row ("eventlet", or "eventlet postgresql" -> "eventlet")."""
    return res["moderator"][label].get("async_mode", label.split()[0])


def _f(x, unit=""):
    if x is None:
        return "–"
    if isinstance(x, float):
        x = f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"
    return f"{x}{unit}"


def _x(r):
    return "–" if r is None else f"{r:.2f}"


def _ratio(a, b):
    if a is None or not b:
        return None
    return a / b


def _ok(cond):
    return "met" if cond else "**missed**"


def render(res: dict, previous: str = "") -> str:
    m = res["machine"]
    sz = res["sizes"]
    modes = list(res["moderator"])
    L = []
    w = L.append
    w("# Performance")
    w("")
    w("Measured by `python -m bench` (bench/run.py; `python -m bench --quick` for a smoke run, and a reduced form runs "
      "in the test suite: tests/bench/test_bench_quick.py). Generated; do not edit above the notes marker.")
    w("")
    w(f"- Command: `{res['command']}`, started {res.get('started', '?')}, took {res.get('seconds', '?')} s")
    w(f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['os']}")
    w("- Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()))
    w(f"- Load average (1/5/15 min) at start: {res.get('loadavg_start', '?')}, at end: {res.get('loadavg_end', '?')}"
      " — the machine is shared; every figure includes the phones' own processes on the same cores")
    w(f"- Sizes: {sz['phones']} phones, {sz['crowd']} in the crowd test, {sz['submissions']} submissions in "
      f"{sz['burst_seconds']:.0f} s, {sz['actions']} chair actions {sz['spacing_s']} s apart")
    if res.get("reused"):
        ru = res["reused"]
        w(f"- Rows marked † come from an earlier run (`{ru.get('command')}`, started {ru.get('started')}, load "
          f"average {ru.get('loadavg_start')}), reused with `--reuse`")
    w("- Servers: Moderator = `python run.py --demo --async-mode M` on a fresh SQLite instance, or (rows "
      "marked postgresql) on a fresh database of the local PostgreSQL (`DATABASE_URL`); bare = "
      "bench/bare_server.py (Flask-SocketIO alone, emitting a copy of the real public state, "
      f"{(res['moderator'].get(modes[0]) or {}).get('public_payload_bytes', '?') if modes else '?'} bytes) "
      "in the same run")
    w("- Latency: from the moment the chair's HTTP call is sent to the receipt of a `public` message whose `v` "
      "includes it, at each phone (python-socketio AsyncClient over websocket, many per process, separate "
      "processes). p50/p99 over every delivery; \"last phone\" = median over actions of the slowest phone.")
    w("")

    def fan_rows(key):
        rows = []
        for kind in ("bare", "moderator"):
            for mode in res[kind]:
                d = res[kind][mode].get(key)
                if not d:
                    continue
                base = (res["bare"].get(_mode(res, mode) if kind == "moderator" else mode) or {}).get(key, {})
                base_ev = (res["bare"].get("eventlet") or {}).get(key, {})
                rows.append((f"{'bare' if kind == 'bare' else 'Moderator'} {mode}", d,
                             _ratio(d.get("p99_ms"), base.get("p99_ms")),
                             _ratio(d.get("p99_ms"), base_ev.get("p99_ms"))))
        return rows

    for key, title in (("fanout", f"A chair action reaching {sz['phones']} phones"),
                       ("crowd", f"{sz['crowd']} phones on one process")):
        rows = fan_rows(key)
        if not rows:
            continue
        w(f"## {title}")
        w("")
        w("| server | phones connected | p50 ms | p99 ms | max ms | last phone ms | missed | p99 ÷ bare (same mode) "
          "| p99 ÷ bare eventlet | server CPU ms / action | RSS MB |")
        w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, d, r1, r2 in rows:
            name = name.replace(" postgresql", " · PostgreSQL")
            conn = d.get("connect", {})
            name = name + (" †" if d.get("reused_from") else "")
            w(f"| {name} | {conn.get('ok', '?')}/{d.get('phones')} | {_f(d.get('p50_ms'))} | {_f(d.get('p99_ms'))} | "
              f"{_f(d.get('max_ms'))} | {_f(d.get('last_phone_median_ms'))} | {d.get('missed')} | {_x(r1)} | {_x(r2)} | "
              f"{_f(d.get('server_cpu_ms_per_action'))} | {_f(d.get('rss_mb'))} |"
              + (f" failed: {d['error']}" if d.get("error") else ""))
        w("")

    w(f"## A burst of {sz['submissions']} submissions in {sz['burst_seconds']:.0f} s "
      f"(distinct devices and idempotency keys, {sz['phones']} phones listening)")
    w("")
    w("Lost = acknowledged (2xx) but not in the database. A submission the phone gave up on (10 s time-out) is "
      "either stored anyway or not at all; the retry with the same idempotency key then returns it or files it "
      "once (\"retries that created a request\").")
    w("")
    w("| server | acknowledged | lost | duplicated | timed out: stored / not stored | retries that created a request "
      "| ack p50 ms | ack p99 ms | ack max ms | took s | server CPU ms / submission |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for mode in modes:
        b = res["moderator"][mode].get("burst")
        if b:
            w(f"| Moderator {_label(mode)} | {b.get('acknowledged')}/{b.get('sent')} | {b.get('lost')} | {b.get('duplicated')} | "
              f"{b.get('unacknowledged_stored', '?')} / {b.get('unacknowledged_not_stored', '?')} | "
              f"{b.get('replays_created')} | {_f(b.get('ack_p50_ms'))} | {_f(b.get('ack_p99_ms'))} | "
              f"{_f(b.get('ack_max_ms'))} | {_f(b.get('seconds'))} | {_f(b.get('server_cpu_ms_per_submission'))} |")
    w("")
    w(f"## Reconnect storm: {sz['phones']} phones dropped at once (websocket cut, no close handshake)")
    w("")
    w("The chair acts while they are away; each phone reconnects by itself (python-socketio, 0.5–2 s back-off) and "
      "fetches the public snapshot as static/js/live.js does. In sync = holds the `v` of that action.")
    w("")
    w("| server | dropped | reconnected | in sync | in sync within 5 s | p50 s | all in sync after s | "
      "server CPU ms / phone |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for mode in modes:
        s = res["moderator"][mode].get("storm")
        if s:
            w(f"| Moderator {_label(mode)} | {s.get('dropped')} | {s.get('reconnected')} | {s.get('in_sync')} | "
              f"{s.get('in_sync_within_target')} | {_f(s.get('p50_s'))} | {_f(s.get('all_in_sync_s'))} | "
              f"{_f(s.get('server_cpu_ms_per_phone'))} |")
    w("")
    if any(res["moderator"][m].get("contention") for m in modes):
        w(f"## Database contention: {sz.get('contention')} submissions in {sz['burst_seconds']:.0f} s while the "
          "secretary autosaves the minutes (every 1 s) and the chair reorders the queue (every 0.5 s)")
        w("")
        w("Every writer takes the same lock (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the meeting's row, `FOR UPDATE`). "
          "A call's whole time bounds its wait for the lock, so \"longest wait\" is the slowest call of the three "
          "kinds.")
        w("")
        w("| server | submissions acknowledged | lost | duplicated | ack p50 / p99 / max ms | chair moves ok | "
          "chair p99 / max ms | autosaves ok | autosaves lost | autosave p99 / max ms | longest wait ms |")
        w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for mode in modes:
            c = res["moderator"][mode].get("contention")
            if not c:
                continue
            if c.get("error"):
                w(f"| Moderator {_label(mode)} | failed: {c['error']} |||||||||| ")
                continue
            sb, ch, au = c["submissions"], c["chair"], c["autosave"]
            w(f"| Moderator {_label(mode)} | {sb.get('acknowledged')}/{sb.get('sent')} | {sb.get('lost')} | "
              f"{sb.get('duplicated')} | {_f(sb.get('ack_p50_ms'))} / {_f(sb.get('ack_p99_ms'))} / "
              f"{_f(sb.get('ack_max_ms'))} | {ch['ok']}/{ch['calls']} | {_f(ch['p99_ms'])} / {_f(ch['max_ms'])} | "
              f"{au['ok']}/{au['calls']} | {au.get('lost')} | {_f(au['p99_ms'])} / {_f(au['max_ms'])} | "
              f"{_f(c.get('longest_wait_ms'))} |")
        w("")
    if any(res["moderator"][m].get("exports") for m in modes):
        ex0 = next(res["moderator"][m]["exports"] for m in modes if res["moderator"][m].get("exports"))
        mt = ex0.get("meeting", {})
        w(f"## Exports and the chair console: a province meeting of {mt.get('requests', sz.get('exports'))} requests")
        w("")
        w(f"{mt.get('answered_at_floor')} answered at the floor (with the secretary's minutes entries), "
          f"{mt.get('in_writing')} to be answered in writing, {mt.get('queued')} queued, {mt.get('inbox')} in the "
          "inbox. Each document downloaded 3 times (slowest counts). The console: chromium (Playwright, "
          "`--no-sandbox --disable-gpu ...`) on `/m/<code>/chair`, ↓ pressed on the first queued card 10 times; "
          "Performance API: from the `staff` message's arrival on the websocket to the end of the task that "
          "re-rendered the lists (\"render\") and to the next frame after it (\"frame\").")
        w("")
        w("| server | minutes .docx ms (KB) | conclusion .docx ms (KB) | summary .xlsx ms (KB) | queued cards | "
          "reorder render median / max ms | next frame median / max ms | long tasks (> 50 ms) |")
        w("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for mode in modes:
            ex, co = res["moderator"][mode].get("exports"), res["moderator"][mode].get("console") or {}
            if not ex:
                continue
            cells = []
            for key in ("minutes_docx", "conclusion_docx", "summary_xlsx"):
                d = ex.get(key) or {}
                cells.append(f"{_f(d.get('max_ms'))} ({_f((d.get('bytes') or 0) / 1024)})" if d else "–")
            console = (f"{co.get('queued_cards')} | {_f(co.get('render_median_ms'))} / {_f(co.get('render_max_ms'))} | "
                       f"{_f(co.get('frame_median_ms'))} / {_f(co.get('frame_max_ms'))} | "
                       f"{len(co.get('long_tasks_ms') or [])}") if not co.get("error") else f"failed: {co['error']} | | |"
            w(f"| Moderator {_label(mode)} | " + " | ".join(cells) + f" | {console} |")
        w("")
    so = res.get("scaleout")
    if so:
        w(f"## Scale-out: {so.get('meetings', sz.get('scaleout_meetings'))} meetings × "
          f"{so.get('phones_per_meeting', sz.get('scaleout_phones'))} phones over 2 workers "
          "behind nginx, Redis and PostgreSQL")
        w("")
        if so.get("reused_from"):
            w(f"† from another run: `{so.get('reused_command', '?')}`, started {so['reused_from']}, load average "
              f"{so.get('reused_loadavg', '?')}.")
            w("")
        if so.get("error"):
            w(f"Failed: {so['error']}" + (f" (nginx: {' / '.join(so.get('nginx_errors') or [])[:600]})"
                                          if so.get("nginx_errors") else ""))
            w("")
        if so.get("all"):
            w("nginx from deploy/nginx.conf.template with `least_conn` instead of `ip_hash` (every phone here comes "
              "from 127.0.0.1, which `ip_hash` would pin to one worker; WebSocket-only clients need no "
              "stickiness). Chairs act in turn, one action every 0.25 s over all meetings. Leak = a phone got a "
              "`public` message of another meeting.")
            conn = so.get("connect", {})
            if conn.get("rate_per_s"):
                w("")
                w(f"The phones joined at {_f(conn['rate_per_s'])} per second (all {conn.get('ok')} in "
                  f"{_f(conn.get('seconds'))} s) and retried a failed handshake with a back-off, as a phone's "
                  f"Socket.IO client does: {conn.get('attempts_failed', 0)} handshakes failed and were retried"
                  + (f" ({'; '.join(f'{k} × {n}' for k, n in conn.get('errors', {}).items())})"
                     if conn.get("errors") else "") + f", {conn.get('failed', 0)} phones never connected.")
            w("")
            al = so.get("all", {})
            w("| phones connected | deliveries | missed | leaks | p50 ms | p99 ms | max ms | worst meeting p99 ms | "
              "RSS MB per worker (connected → after) |")
            w("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            w(f"| {so['connect']['ok']}/{so.get('meetings', 0) * so.get('phones_per_meeting', 0)} | "
              f"{al.get('deliveries')} | {al.get('missed')} | {so.get('leaks')} | {_f(al.get('p50_ms'))} | "
              f"{_f(al.get('p99_ms'))} | {_f(al.get('max_ms'))} | {_f(al.get('worst_meeting_p99_ms'))} | "
              f"{' / '.join(_f(x) for x in so.get('rss_mb_per_worker', []))} → "
              f"{' / '.join(_f(x) for x in so.get('rss_mb_per_worker_after', []))} |")
            w("")
            w("One meeting's phones spread over both workers (through nginx: a phone on the other worker than the "
              "chair's call gets the message through Redis) against all of them and the chair on one worker:")
            w("")
            w("| phones | where | p50 ms | p99 ms | max ms | last phone ms | missed |")
            w("| --- | --- | --- | --- | --- | --- | --- |")
            for key, label in (("spread", "spread over 2 workers"), ("one_worker", "one worker")):
                d = so.get(key) or {}
                w(f"| {d.get('phones')} | {label} | {_f(d.get('p50_ms'))} | {_f(d.get('p99_ms'))} | "
                  f"{_f(d.get('max_ms'))} | {_f(d.get('last_phone_median_ms'))} | {d.get('missed')} |")
        w("")
    w("## Targets")
    w("")
    w("| target | " + " | ".join(m.replace(" postgresql", " · PostgreSQL") for m in modes) + " |")
    w("| --- | " + " | ".join("---" for _ in modes) + " |")

    def cell(mode, fn):
        try:
            return fn(res["moderator"][mode], (res["bare"].get("eventlet") or {}),
                      (res["bare"].get(_mode(res, mode)) or {}))
        except (KeyError, TypeError):
            return "–"

    checks = [
        ("chair action to the last of the phones: p99 ≤ 1.2 × bare eventlet, 0 missed",
         lambda mo, be, bm: f"{_x(_ratio(mo['fanout']['p99_ms'], be['fanout']['p99_ms']))}×, "
                            f"{mo['fanout']['missed']} missed: "
                            + _ok(_ratio(mo['fanout']['p99_ms'], be['fanout']['p99_ms']) <= TARGETS['fanout_ratio']
                                  and mo['fanout']['missed'] == 0)),
        (f"{sz['crowd']} phones: p99 ≤ 500 ms",
         lambda mo, be, bm: f"{_f(mo['crowd']['p99_ms'])} ms, {mo['crowd']['missed']} missed: "
                            + _ok(mo['crowd']['p99_ms'] <= TARGETS['crowd_p99_ms'])),
        (f"{sz['crowd']} phones: resident memory ≤ 300 MB",
         lambda mo, be, bm: f"{_f(mo['crowd']['rss_mb'])} MB: " + _ok(mo['crowd']['rss_mb'] <= TARGETS['crowd_rss_mb'])),
        ("burst: all acknowledged, 0 lost, 0 duplicated",
         lambda mo, be, bm: f"{mo['burst']['acknowledged']}/{mo['burst']['sent']}, {mo['burst']['lost']} lost, "
                            f"{mo['burst']['duplicated']} dup: "
                            + _ok(mo['burst']['acknowledged'] == mo['burst']['sent'] and not mo['burst']['lost']
                                  and not mo['burst']['duplicated'])),
        ("burst: p99 acknowledgement ≤ 250 ms",
         lambda mo, be, bm: f"{_f(mo['burst']['ack_p99_ms'])} ms: " + _ok(mo['burst']['ack_p99_ms'] <= 250)),
        ("reconnect storm: all in sync within 5 s",
         lambda mo, be, bm: f"{_f(mo['storm']['all_in_sync_s'])} s: "
                            + _ok(mo['storm']['all_in_sync_s'] is not None and mo['storm']['all_in_sync_s'] <= 5)),
        ("chair action: server CPU ≤ bare (same mode) + 3 ms",
         lambda mo, be, bm: f"{_f(mo['fanout']['server_cpu_ms_per_action'])} vs "
                            f"{_f(bm['fanout']['server_cpu_ms_per_action'])} ms: "
                            + _ok(mo['fanout']['server_cpu_ms_per_action']
                                  <= bm['fanout']['server_cpu_ms_per_action'] + TARGETS['fanout_cpu_over_bare_ms'])),
        ("contention: 0 lost (submissions, autosaves), p99 ack ≤ 250 ms, no call waits > 1 s",
         lambda mo, be, bm: f"{mo['contention']['submissions']['lost'] + mo['contention']['autosave']['lost']} lost, "
                            f"p99 {_f(mo['contention']['submissions']['ack_p99_ms'])} ms, longest "
                            f"{_f(mo['contention']['longest_wait_ms'])} ms: "
                            + _ok(mo['contention']['submissions']['lost'] == 0
                                  and mo['contention']['autosave']['lost'] == 0
                                  and mo['contention']['submissions']['acknowledged']
                                  == mo['contention']['submissions']['sent']
                                  and mo['contention']['submissions']['ack_p99_ms'] <= TARGETS['burst_p99_ms']
                                  and mo['contention']['longest_wait_ms'] <= TARGETS['lock_wait_ms'])),
        ("exports of the long meeting: each ≤ 1 s",
         lambda mo, be, bm: " / ".join(_f(mo['exports'][k]['max_ms']) for k in
                                       ("minutes_docx", "conclusion_docx", "summary_xlsx")) + " ms: "
                            + _ok(all(mo['exports'][k]['status'] == 200 and mo['exports'][k]['max_ms']
                                      <= TARGETS['export_ms'] for k in ("minutes_docx", "conclusion_docx",
                                                                         "summary_xlsx")))),
        ("chair console of the long meeting: a reorder renders in ≤ 50 ms (slowest of 10, to the next frame)",
         lambda mo, be, bm: f"{_f(mo['console']['frame_max_ms'])} ms (median {_f(mo['console']['frame_median_ms'])}): "
                            + _ok(mo['console']['frame_max_ms'] <= TARGETS['console_ms'])),
    ]
    for label, fn in checks:
        w(f"| {label} | " + " | ".join(cell(mode, fn) for mode in modes) + " |")
    w("")
    if so and so.get("all"):
        al = so.get("all", {})
        p99 = al.get("p99_ms")
        w(f"Scale-out ({so.get('meetings')} × {so.get('phones_per_meeting')}): p99 ≤ 500 ms, 0 missed, 0 leaks — "
          f"{_f(p99)} ms, {al.get('missed')} missed, {so.get('leaks')} leaks: "
          + _ok(p99 is not None and p99 <= TARGETS['scaleout_p99_ms'] and al.get('missed') == 0
                and so.get('leaks') == 0))
        w("")
    notes = ""
    if previous and MARK in previous:
        notes = previous.split(MARK, 1)[1].lstrip("\n")
    w(MARK)
    w("")
    return "\n".join(L) + notes

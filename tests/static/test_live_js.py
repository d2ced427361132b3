"""static/js/live.js and the vendored Socket.IO client, in Debian's chromium (served by http.server)."""

from __future__ import annotations

import pytest

from tests.support.browser import wait_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def live_page(static_server, open_page):
    page, errors = open_page(static_server + "/t/live.html")
    wait_in_page(page, "!!(window.Live && window.io && window.makeFakeIo)")
    yield page
    errors.check()


def test_socketio_client_and_live_are_loaded_under_csp(live_page):
    assert live_page.evaluate("typeof window.io") == "function"
    assert live_page.evaluate("typeof window.io.Manager") == "function"
    api = live_page.evaluate("Object.keys(window.Live).filter(k => typeof Live[k] === 'function').sort()")
    for name in ("connect", "serverNow", "remainingMs", "formatRemaining", "formatMs", "api", "t", "el", "fill"):
        assert name in api


def test_el_never_parses_html(live_page):
    result = live_page.evaluate(
        """() => {
        const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
        const node = Live.el("p", {class: ["a", "b"], title: payload, "data-x": payload},
                             payload, " ", 42, null, false, [Live.el("b", null, "<i>x</i>")]);
        document.getElementById("out").appendChild(node);
        return {
          text: node.textContent, html: node.innerHTML, imgs: node.querySelectorAll("img, script, i").length,
          cls: node.className, title: node.getAttribute("title"), bold: node.querySelector("b").textContent,
          children: node.childNodes.length,
        };
      }"""
    )
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    assert result["imgs"] == 0
    assert result["text"] == payload + " 42<i>x</i>"
    assert "&lt;img" in result["html"] and "<img" not in result["html"]
    assert result["title"] == payload
    assert result["cls"] == "a b"
    assert result["bold"] == "<i>x</i>"
    live_page.wait_for_timeout(100)
    assert live_page.evaluate("window.__pwned") is None


def test_el_refuses_string_handlers_and_script_urls(live_page):
    result = live_page.evaluate(
        """() => {
        const out = {};
        try { Live.el("button", {onclick: "alert(1)"}); out.stringHandler = "accepted"; }
        catch (e) { out.stringHandler = "refused"; }
        try { Live.el("div", {innerHTML: "<b>x</b>"}); out.innerHTML = "accepted"; }
        catch (e) { out.innerHTML = "refused"; }
        try { Live.el("script", null, "alert(1)"); out.script = "accepted"; }
        catch (e) { out.script = "refused"; }
        out.jsHref = Live.el("a", {href: " JaVaScRiPt:alert(1)"}, "x").hasAttribute("href");
        out.okHref = Live.el("a", {href: "/j/ABC?x=1"}, "x").getAttribute("href");
        out.dataImg = Live.el("img", {src: "data:image/png;base64,iVBORw0KGgo="}).hasAttribute("src");
        out.dataHref = Live.el("a", {href: "data:text/html,<script>alert(1)</script>"}).hasAttribute("href");
        let clicked = 0;
        const b = Live.el("button", {type: "button", onclick: () => { clicked++; }, disabled: false}, "Gửi");
        b.click();
        out.clicked = clicked;
        out.disabled = b.hasAttribute("disabled");
        const sel = Live.el("select", {value: "b"}, Live.el("option", {value: "a"}, "A"),
                            Live.el("option", {value: "b"}, "B"));
        out.selectValue = sel.value;
        const box = Live.el("div", null, "old");
        Live.fill(box, "<b>new</b>", Live.el("span", null, "!"));
        out.filled = box.innerHTML;
        out.shorthand = Live.el("p", "chỉ chữ").textContent;
        return out;
      }"""
    )
    assert result == {
        "stringHandler": "refused",
        "innerHTML": "refused",
        "script": "refused",
        "jsHref": False,
        "okHref": "/j/ABC?x=1",
        "dataImg": True,
        "dataHref": False,
        "clicked": 1,
        "disabled": False,
        "selectValue": "b",
        "filled": "&lt;b&gt;new&lt;/b&gt;<span>!</span>",
        "shorthand": "chỉ chữ",
    }


def test_format_remaining_with_skewed_server_clock(live_page):
    result = live_page.evaluate(
        """() => {
        Live._setOffset(90000);                  // the server clock is 90 s ahead of the phone's
        const skewed = Live.serverNow() - Date.now();
        const s = Live.serverNow();
        return {
          skewed,
          positive: Live.formatRemaining(s + 65500),
          justUnder: Live.formatRemaining(s + 999.5),
          zero: Live.formatRemaining(s),
          overtime: Live.formatRemaining(s - 75500),
          longOvertime: Live.formatRemaining(s - 61 * 60000),
          // a deadline one minute ahead of the phone's clock is already 30 s past for the server
          phoneMinute: Live.formatRemaining(Date.now() + 60000),
          remaining: Math.round(Live.remainingMs(Date.now() + 60000) / 1000),
          none: Live.formatRemaining(null),
          state: [Live.timerState(s + 60000), Live.timerState(s + 20000), Live.timerState(s - 5000),
                  Live.timerState(null)],
          plain: [Live.formatMs(0), Live.formatMs(5 * 60000), Live.formatMs(-1000)],
        };
      }"""
    )
    assert abs(result["skewed"] - 90000) < 50
    assert result["positive"] == "01:06"
    assert result["justUnder"] == "00:01"
    assert result["zero"] == "00:00"
    assert result["overtime"] == "-01:15"
    assert result["longOvertime"] == "-61:00"
    assert result["phoneMinute"] == "-00:30"
    assert result["remaining"] == -30
    assert result["none"] == "--:--"
    assert result["state"] == ["running", "warning", "overtime", "none"]
    assert result["plain"] == ["00:00", "05:00", "-00:01"]


def test_clock_offset_comes_from_public_messages(live_page):
    result = live_page.evaluate(
        """async () => {
        installFakeFetch({"/api/public": [{body: {v: 3, state: {server_now: Date.now() - 120000}}}]});
        const io = makeFakeIo();
        Live.connect(recordingOptions({io, snapshotUrls: {public: "/api/public"}}));
        const sock = io.sockets[0];
        sock.fire("connect");
        await until(() => events.length === 2);
        const fromSnapshot = Live._offset();
        // a newer message: server 45 s behind now
        sock.fire("public", {v: 4, state: {server_now: Date.now() - 45000, ends_at: null}});
        const fromMessage = Live._offset();
        // an older message (earlier server_now) arriving late must not move the clock back
        sock.fire("public", {v: 2, state: {server_now: Date.now() - 200000}});
        const afterStale = Live._offset();
        const ends = Date.now() - 45000 + 10000 - 500;  // 9.5 s left on the server's clock
        return {fromSnapshot, fromMessage, afterStale, left: Live.formatRemaining(ends), events};
      }"""
    )
    assert abs(result["fromSnapshot"] + 120000) < 1000  # minus the (fake) request's time
    assert abs(result["fromMessage"] + 45000) < 100
    assert abs(result["afterStale"] + 45000) < 100
    assert result["left"] == "00:10"
    kinds = [e[0] for e in result["events"]]
    assert kinds == ["status", "snapshot:public", "public"]  # the stale v2 message was not applied


def test_t_reads_the_i18n_block_and_falls_back_to_the_key(live_page):
    assert live_page.evaluate("Live.t('withdraw')") == "Rút phiếu"
    assert live_page.evaluate("Live.t('no.such.key')") == "no.such.key"
    assert live_page.evaluate("Live.t('Chưa dịch')") == "Chưa dịch"
    assert live_page.evaluate("Live.t('hello', {name: '<b>Lan</b>'})") == "Xin chào <b>Lan</b>"
    assert live_page.evaluate("Live.t('hello')") == "Xin chào {name}"


def test_api_sends_csrf_json_and_reports_offline(live_page):
    live_page.errors.allow("/static/nope.json")
    result = live_page.evaluate(
        """async () => {
        const real = await Live.api("GET", "/static/vendor/README.md");
        const missing = await Live.api("GET", "/static/nope.json");
        installFakeFetch({"/api/v1/x": [{body: {id: 7}, status: 201}]});
        const posted = await Live.api("post", "/api/v1/x", {text: "Ý kiến"});
        const sent = fakeFetch.log[0];
        const offline = await Live.api("POST", "/api/v1/unreachable", {a: 1});
        fakeFetch.restore();
        return {
          real: [real.ok, real.status, real.data], missing: [missing.ok, missing.status],
          posted, method: sent.init.method, headers: sent.init.headers, body: sent.init.body,
          credentials: sent.init.credentials, offline,
        };
      }"""
    )
    assert result["real"] == [True, 200, None]
    assert result["missing"] == [False, 404]
    assert result["posted"] == {"ok": True, "status": 201, "data": {"id": 7}}
    assert result["method"] == "POST"
    assert result["headers"]["X-CSRF-Token"] == "csrf-test-token-123"
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["body"] == '{"text":"Ý kiến"}'
    assert result["credentials"] == "same-origin"
    assert result["offline"]["ok"] is False
    assert result["offline"]["status"] == 0
    assert result["offline"]["offline"] is True


def test_connect_options_and_status_mark(live_page):
    result = live_page.evaluate(
        """async () => {
        installFakeFetch({});
        const io = makeFakeIo();
        const live = Live.connect(recordingOptions({io}));
        const sock = io.sockets[0];
        const o = sock.opts;
        sock.fire("connect_error", new Error("x"));
        const mark = document.querySelector(".reconnecting");
        const shown = [mark && !mark.hidden, mark && mark.textContent, mark && mark.getAttribute("role")];
        sock.fire("connect");
        const hiddenAfter = mark.hidden;
        sock.active = false;
        sock.fire("disconnect", "io server disconnect");
        const offline = [mark.hidden, mark.textContent, mark.classList.contains("is-offline")];
        return {
          auth: o.auth, transports: o.transports, max: o.reconnectionDelayMax, rnd: o.randomizationFactor,
          reconnection: o.reconnection, shown, hiddenAfter, offline, status: live.status(), events,
        };
      }"""
    )
    assert result["auth"] == {"meeting": "ABC123", "key": "k"}
    assert result["transports"] == ["polling", "websocket"]
    assert result["max"] == 5000 and result["rnd"] == 0.5 and result["reconnection"] is True
    assert result["shown"] == [True, "Reconnecting…", "status"]  # text from the page's i18n block
    assert result["hiddenAfter"] is True
    assert result["offline"] == [False, "Mất kết nối", True]
    assert result["status"] == "offline"
    assert [e for e in result["events"] if e[0] == "status"] == [
        ["status", "reconnecting"],
        ["status", "online"],
        ["status", "offline"],
    ]


def test_versions_gaps_and_reconnect(live_page):
    result = live_page.evaluate(
        """async () => {
        const sleep = ms => new Promise(r => setTimeout(r, ms));
        const routes = {
          "/s/public": [{body: {v: 5, state: {server_now: Date.now(), n: "snap"}}}],
          "/s/staff": [{body: {v: 5, requests: []}}, {body: {v: 8, requests: []}, defer: true},
                       {body: {v: 12, requests: []}}],
          "/s/mine": [{body: {v: 4, requests: []}}],
        };
        installFakeFetch(routes);
        const io = makeFakeIo();
        const live = Live.connect(recordingOptions({io, snapshotUrls: {public: "/s/public", staff: "/s/staff", mine: "/s/mine"}}));
        const sock = io.sockets[0];
        const log = [];
        const mark = label => log.push([label, events.splice(0)]);

        sock.fire("connect");
        await until(() => events.length === 4);
        mark("connect");

        sock.fire("staff", {v: 6}); sock.fire("staff", {v: 6}); sock.fire("staff", {v: 5});
        sock.fire("public", {v: 7, state: {server_now: Date.now()}});
        sock.fire("public", {v: 6, state: {server_now: Date.now()}});
        sock.fire("mine", {v: 9}); sock.fire("mine", {v: 7});
        mark("in order");

        sock.fire("staff", {v: 8});            // v7 was lost: the staff snapshot is fetched again
        const gapAt = Date.now();
        await until(() => fakeFetch.log.length === 4);
        const refetchDelay = Date.now() - gapAt;  // gap refetches are at most one per second
        sock.fire("staff", {v: 9});            // arrives while the (deferred) snapshot is loading
        sock.fire("staff", {v: 10});
        const fetchesBeforeRelease = fakeFetch.log.filter(x => x.url === "/s/staff").length;
        fakeFetch.release("/s/staff");
        await until(() => events.length === 3);
        sock.fire("staff", {v: 11});
        mark("gap");

        sock.fire("disconnect", "transport close");
        const during = live.status();
        sock.fire("connect");                  // reconnect: every snapshot again
        await until(() => events.length === 5);
        sock.fire("staff", {v: 12}); sock.fire("staff", {v: 13});
        mark("reconnect");
        return {log, fetchesBeforeRelease, refetchDelay, during, versions: ["public", "staff", "unit", "mine"].map(k => live.version(k)),
                urls: fakeFetch.log.map(x => x.url), creds: fakeFetch.log.map(x => x.init.credentials)};
      }"""
    )
    log = dict((label, [e[:2] for e in evs]) for label, evs in result["log"])
    assert sorted(log["connect"]) == sorted(
        [["status", "online"], ["snapshot:public", 5], ["snapshot:staff", 5], ["snapshot:mine", 4]]
    )
    assert log["in order"] == [["staff", 6], ["public", 7], ["mine", 9]]
    assert result["fetchesBeforeRelease"] == 2
    assert result["refetchDelay"] >= 900
    assert log["gap"] == [["snapshot:staff", 8], ["staff", 9], ["staff", 10], ["staff", 11]]
    assert result["during"] == "reconnecting"
    assert log["reconnect"] == [
        ["status", "reconnecting"],
        ["status", "online"],
        ["snapshot:public", 5],  # older than the public v7 seen before, but the snapshot is authoritative
        ["snapshot:staff", 12],
        ["snapshot:mine", 4],
        ["staff", 13],
    ]
    assert result["versions"] == [5, 13, None, 4]
    assert set(result["creds"]) == {"same-origin"}
    assert result["urls"].count("/s/staff") == 3


def test_public_message_newer_than_a_slow_snapshot_wins(live_page):
    result = live_page.evaluate(
        """async () => {
        installFakeFetch({"/s/public": [{body: {v: 5, state: {server_now: Date.now(), n: "snap"}}, defer: true}]});
        const io = makeFakeIo();
        const got = [];
        const live = Live.connect({io, meeting: "M", snapshotUrls: {public: "/s/public"},
                                   onPublic: (state, v) => got.push([v, state.n])});
        io.sockets[0].fire("connect");
        io.sockets[0].fire("public", {v: 6, state: {server_now: Date.now(), n: "msg"}});
        fakeFetch.release("/s/public");
        await until(() => live.version("public") === 6 && fakeFetch.log.length === 1);
        await new Promise(r => setTimeout(r, 50));  // the snapshot's answer is handled after the release
        return {got, v: live.version("public")};
      }"""
    )
    # without onSnapshot the public snapshot goes to onPublic; an older one arriving late is dropped
    assert result == {"got": [[6, "msg"]], "v": 6}


def test_refused_snapshot_reports_error_and_stops(live_page):
    result = live_page.evaluate(
        """async () => {
        installFakeFetch({"/s/unit": [{body: {error: "forbidden"}, status: 403}]});
        const io = makeFakeIo();
        const live = Live.connect(recordingOptions({io, statusMark: false, snapshotUrls: {unit: "/s/unit"}}));
        io.sockets[0].fire("connect");
        await until(() => events.length === 2);
        io.sockets[0].fire("unit", {v: 3});
        await new Promise(r => setTimeout(r, 1200));
        return {events: events.map(e => e.slice(0, 2)), fetches: fakeFetch.log.length,
                mark: document.querySelectorAll(".reconnecting").length};
      }"""
    )
    assert result["events"] == [["status", "online"], ["error:unit", 403]]
    assert result["fetches"] == 1
    assert result["mark"] == 0

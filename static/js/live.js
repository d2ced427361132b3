/*
 * Live: the small client library shared by every Moderator screen.
 *
 * Plain ES2017, no build step, no eval, no inline script (works under `script-src 'self'`), runs on
 * Android Chrome >= 70. Load after /static/vendor/socket.io.min.js (which defines window.io).
 *
 *   Live.connect(options)        Socket.IO connection + HTTP snapshots + per-stream version tracking
 *   Live.serverNow()             Date.now() corrected by the server clock offset (from `server_now`)
 *   Live.remainingMs(ends_at)    ends_at (epoch ms) - serverNow(); null if there is no deadline
 *   Live.formatRemaining(ends_at)  "mm:ss", or "-mm:ss" in overtime, "--:--" if none
 *   Live.formatMs(ms)            the same format for a plain duration (e.g. a paused timer)
 *   Live.timerState(ends_at, warnMs)  "none" | "running" | "warning" (last 30 s) | "overtime"
 *   Live.api(method, url, body)  fetch JSON with the CSRF token -> {ok, status, data} (never rejects)
 *   Live.t(key, vars)            translated UI string from <script type="application/json" id="i18n">
 *   Live.el(tag, attrs, ...children)  DOM builder; strings only ever become text, never HTML
 *   Live.fill(node, ...children) replace all children of node (strings as text)
 *   Live.ready(fn)               run fn once the DOM is parsed
 *
 * Real-time protocol (docs/architecture.md): every message carries `v`, the meeting version.
 *   public {v, state}     whole public state: applied if v > last
 *   staff  {v, ...}       applied only if v == last + 1; v <= last ignored; a gap refetches the snapshot
 *   unit   {v, requests}  the unit's changed requests (whole views): applied if v > last
 *   mine   {v, requests}  the owner's changed tickets: applied if v > last
 * On every (re)connect each given snapshot URL is fetched (JSON with a numeric `v`); messages arriving while
 * a snapshot is loading are held and replayed after it, so none is lost or applied twice.
 */
(function (root) {
  "use strict";

  var document = root.document;
  var hasOwn = function (obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); };

  /* ------------------------------------------------------------------ clock */

  var clock = { offset: 0, serverNow: null, at: 0 };

  // Keep the offset measured from the freshest message: the one with the latest server_now. A response that
  // was generated earlier but arrives later (a slow snapshot) would make the clock look behind, so it is
  // ignored, unless our last reading is old (the server clock may have been corrected since).
  function noteServerNow(serverNow) {
    if (typeof serverNow !== "number" || !isFinite(serverNow)) return;
    var local = Date.now();
    if (clock.serverNow !== null && serverNow < clock.serverNow && local - clock.at < 60000) return;
    clock.offset = serverNow - local;
    clock.serverNow = serverNow;
    clock.at = local;
  }

  function serverNow() { return Date.now() + clock.offset; }

  function toMs(value) {
    if (value === null || value === undefined || value === "") return null;
    var n = typeof value === "number" ? value : Number(value);
    return isFinite(n) ? n : null;
  }

  function remainingMs(endsAt) {
    var end = toMs(endsAt);
    return end === null ? null : end - serverNow();
  }

  function pad2(n) { return n < 10 ? "0" + n : String(n); }

  // Counting down shows 00:01 until the deadline is really reached (ceil), 00:00 for the first second
  // of overtime, then -00:01, -00:02 ... (floor of the overrun).
  function formatMs(ms) {
    if (typeof ms !== "number" || !isFinite(ms)) return "--:--";
    var over = ms < 0;
    var secs = over ? Math.floor(-ms / 1000) : Math.ceil(ms / 1000);
    var text = pad2(Math.floor(secs / 60)) + ":" + pad2(secs % 60);
    return over && secs > 0 ? "-" + text : text;
  }

  function formatRemaining(endsAt) { return formatMs(remainingMs(endsAt)); }

  function timerState(endsAt, warnMs) {
    var ms = remainingMs(endsAt);
    if (ms === null) return "none";
    if (ms <= -1000) return "overtime";
    if (ms <= (warnMs === undefined ? 30000 : warnMs)) return "warning";
    return "running";
  }

  /* ------------------------------------------------------------------- i18n */

  var strings = null;

  function loadStrings() {
    if (strings) return strings;
    var found = {};
    var node = document && document.getElementById("i18n");
    if (node) {
      try {
        var parsed = JSON.parse(node.textContent || "{}");
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) found = parsed;
      } catch (e) {
        if (root.console) root.console.warn("Live.t: #i18n is not valid JSON", e);
      }
    }
    // Do not cache an empty table while the page is still being parsed: the block may come later.
    if (node || !document || document.readyState !== "loading") strings = found;
    return found;
  }

  function t(key, vars) {
    var table = loadStrings();
    var text = hasOwn(table, key) && typeof table[key] === "string" ? table[key] : String(key);
    if (vars && typeof vars === "object") {
      text = text.replace(/\{(\w+)\}/g, function (whole, name) {
        return hasOwn(vars, name) && vars[name] !== null && vars[name] !== undefined ? String(vars[name]) : whole;
      });
    }
    return text;
  }

  /* -------------------------------------------------------------------- DOM */

  var URL_ATTRS = { href: 1, src: 1, action: 1, formaction: 1, poster: 1, "xlink:href": 1, cite: 1, background: 1 };
  var FORBIDDEN_ATTRS = { innerhtml: 1, outerhtml: 1, srcdoc: 1 };
  var FORBIDDEN_TAGS = { script: 1, iframe: 1, object: 1, embed: 1, frame: 1, frameset: 1 };

  function safeUrl(value, attr) {
    var s = String(value).replace(/[\u0000-\u0020\u007f-\u00a0]/g, "").toLowerCase();
    if (/^(javascript|vbscript):/.test(s)) return false;
    if (/^data:/.test(s)) return attr === "src" && /^data:image\/(png|gif|jpe?g|webp|svg\+xml)[;,]/.test(s);
    return true;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false || child === true) return;
    if (Array.isArray(child)) {
      for (var i = 0; i < child.length; i++) append(node, child[i]);
    } else if (typeof child === "object" && typeof child.nodeType === "number") {
      node.appendChild(child);
    } else {
      node.appendChild(document.createTextNode(String(child)));
    }
  }

  function el(tag) {
    var attrs = arguments.length > 1 ? arguments[1] : null;
    var children = Array.prototype.slice.call(arguments, 2);
    var name = String(tag);
    if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(name) || hasOwn(FORBIDDEN_TAGS, name.toLowerCase())) {
      throw new Error("Live.el: tag not allowed: " + name);
    }
    var node = document.createElement(name);
    var selectValue = null;
    // Live.el("p", "text") and Live.el("p", [a, b]): attrs may be left out.
    if (attrs !== null && attrs !== undefined &&
        (typeof attrs !== "object" || Array.isArray(attrs) || typeof attrs.nodeType === "number")) {
      children.unshift(attrs);
      attrs = null;
    }
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        var lower = key.toLowerCase();
        if (value === null || value === undefined || value === false) return;
        if (hasOwn(FORBIDDEN_ATTRS, lower)) throw new Error("Live.el: " + key + " is not allowed");
        if (lower.slice(0, 2) === "on") {
          if (typeof value !== "function") throw new Error("Live.el: " + key + " must be a function");
          node.addEventListener(lower.slice(2), value);
        } else if (key === "class" || key === "className") {
          node.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : String(value);
        } else if (key === "text") {
          node.textContent = String(value);
        } else if (key === "dataset") {
          Object.keys(value).forEach(function (k) {
            if (value[k] !== null && value[k] !== undefined) node.dataset[k] = String(value[k]);
          });
        } else if (key === "style" && typeof value === "object") {
          Object.keys(value).forEach(function (k) { node.style[k] = value[k]; });  // CSSOM: allowed by CSP
        } else if (key === "value" && (name.toLowerCase() === "select" || name.toLowerCase() === "textarea")) {
          selectValue = String(value);
        } else if (hasOwn(URL_ATTRS, lower)) {
          if (safeUrl(value, lower)) node.setAttribute(key, String(value));
          else if (root.console) root.console.warn("Live.el: unsafe URL dropped for " + key);
        } else if (value === true) {
          node.setAttribute(key, "");
        } else {
          node.setAttribute(key, String(value));
        }
      });
    }
    append(node, children);
    if (selectValue !== null) node.value = selectValue;
    return node;
  }

  function fill(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    append(node, Array.prototype.slice.call(arguments, 1));
    return node;
  }

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn, { once: true });
    else setTimeout(fn, 0);
  }

  /* -------------------------------------------------------------------- HTTP */

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  // Never rejects: {ok, status, data} (data = parsed JSON or null), or on a network failure / timeout
  // {ok: false, status: 0, offline: true, data: null}.
  async function request(method, url, body, timeoutMs) {
    method = String(method || "GET").toUpperCase();
    var headers = { "Accept": "application/json" };
    var token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
    var init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined && body !== null && method !== "GET" && method !== "HEAD") {
      if (root.FormData && body instanceof root.FormData) {
        init.body = body;
      } else {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    var controller = root.AbortController ? new root.AbortController() : null;
    var timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, timeoutMs || 20000);
    }
    var resp, text;
    try {
      resp = await root.fetch(url, init);
      text = await resp.text();
    } catch (e) {
      return { ok: false, status: 0, offline: true, data: null, timeout: !!(e && e.name === "AbortError") };
    } finally {
      if (timer) clearTimeout(timer);
    }
    var data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    return { ok: resp.ok, status: resp.status, data: data };
  }

  function api(method, url, body) { return request(method, url, body); }

  /* --------------------------------------------------------- status mark */

  var markNode = null;

  function showStatusMark(status) {
    if (!document.body) return;
    if (status === "online") {
      if (markNode) markNode.hidden = true;
      return;
    }
    if (!markNode) {
      markNode = el("div", { class: "reconnecting", role: "status", "aria-live": "polite" });
      document.body.appendChild(markNode);
    }
    markNode.textContent = status === "offline" ? t("Mất kết nối") : t("Đang kết nối lại…");
    markNode.classList.toggle("is-offline", status === "offline");
    markNode.hidden = false;
  }

  /* ---------------------------------------------------------------- connect */

  var KINDS = ["public", "staff", "unit", "mine"];
  // staff hears every change (apply only v == last + 1); a unit hears only changes to its own requests, each
  // carrying their whole view, so its versions skip by design: applied if newer, like `mine`.
  var STRICT = { staff: true, unit: false };
  var BUFFER_MAX = 500;
  var MIN_REFETCH_MS = 1000;                    // per stream, for gap refetches and retries

  function connect(options) {
    var opts = options || {};
    var ioFactory = opts.io || root.io;
    if (typeof ioFactory !== "function") throw new Error("Live.connect: socket.io client (window.io) is not loaded");
    var urls = opts.snapshotUrls || {};
    var strict = Object.assign({}, STRICT, opts.strict || {});
    var streams = {};
    KINDS.forEach(function (kind) {
      streams[kind] = {
        last: null,        // version applied last (null: none yet)
        loading: false,    // a snapshot request is in flight
        ticket: 0,         // identifies the current request; older answers are dropped
        buffer: [],        // messages held while loading
        maxSeen: null,     // public: newest version applied while the snapshot was loading
        failed: false,     // the snapshot was refused (4xx): wait for the next connect
        inflight: false,
        lastFetch: 0,
        retries: 0,
        timer: null
      };
    });
    var status = null;
    var closed = false;
    var lastResync = 0;

    function call(name) {
      var fn = opts[name];
      if (typeof fn !== "function") return;
      try {
        fn.apply(null, Array.prototype.slice.call(arguments, 1));
      } catch (e) {
        if (root.console) root.console.error("Live: " + name + " failed", e);
      }
    }

    function setStatus(next) {
      if (closed || next === status) return;
      status = next;
      if (opts.statusMark !== false) showStatusMark(next);
      call("onStatus", next);
    }

    function serverNowOf(kind, data) {
      if (!data || typeof data !== "object") return null;
      if (kind === "public" && data.state && typeof data.state === "object" && "server_now" in data.state) {
        return data.state.server_now;
      }
      return data.server_now;
    }

    /* ---- snapshots */

    // Ask for a snapshot: `loading` holds later messages until it is applied. `immediately` on (re)connect;
    // otherwise (a gap, a retry) at most one request per MIN_REFETCH_MS per stream.
    function wantSnapshot(kind, immediately, delay) {
      var st = streams[kind];
      if (!urls[kind] || closed) return;
      st.loading = true;
      if (immediately) { fetchSnapshot(kind); return; }
      if (st.timer || st.inflight) return;
      var wait = Math.max(delay || 0, st.lastFetch + MIN_REFETCH_MS - Date.now(), 0);
      st.timer = setTimeout(function () { st.timer = null; fetchSnapshot(kind); }, wait);
    }

    async function fetchSnapshot(kind) {
      var st = streams[kind];
      if (!urls[kind] || closed) return;
      if (st.timer) { clearTimeout(st.timer); st.timer = null; }
      var ticket = ++st.ticket;
      st.loading = true;
      st.inflight = true;
      st.failed = false;
      st.lastFetch = Date.now();
      var res = await request("GET", urls[kind]);
      if (closed || ticket !== st.ticket) return;            // superseded by a newer request
      st.inflight = false;
      var data = res.data;
      if (res.ok && data && typeof data === "object" && typeof data.v === "number") {
        st.retries = 0;
        applySnapshot(kind, data);
        return;
      }
      var retry = res.status === 0 || res.status === 408 || res.status === 429 || res.status >= 500 || res.ok;
      if (retry) {
        // Keep holding messages; try again with backoff (a reconnect also refetches at once).
        st.retries += 1;
        if (socket.connected) wantSnapshot(kind, false, Math.min(10000, 1000 * Math.pow(2, st.retries - 1)) * (0.5 + Math.random()));
      } else {
        st.loading = false;                                  // refused (401/403/404): wait for the next connect
        st.failed = true;
        st.buffer = [];
      }
      if (root.console) root.console.warn("Live: snapshot " + kind + " failed", res.status);
      call("onError", kind, res);
    }

    function applySnapshot(kind, data) {
      var st = streams[kind];
      noteServerNow(serverNowOf(kind, data));
      st.loading = false;
      if (kind === "public") {
        // A newer whole state may have arrived while the snapshot was on its way: keep that one.
        var newer = st.maxSeen !== null && data.v < st.maxSeen;
        st.maxSeen = null;
        if (newer) return;
        st.last = data.v;
        if (typeof opts.onSnapshot === "function") call("onSnapshot", kind, data);
        else call("onPublic", data.state !== undefined ? data.state : data, data.v);
        return;
      }
      st.last = data.v;           // the snapshot is authoritative, even if older (the meeting was reset)
      call("onSnapshot", kind, data);
      var held = st.buffer.sort(function (a, b) { return a.v - b.v; });
      st.buffer = [];
      for (var i = 0; i < held.length; i++) handleSeq(kind, held[i]);
    }

    /* ---- messages */

    function handlePublic(msg) {
      if (!msg || typeof msg !== "object" || typeof msg.v !== "number") return;
      var st = streams.public;
      noteServerNow(serverNowOf("public", msg));
      if (st.last !== null && msg.v <= st.last) return;
      if (st.loading) st.maxSeen = st.maxSeen === null ? msg.v : Math.max(st.maxSeen, msg.v);
      st.last = msg.v;
      call("onPublic", msg.state, msg.v);
    }

    function hold(st, msg) {
      if (st.buffer.length >= BUFFER_MAX) st.buffer.shift();
      st.buffer.push(msg);
    }

    function handleSeq(kind, msg) {
      if (!msg || typeof msg !== "object" || typeof msg.v !== "number") return;
      var st = streams[kind];
      noteServerNow(serverNowOf(kind, msg));
      if (st.failed) return;
      var tracked = !!urls[kind];
      if (tracked && (st.loading || st.last === null)) {      // wait for the snapshot, then replay
        hold(st, msg);
        if (!st.loading) wantSnapshot(kind, false);
        return;
      }
      if (st.last !== null && msg.v <= st.last) return;        // already applied (or older)
      if (tracked && strict[kind] && msg.v !== st.last + 1) {  // a message was missed: resync
        hold(st, msg);
        wantSnapshot(kind, false);
        return;
      }
      st.last = msg.v;
      call({ staff: "onStaff", unit: "onUnit", mine: "onMine" }[kind], msg);
    }

    function refetchAll() {
      lastResync = Date.now();
      KINDS.forEach(function (kind) {
        if (!urls[kind]) return;
        streams[kind].buffer = [];          // the snapshot asked for now includes all of them
        if (kind === "public") streams.public.maxSeen = null;
        fetchSnapshot(kind);
      });
    }

    /* ---- socket */

    var auth = Object.assign({ meeting: opts.meeting }, opts.auth || {});
    var socketOpts = {
      transports: opts.transports || ["polling", "websocket"],
      auth: auth,
      forceNew: true,
      reconnection: true,
      reconnectionAttempts: Infinity,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
      timeout: 20000
    };
    if (opts.path) socketOpts.path = opts.path;
    var socket = opts.url ? ioFactory(opts.url, socketOpts) : ioFactory(socketOpts);

    function notConnected(reason) {
      var retrying = typeof socket.active === "boolean" ? socket.active : reason !== "io server disconnect";
      setStatus(retrying ? "reconnecting" : "offline");
    }

    socket.on("connect", function () { setStatus("online"); refetchAll(); });
    socket.on("disconnect", function (reason) {
      KINDS.forEach(function (kind) {
        var st = streams[kind];
        if (st.timer) { clearTimeout(st.timer); st.timer = null; }  // connect fetches them all again
      });
      notConnected(reason);
    });
    socket.on("connect_error", function () { notConnected(null); });
    if (socket.io && typeof socket.io.on === "function") {
      socket.io.on("reconnect_attempt", function () { setStatus("reconnecting"); });
      socket.io.on("reconnect_failed", function () { setStatus("offline"); });
    }
    socket.on("public", handlePublic);
    socket.on("staff", function (msg) { handleSeq("staff", msg); });
    socket.on("unit", function (msg) { handleSeq("unit", msg); });
    socket.on("mine", function (msg) { handleSeq("mine", msg); });

    // A phone that slept may hold a dead connection for up to a ping timeout: resync when it wakes up.
    function onVisible() {
      if (document.visibilityState === "visible" && socket.connected && Date.now() - lastResync > 10000) {
        refetchAll();
      }
    }
    document.addEventListener("visibilitychange", onVisible);

    return {
      socket: socket,
      /** Current status: "online" | "reconnecting" | "offline" (null before the first attempt ends). */
      status: function () { return status; },
      /** Last version applied for a stream ("public" | "staff" | "unit" | "mine"), or null. */
      version: function (kind) { return streams[kind] ? streams[kind].last : null; },
      /** Fetch a snapshot again now (e.g. after a local change when no message is expected). */
      refetch: function (kind) { if (kind) fetchSnapshot(kind); else refetchAll(); },
      close: function () {
        closed = true;
        document.removeEventListener("visibilitychange", onVisible);
        KINDS.forEach(function (kind) { if (streams[kind].timer) clearTimeout(streams[kind].timer); });
        socket.disconnect();
      }
    };
  }

  root.Live = {
    connect: connect,
    serverNow: serverNow,
    remainingMs: remainingMs,
    formatRemaining: formatRemaining,
    formatMs: formatMs,
    timerState: timerState,
    api: api,
    csrfToken: csrfToken,
    t: t,
    el: el,
    fill: fill,
    ready: ready,
    /* for tests */
    _setOffset: function (ms) { clock.offset = ms; clock.serverNow = null; clock.at = Date.now(); },
    _offset: function () { return clock.offset; },
    _noteServerNow: noteServerNow
  };
})(window);

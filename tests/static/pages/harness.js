/* Test helpers for tests/static (loaded only by the test pages). A fake socket.io factory and a fake fetch,
   so Live.connect's version logic can be driven message by message from Python. */
(function () {
  "use strict";
  window.makeFakeIo = function () {
    var sockets = [];
    function io(url, opts) {
      if (typeof url === "object") { opts = url; url = null; }
      var handlers = {};
      var managerHandlers = {};
      var socket = {
        url: url, opts: opts, connected: false, active: true, handlers: handlers,
        io: { on: function (ev, fn) { (managerHandlers[ev] = managerHandlers[ev] || []).push(fn); } },
        on: function (ev, fn) { (handlers[ev] = handlers[ev] || []).push(fn); return socket; },
        fire: function (ev) {
          var args = Array.prototype.slice.call(arguments, 1);
          if (ev === "connect") socket.connected = true;
          if (ev === "disconnect") socket.connected = false;
          (handlers[ev] || []).forEach(function (fn) { fn.apply(null, args); });
          (managerHandlers[ev] || []).forEach(function (fn) { fn.apply(null, args); });
        },
        disconnect: function () { socket.connected = false; socket.active = false; }
      };
      sockets.push(socket);
      return socket;
    }
    io.sockets = sockets;
    return io;
  };

  /* routes: {url: [{body, status, defer}]}; the last entry repeats. A deferred entry waits for
     window.fakeFetch.release(url). */
  window.installFakeFetch = function (routes) {
    var log = [];
    var waiting = {};
    var realFetch = window.fetch;
    function respond(entry) {
      return new Response(JSON.stringify(entry.body), {
        status: entry.status || 200, headers: { "Content-Type": "application/json" }
      });
    }
    window.fetch = function (url, init) {
      log.push({ url: String(url), init: init || {} });
      var queue = routes[url];
      if (!queue) return Promise.reject(new TypeError("Failed to fetch"));
      var entry = queue.length > 1 ? queue.shift() : queue[0];
      if (entry.defer) {
        return new Promise(function (resolve) {
          (waiting[url] = waiting[url] || []).push(function () { resolve(respond(entry)); });
        });
      }
      return Promise.resolve(respond(entry));
    };
    window.fakeFetch = {
      log: log,
      routes: routes,
      release: function (url) { var w = waiting[url] || []; waiting[url] = []; w.forEach(function (f) { f(); }); return w.length; },
      restore: function () { window.fetch = realFetch; }
    };
    return window.fakeFetch;
  };

  /* Resolves once pred() is true (polling), rejects after ms: no fixed sleeps in the tests. */
  window.until = function (pred, ms, what) {
    var limit = Date.now() + (ms || 5000);
    return new Promise(function (resolve, reject) {
      (function poll() {
        if (pred()) { resolve(); return; }
        if (Date.now() > limit) { reject(new Error("timed out waiting for " + (what || pred))); return; }
        setTimeout(poll, 5);
      })();
    });
  };

  /* Collects every callback of Live.connect into window.events. */
  window.recordingOptions = function (extra) {
    var events = window.events = [];
    var opts = {
      meeting: "ABC123",
      auth: { key: "k" },
      onPublic: function (state, v) { events.push(["public", v, state]); },
      onStaff: function (msg) { events.push(["staff", msg.v]); },
      onUnit: function (msg) { events.push(["unit", msg.v]); },
      onMine: function (msg) { events.push(["mine", msg.v]); },
      onSnapshot: function (kind, data) { events.push(["snapshot:" + kind, data.v]); },
      onStatus: function (s) { events.push(["status", s]); },
      onError: function (kind, res) { events.push(["error:" + kind, res.status]); }
    };
    Object.keys(extra || {}).forEach(function (k) { opts[k] = extra[k]; });
    return opts;
  };
})();

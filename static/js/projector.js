/*
 * The hall projector (templates/projector.html): title, QR code and join URL between speakers; the speaker,
 * the timer, the answering unit and the next ones while the floor is taken; the chair's message over it all.
 *
 * It hears the PUBLIC stream only (Live.connect: snapshot GET /api/v1/meetings/<code>/public, socket event
 * `public` {v, state}); phone, address and complaints never reach it. The timer counts down from the server's
 * `ends_at` with Live.serverNow(), so a projector laptop whose clock drifts still shows the server's time.
 * Live.connect shows the "reconnecting" mark and refetches the whole state on every reconnect.
 *
 * For tests and for the technician, #projector carries data-state (loading | idle | called | speaking |
 * paused | closed), data-v (public version shown) and data-status (online | reconnecting | offline).
 */
(function () {
  "use strict";

  var Live = window.Live;
  var t = Live.t;
  var TICK_MS = 200;
  var NEXT_LIVE = 4;       // two-line rows: four fit under the timer at 16:9
  var NEXT_IDLE = 3;

  var root, els = {}, state = null;

  function $(id) { return document.getElementById(id); }

  function stepText(meeting) {
    var n = meeting.current_step || 0;
    var steps = meeting.steps || [];
    if (n < 1 || n > steps.length) return "";
    return t("Phần {n}: {title}", { n: n, title: steps[n - 1] });
  }

  function registrationNote(meeting) {
    if (meeting.status === "closed") return meeting.registration_note || t("Hội nghị đã kết thúc.");
    if (!meeting.registration_open) return meeting.registration_note || t("Đã khóa đăng ký phát biểu.");
    return "";
  }

  function nextItems(list, max, cls) {
    return (list || []).slice(0, max).map(function (r) {
      return Live.el("li", null,
        Live.el("span", { class: cls + "-no" }, String(r.ticket)),
        Live.el("span", { class: cls + "-name" }, r.name || ""),
        r.locality ? Live.el("span", { class: cls + "-origin" }, r.locality) : null);
    });
  }

  function modeOf(s) {
    if (s.floor && s.floor.state && s.floor.state !== "idle") return s.floor.state;
    return s.meeting && s.meeting.status === "closed" ? "closed" : "idle";
  }

  /* ------------------------------------------------------------------ render */

  function render(s) {
    state = s;
    var meeting = s.meeting || {};
    var mode = modeOf(s);
    var live = mode === "called" || mode === "speaking" || mode === "paused";
    var step = stepText(meeting);
    var note = registrationNote(meeting);

    root.dataset.state = mode;
    root.classList.toggle("is-reg-closed", !!note);
    els.idle.hidden = live;
    els.live.hidden = !live;

    // Titles (the meeting may be renamed by the organiser).
    if (meeting.title) {
      els.idleTitle.textContent = meeting.title;
      els.title.textContent = meeting.title;
    }
    els.idleStep.textContent = step;
    els.idleStep.hidden = !step;
    els.step.textContent = step;
    els.step.hidden = !step;

    // Idle: the QR code to join, or the note that registration is closed.
    els.idleHint.hidden = !!note;
    els.idleClosed.hidden = !note;
    els.idleClosed.textContent = note;
    var idleNext = nextItems(s.next, NEXT_IDLE, "pj-idle-next");
    Live.fill(els.idleNextList, idleNext);
    els.idleNext.hidden = idleNext.length === 0 || mode === "closed";

    // Live: the speaker.
    if (live) {
      var f = s.floor;
      els.nowLabel.textContent = mode === "called" ? t("Mời đại biểu chuẩn bị phát biểu") : t("Đang phát biểu");
      els.now.classList.toggle("is-called", mode === "called");
      els.ticket.textContent = f.ticket ? t("Số {ticket}", { ticket: f.ticket }) : "";
      els.name.textContent = f.name || "";
      els.origin.textContent = f.locality || "";
      els.origin.hidden = !f.locality;
      els.fieldValue.textContent = f.field || "";
      els.field.hidden = !f.field;
      var unit = f.unit || "";
      if (unit && f.answerer) unit += " – " + f.answerer;
      els.unitValue.textContent = unit;
      els.unit.hidden = !unit;
    }

    // Live: who is next.
    var rows = nextItems(s.next, NEXT_LIVE, "pj-next");
    if (rows.length) {
      Live.fill(els.nextList, rows);
    } else {
      Live.fill(els.nextList, Live.el("li", { class: "pj-next-none" }, t("Chưa có đại biểu đăng ký trong hàng đợi")));
    }
    var queued = (s.queue || []).length;
    var more = queued - Math.min(rows.length, NEXT_LIVE);
    els.nextMore.hidden = more <= 0;
    els.nextMore.textContent = more > 0 ? t("và {n} người khác", { n: more }) : "";

    // Footer: how to join, or why one cannot.
    if (note) {
      Live.fill(els.join, Live.el("strong", null, note));
    } else {
      Live.fill(els.join, els.joinDefault.map(function (n) { return n.cloneNode(true); }));
    }

    // The chair's message over everything.
    var message = (meeting.message || "").trim();
    els.banner.textContent = message;
    els.banner.hidden = !message;

    retryQr();
    tick();
  }

  /* ------------------------------------------------------------------- timer */

  function tick() {
    var f = state && state.floor;
    var mode = state ? modeOf(state) : "idle";
    var text = "--:--", cls = "timer", label = "";
    if (f && mode === "speaking") {
      var ts = Live.timerState(f.ends_at, 30000);
      text = Live.formatRemaining(f.ends_at);
      cls += ts === "warning" ? " warning" : ts === "overtime" ? " overtime" : "";
      label = ts === "overtime" ? t("Quá giờ") : t("Thời gian còn lại");
    } else if (f && mode === "paused") {
      var rem = typeof f.remaining_ms === "number" ? f.remaining_ms : null;
      text = Live.formatMs(rem);
      cls += " paused" + (rem !== null && rem < 0 ? " overtime" : rem !== null && rem <= 30000 ? " warning" : "");
      label = t("Tạm dừng");
    } else if (f && mode === "called") {
      text = Live.formatMs((f.speaking_seconds || 0) * 1000);
      cls += " paused";
      label = t("Thời gian phát biểu");
    }
    if (els.timer.textContent !== text) els.timer.textContent = text;
    if (els.timer.className !== cls) els.timer.className = cls;
    if (els.timerLabel.textContent !== label) els.timerLabel.textContent = label;
    if (f && f.ends_at && mode === "speaking") els.timer.dataset.endsAt = String(f.ends_at);
    else delete els.timer.dataset.endsAt;
  }

  /* ---------------------------------------------------------------- QR code */

  // The QR image is served by the delegate screen's route; if it fails (not there yet, server restarting)
  // hide it rather than show a broken image, and try again on the next state.
  function watchQr(img) {
    img.addEventListener("error", function () { img.hidden = true; img.dataset.failed = "1"; });
    img.addEventListener("load", function () { img.hidden = false; delete img.dataset.failed; });
    if (img.complete && !img.naturalWidth) { img.hidden = true; img.dataset.failed = "1"; }   // failed before we looked
  }

  function retryQr() {
    [els.qr, els.qrSmall].forEach(function (img) {
      if (img.dataset.failed === "1") {
        delete img.dataset.failed;
        img.src = root.dataset.qrUrl + "?r=" + Date.now();
      }
    });
  }

  /* ------------------------------------------------------------------ start */

  Live.ready(function () {
    root = $("projector");
    if (!root) return;
    ["idle", "idle-title", "idle-step", "idle-hint", "idle-closed", "idle-next", "idle-next-list", "live", "title",
     "step", "now", "now-label", "ticket", "name", "origin", "field", "field-value", "unit", "unit-value",
     "timer", "timer-label", "next-list", "next-more", "join", "banner", "qr", "qr-small"].forEach(function (id) {
      var key = id.replace(/-([a-z])/g, function (w, c) { return c.toUpperCase(); });
      els[key] = $("pj-" + id);
    });
    els.joinDefault = Array.prototype.slice.call(els.join.childNodes).map(function (n) { return n.cloneNode(true); });
    watchQr(els.qr);
    watchQr(els.qrSmall);

    var code = root.dataset.meeting;
    Live.connect({
      meeting: code,
      auth: { scope: "public" },          // the public room only, even in a browser holding a staff grant
      snapshotUrls: { public: root.dataset.publicUrl },
      onPublic: function (s, v) {
        if (!s || typeof s !== "object") return;
        render(s);
        root.dataset.v = String(v);
      },
      onStatus: function (status) {
        root.dataset.status = status;
        root.classList.toggle("is-stale", status !== "online");
      }
    });
    setInterval(tick, TICK_MS);
  });
})();

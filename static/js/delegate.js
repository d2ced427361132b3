/*
 * The delegate's phone: join page, request form, tickets. Needs live.js (and socket.io for live pages).
 *
 * - The form's draft lives in localStorage while typing (a reload or a sleeping screen keeps it), with the
 *   draft's idempotency key. Submitting stores the request as "pending" and sends it; when the network is
 *   down it says so and retries by itself (also after a reload) until the server answers. The server keeps
 *   exactly one request per idempotency key, however many retries arrive.
 * - The key belongs to one draft. Every key sent is remembered with the text it was sent with: sending the
 *   same text again (a retry, "Gửi" again after going back) reuses its key, so the server answers with the
 *   request it has; any other text gets a new key, so a request filed right after another is never taken for
 *   a retry of it. A draft written while the last one was on its way stays in the form.
 * - Tickets follow the public stream (queue position from `queue`, wait from `pace_seconds`) and the
 *   device's own stream `mine`.
 * Every text comes from the #i18n block; user text only ever becomes textContent (Live.el / Live.fill).
 */
(function () {
  "use strict";

  var L = window.Live;
  var screen = document.getElementById("screen");

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".js-print"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
  if (!screen || !L) return;

  var t = L.t;
  var code = screen.getAttribute("data-meeting");
  var API = "/api/v1/meetings/" + encodeURIComponent(code);
  var KEY_DRAFT = "moderator.draft." + code;
  var KEY_PENDING = "moderator.pending." + code;
  var KEY_SENT = "moderator.sent." + code;
  var SENT_MAX = 20;
  var SENT_MS = 30 * 60 * 1000;   // a retry comes within minutes; the same text much later is filed anew

  /* ---------------------------------------------------------------- storage */

  function load(key) {
    try { var s = window.localStorage.getItem(key); return s ? JSON.parse(s) : null; } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function drop(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ }
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return "js-" + Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  /* ------------------------------------------------------- one key per draft */

  // What makes two submissions the same draft: the text of the request.
  function draftText(d) { return String(d && d.content || "").replace(/\s+/g, " ").trim(); }

  function sentKeys() {
    var l = load(KEY_SENT), now = Date.now();
    return (Array.isArray(l) ? l : []).filter(function (e) { return e && now - (e.at || 0) < SENT_MS; });
  }

  function rememberSent(key, text) {
    var l = sentKeys().filter(function (e) { return e.key !== key; });
    l.push({ key: key, text: text, at: Date.now() });
    save(KEY_SENT, l.slice(-SENT_MAX));
  }

  // A request withdrawn from this phone: filing the same text again is meant, not a retry.
  function forgetSent(text) {
    save(KEY_SENT, sentKeys().filter(function (e) { return e.text !== text; }));
  }

  // The key to send this draft with: the key it went with before if it is the same draft again (a retry);
  // a new key if the draft's key already went with another text; otherwise the draft's own key.
  function keyFor(text, current) {
    var l = sentKeys();
    for (var i = l.length - 1; i >= 0; i--) if (l[i].text === text) return l[i].key;
    if (!current || l.some(function (e) { return e.key === current; })) return newKey();
    return current;
  }

  /* ------------------------------------------------------------ phone rules */

  // The same rules as moderator/domain/phone.py: mobile 0[35789]xxxxxxxx, landline 02x + 8 digits;
  // +84 / (+84) / 84 / 0084, spaces, dots, dashes and parentheses accepted.
  var SEPARATORS = " \t.-()\u00a0\u2010\u2011\u2012\u2013\u2014\u2212";
  function normalizePhone(raw) {
    var s = String(raw || "");
    if (s.normalize) s = s.normalize("NFKC");
    s = s.trim();
    if (!s) return null;
    var intl = false;
    if (s.charAt(0) === "+") { intl = true; s = s.slice(1); }
    else if (s.slice(0, 2) === "(+") { intl = true; s = "(" + s.slice(2); }
    var d = "";
    for (var i = 0; i < s.length; i++) {
      var ch = s.charAt(i);
      if (ch >= "0" && ch <= "9") d += ch;
      else if (SEPARATORS.indexOf(ch) >= 0 || /\s/.test(ch)) continue;
      else return null;
    }
    if (d.slice(0, 4) === "0084") { d = d.slice(4); intl = true; }
    else if (intl) { if (d.slice(0, 2) !== "84") return null; d = d.slice(2); }
    else if (d.slice(0, 2) === "84") { d = d.slice(2); intl = true; }
    if (intl && d.charAt(0) !== "0") d = "0" + d;
    return /^0[35789]\d{8}$/.test(d) || /^02\d{9}$/.test(d) ? d : null;
  }

  /* ------------------------------------------------------- pending request */

  var banner = document.getElementById("pending");
  var retry = { timer: null, delay: 2000, busy: false };
  var FINAL_REFUSALS = ["too_many_devices_from_source", "too_many_open_from_source"];   // domain/floods.py
  var onRefused = null;     // set by the form page: show the server's field messages
  var onSent = null;        // set by the form page: start the next draft in the form on screen

  function showBanner(text) {
    if (!banner) return;
    banner.hidden = !text;
    L.fill(banner, text || "");
  }

  function setSubmitBusy(busy, label) {
    var btn = document.getElementById("submit");
    if (!btn) return;
    if (!btn.getAttribute("data-label")) btn.setAttribute("data-label", btn.textContent);
    btn.disabled = !!busy;
    btn.textContent = busy ? label : btn.getAttribute("data-label");
  }

  function schedule(ms) {
    if (retry.timer) clearTimeout(retry.timer);
    retry.timer = setTimeout(function () { retry.timer = null; sendPending(); }, ms);
  }

  async function refreshCsrf() {
    var res = await L.api("GET", "/api/v1/csrf");
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (res.ok && res.data && meta) meta.setAttribute("content", res.data.csrf_token);
    return res.ok;
  }

  async function sendPending() {
    var p = load(KEY_PENDING);
    if (!p || !p.body || retry.busy) return;
    retry.busy = true;
    setSubmitBusy(true, p.tries ? t("retrying") : t("sending"));
    var res = await L.api("POST", API + "/requests", p.body);
    retry.busy = false;
    if (res.ok && res.data && res.data.request) {
      drop(KEY_PENDING);
      var draft = load(KEY_DRAFT);
      if (draft && draftText(draft) === draftText(p.body)) {
        // Keep who the delegate is for a next request; the content and its key are done.
        draft.content = ""; draft.seat = ""; draft.field_id = ""; draft.consent = false;
        draft.idempotency_key = newKey();
        save(KEY_DRAFT, draft);
      } else if (draft && draft.idempotency_key === p.body.idempotency_key) {
        // A next request was begun while this one was on its way: it stays, with a key of its own.
        draft.idempotency_key = newKey();
        save(KEY_DRAFT, draft);
      }
      if (onSent) onSent(p.body, draft);
      showBanner(t("sent"));
      window.location.assign("/j/" + encodeURIComponent(code) + "/t/" + res.data.request.id);
      return;
    }
    var err = res.data && res.data.error ? res.data.error : null;
    if (res.status === 409 && err && err.code === "idempotency_key_reused") {
      // The key went with another text before: this is a new draft; send it with a key of its own.
      p.body.idempotency_key = newKey();
      rememberSent(p.body.idempotency_key, draftText(p.body));
      save(KEY_PENDING, p);
      schedule(0);
      return;
    }
    if (res.status === 403 && err && err.code === "csrf") {
      p.tries = (p.tries || 0) + 1;
      save(KEY_PENDING, p);
      await refreshCsrf();
      schedule(500);
      return;
    }
    // A 429 is usually "slow down" and worth retrying; the per-address limits are a refusal (until a request
    // closes or the organiser raises them): say so instead of "kept, will resend".
    var final429 = res.status === 429 && err && FINAL_REFUSALS.indexOf(err.code) >= 0;
    if (res.status === 0 || res.status === 408 || (res.status === 429 && !final429) || res.status >= 500) {
      p.tries = (p.tries || 0) + 1;
      save(KEY_PENDING, p);
      showBanner(t("offline_kept"));
      setSubmitBusy(true, t("retrying"));
      schedule(retry.delay);
      retry.delay = Math.min(retry.delay * 2, 15000);
      return;
    }
    // Refused (bad input, registration closed, limit reached): nothing was created; say why.
    drop(KEY_PENDING);
    setSubmitBusy(false);
    retry.delay = 2000;
    if (onRefused) onRefused(err);
    else showBanner(err && err.message ? err.message : t("failed"));
  }

  window.addEventListener("online", function () { retry.delay = 2000; if (load(KEY_PENDING)) schedule(0); });
  if (load(KEY_PENDING)) {
    showBanner(t("offline_kept"));
    L.ready(function () { schedule(0); });
  }

  /* -------------------------------------------------------------- the form */

  var FIELDS = ["full_name", "phone", "address", "locality", "organization", "position", "seat", "field_id", "content"];
  var MAX = { full_name: 120, phone: 30, address: 300, locality: 120, organization: 200, position: 200, seat: 40,
              content: 4000 };

  function setupForm(form) {
    var kindInput = document.getElementById("kind");
    var keyInput = document.getElementById("idempotency_key");
    var msg = document.getElementById("form-msg");
    var note = document.getElementById("draft-note");
    var saveTimer = null;

    function byName(name) { return form.elements[name]; }

    function setKind(kind) {
      kindInput.value = kind;
      Array.prototype.forEach.call(document.querySelectorAll(".kind-tab"), function (a) {
        if (a.getAttribute("data-kind") === kind) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      });
      Array.prototype.forEach.call(form.querySelectorAll("[data-for]"), function (box) {
        var on = box.getAttribute("data-for") === kind;
        box.hidden = !on;
        var input = box.querySelector("input, textarea, select");
        if (input && input.getAttribute("data-required")) input.required = on;
      });
      var lbl = document.querySelector("#f-full_name .lbl");
      if (lbl) lbl.textContent = kind === "organization" ? t("name_org") : t("name_citizen");
    }

    function collectDraft() {
      var d = { kind: kindInput.value, idempotency_key: keyInput.value };
      FIELDS.forEach(function (n) { if (byName(n)) d[n] = byName(n).value; });
      var speak = form.querySelector('input[name="wants_to_speak"]:checked');
      d.wants_to_speak = !speak || speak.value !== "0";
      d.consent = !!(byName("consent") && byName("consent").checked);
      return d;
    }

    function saveDraft() {
      saveTimer = null;
      if (save(KEY_DRAFT, collectDraft()) && note) { note.hidden = false; note.textContent = t("saved"); }
    }
    function saveSoon() { if (saveTimer) clearTimeout(saveTimer); saveTimer = setTimeout(saveDraft, 250); }
    function saveNow() { if (saveTimer) clearTimeout(saveTimer); saveDraft(); }

    // Restore: the draft wins over the empty page; a kind chosen in the address bar wins over the draft's.
    var draft = load(KEY_DRAFT);
    var urlKind = /[?&]kind=(citizen|organization)/.exec(window.location.search);
    if (draft) {
      FIELDS.forEach(function (n) {
        if (byName(n) && typeof draft[n] === "string" && draft[n] !== "" && !byName(n).value) byName(n).value = draft[n];
      });
      if (typeof draft.wants_to_speak === "boolean") {
        var r = form.querySelector('input[name="wants_to_speak"][value="' + (draft.wants_to_speak ? "1" : "0") + '"]');
        if (r) r.checked = true;
      }
      if (draft.consent && byName("consent")) byName("consent").checked = true;
      if (draft.idempotency_key) keyInput.value = draft.idempotency_key;
      if (!urlKind && (draft.kind === "citizen" || draft.kind === "organization")) setKind(draft.kind);
    }
    if (!keyInput.value) keyInput.value = newKey();
    setKind(urlKind ? urlKind[1] : kindInput.value);
    form.noValidate = true;    // our own messages, in Vietnamese, next to each field

    Array.prototype.forEach.call(document.querySelectorAll(".kind-tab"), function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        setKind(a.getAttribute("data-kind"));
        if (window.history && history.replaceState) history.replaceState(null, "", a.getAttribute("href"));
        saveDraft();
      });
    });
    form.addEventListener("input", function (e) { clearError(e.target.name); saveSoon(); });
    form.addEventListener("change", function (e) { clearError(e.target.name); saveSoon(); });
    window.addEventListener("pagehide", function () { if (saveTimer) saveDraft(); });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden" && saveTimer) saveDraft(); });

    function errorNode(name) { return document.getElementById(name + "-err"); }
    function clearError(name) {
      var node = errorNode(name);
      if (node) { node.hidden = true; node.textContent = ""; }
      var input = byName(name);
      if (input && input.removeAttribute) input.removeAttribute("aria-invalid");
    }
    function showError(name, text) {
      var node = errorNode(name);
      var input = byName(name);
      if (!node) return false;
      node.textContent = text;
      node.hidden = false;
      if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
      return true;
    }
    function showMessage(text) {
      if (!msg) return;
      msg.hidden = !text;
      msg.textContent = text || "";
    }

    function validate(d) {
      var errs = {};
      var org = d.kind === "organization";
      if (!d.full_name.trim()) errs.full_name = t("full_name_required");
      if (!d.phone.trim()) errs.phone = t("phone_required");
      else if (!normalizePhone(d.phone)) errs.phone = t("phone_invalid");
      if (!org && !d.address.trim()) errs.address = t("address_required");
      if (org && !d.position.trim()) errs.position = t("position_required");
      if (!d.content.trim()) errs.content = t("content_required");
      Object.keys(MAX).forEach(function (n) {
        if (!errs[n] && d[n] && d[n].trim().length > MAX[n]) errs[n] = t("too_long", { max: MAX[n] });
      });
      if (!d.consent) errs.consent = t("consent_required");
      return errs;
    }

    function body(d) {
      var org = d.kind === "organization";
      return {
        kind: d.kind, full_name: d.full_name.trim(), phone: d.phone.trim(),
        address: org ? "" : d.address.trim(), locality: org ? "" : d.locality.trim(),
        organization: org ? d.organization.trim() : "", position: org ? d.position.trim() : "",
        seat: d.seat.trim(), field_id: d.field_id ? parseInt(d.field_id, 10) : null, content: d.content.trim(),
        wants_to_speak: d.wants_to_speak, consent: d.consent, idempotency_key: d.idempotency_key
      };
    }

    function showErrors(errs) {
      var first = null;
      FIELDS.concat(["consent"]).forEach(function (n) { clearError(n); });
      Object.keys(errs).forEach(function (n) {
        if (showError(n, errs[n]) && !first) first = n;
      });
      if (first && byName(first) && byName(first).focus) byName(first).focus();
      return first;
    }

    // The request is filed: the form on screen becomes the next draft. What was sent leaves it; a text written
    // meanwhile stays. Either way the form's key is the next draft's, never the one just used.
    onSent = function (sent, draft) {
      if (saveTimer) { clearTimeout(saveTimer); saveTimer = null; }
      if (draftText({ content: byName("content").value }) === draftText(sent)) {
        ["content", "seat"].forEach(function (n) { if (byName(n)) byName(n).value = ""; });
        if (byName("field_id")) byName("field_id").value = "";
        if (byName("consent")) byName("consent").checked = false;
      }
      keyInput.value = draft && draft.idempotency_key && draft.idempotency_key !== sent.idempotency_key
        ? draft.idempotency_key : newKey();
      saveDraft();
    };

    onRefused = function (err) {
      var fields = err && err.fields ? err.fields : {};
      var shown = showErrors(fields);
      showMessage(shown ? t("fix") : (err && err.message) || t("failed"));
      if (!shown && msg) msg.scrollIntoView && msg.scrollIntoView();
      showBanner("");
    };

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var d = collectDraft();
      saveNow();
      var errs = validate(d);
      if (showErrors(errs)) { showMessage(t("fix")); return; }
      showMessage("");
      if (load(KEY_PENDING)) return;   // already on its way
      var b = body(d);
      b.idempotency_key = keyInput.value = keyFor(draftText(b), keyInput.value);
      saveNow();
      rememberSent(b.idempotency_key, draftText(b));   // before sending: the server may file it unheard
      save(KEY_PENDING, { body: b, at: Date.now(), tries: 0 });
      retry.delay = 2000;
      sendPending();
    });

    if (load(KEY_PENDING)) setSubmitBusy(true, t("retrying"));
    // Back to this page from the browser's memory: the button is usable again once nothing is on its way.
    window.addEventListener("pageshow", function (e) {
      if (e.persisted && !load(KEY_PENDING)) { setSubmitBusy(false); showBanner(""); }
    });
  }

  /* ------------------------------------------------------------- tickets */

  var state = { pub: null, mine: {}, conn: null };

  function fmtDate(iso) {
    if (!iso) return "";
    var p = String(iso).slice(0, 10).split("-");
    return p.length === 3 ? p[2] + "/" + p[1] + "/" + p[0] : String(iso);
  }

  function waitMinutes(n, pub) {
    var pace = pub.pace_seconds || (pub.meeting && pub.meeting.speaking_seconds) || 180;
    var current = 0;
    if (pub.floor) {
      var left = pub.floor.ends_at ? L.remainingMs(pub.floor.ends_at) : null;
      current = left !== null && left > 0 ? left / 1000 : pace / 2;
    }
    var secs = (n - 1) * pace + current;
    return secs > 0 ? Math.max(1, Math.round(secs / 60)) : 0;
  }

  // The twin of delegate.py `ticket_status`.
  function statusLines(r, pub) {
    var s = r.status;
    var lines = [];
    if (s === "accepted" && pub && pub.queue) {
      var i = pub.queue.indexOf(r.ticket);
      if (i >= 0) {
        var n = i + 1;
        lines.push(n === 1 && !pub.floor ? t("next") : t("pos", { n: n }));
        var min = waitMinutes(n, pub);
        if (min) lines.push(t("wait", { min: min }));
      }
    }
    var a = r.answer || {};
    var detail = t("st." + s + ".d", { target: r.merged_into_ticket || "", level: t("level." + (a.level || "province")) });
    if (detail && detail !== "st." + s + ".d") lines.push(detail);
    if (r.reason && s !== "withdrawn") lines.push(t("reason", { reason: r.reason }));
    if (["answered", "written", "forwarded", "deferred", "speaking", "called"].indexOf(s) >= 0) {
      if (a.unit) lines.push(t("unit", { unit: a.unit }));
      if (["answered", "written", "forwarded"].indexOf(s) >= 0) {
        if (a.answerer) lines.push(t("answerer", { name: a.answerer }));
        if (a.mode === "hall" || a.mode === "writing" || a.mode === "forwarded") lines.push(t("mode", { mode: t("mode." + a.mode) }));
        if (a.deadline && s !== "answered") lines.push(t("deadline", { date: fmtDate(a.deadline) }));
        if (a.summary) lines.push(t("summary", { text: a.summary }));
      }
    }
    var head = t("st." + s);
    return { head: head === "st." + s ? (r.status_label || s) : head, lines: lines };
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  function renderCard(card, r) {
    var before = card.getAttribute("data-status");
    card.setAttribute("data-status", r.status);
    var st = statusLines(r, state.pub);
    var box = card.querySelector(".ticket-status");
    var sig = st.head + "\n" + st.lines.join("\n");
    if (box.getAttribute("data-sig") !== sig) {       // unchanged text is not announced again
      box.setAttribute("data-sig", sig);
      box.className = "ticket-status st-" + r.status;
      L.fill(box, L.el("p", { class: "st-head" }, st.head),
             L.el("ul", { class: "st-lines" }, st.lines.map(function (x) { return L.el("li", x); })));
    }
    var content = card.querySelector(".ticket-content");
    setText(content, r.content);
    var edit = card.querySelector(".act-edit");
    if (edit) {
      edit.hidden = !r.editable;
      if (!r.editable) edit.open = false;
      var ta = edit.querySelector("textarea");
      if (ta && !edit.open) ta.value = r.content;
    }
    var wd = card.querySelector(".act-withdraw");
    if (wd) { wd.hidden = !r.withdrawable; if (!r.withdrawable) wd.open = false; }
    if (before && before !== r.status) {
      card.classList.remove("is-flash");
      void card.offsetWidth;
      card.classList.add("is-flash");
      if ((r.status === "called" || r.status === "speaking") && navigator.vibrate) {
        try { navigator.vibrate([300, 150, 300]); } catch (e) { /* not allowed */ }
      }
    }
  }

  function newCard(r) {
    // A request filed from another tab: status and a link to its page.
    return L.el("article", { class: "ticket card", id: "t" + r.id, "data-id": r.id, "data-ticket": r.ticket,
                             "data-status": r.status },
      L.el("p", { class: "ticket-head" }, L.el("span", { class: "ticket-label" }, t("ticket")), " ",
           L.el("span", { class: "ticket-big" }, String(r.ticket))),
      L.el("div", { class: "ticket-status", role: "status", "aria-live": "polite" }),
      L.el("p", { class: "ticket-content break" }, r.content),
      L.el("p", L.el("a", { class: "btn", href: "/j/" + encodeURIComponent(code) + "/t/" + r.id }, t("open"))));
  }

  function renderTickets() {
    var list = document.getElementById("mine-list");
    Object.keys(state.mine).forEach(function (id) {
      var r = state.mine[id];
      var card = document.getElementById("t" + r.id);
      if (!card && list && screen.getAttribute("data-screen") === "join") {
        card = newCard(r);
        list.insertBefore(card, list.firstChild);
        var sec = document.getElementById("mine");
        if (sec) sec.hidden = false;
      }
      if (card) renderCard(card, r);
    });
  }

  function renderPublic() {
    var pub = state.pub;
    if (!pub) return;
    var now = document.getElementById("now");
    setText(now, pub.floor ? t("now", { ticket: pub.floor.ticket, name: pub.floor.name }) : t("now_none"));
    var waiting = document.getElementById("waiting");
    if (pub.counts) setText(waiting, t("waiting", { n: pub.counts.queued }));
    var m = pub.meeting || {};
    var open = m.registration_open && m.status !== "closed";
    var regOpen = document.getElementById("reg-open");
    var regClosed = document.getElementById("reg-closed");
    if (regOpen && regClosed) {
      regOpen.hidden = !open;
      regClosed.hidden = !!open;
      var note = document.getElementById("reg-note");
      setText(note, m.registration_note || t("closed"));
    }
  }

  function setupTicketActions() {
    screen.addEventListener("submit", async function (e) {
      var form = e.target;
      var card = form.closest && form.closest(".ticket");
      if (!card) return;
      var id = card.getAttribute("data-id");
      if (form.classList.contains("js-edit")) {
        e.preventDefault();
        var ta = form.querySelector("textarea");
        var err = form.querySelector(".field-error");
        var text = ta.value.trim();
        var problem = !text ? t("content_required") : text.length > 4000 ? t("too_long", { max: 4000 }) : "";
        if (!problem) {
          var res = await L.api("PATCH", API + "/mine/" + id, { content: text });
          if (res.ok) {
            err.hidden = true;
            form.parentNode.open = false;
            if (state.mine[id]) { state.mine[id].content = text; renderCard(card, state.mine[id]); }
            else card.querySelector(".ticket-content").textContent = text;
            if (state.conn) state.conn.refetch("mine");
            return;
          }
          problem = res.data && res.data.error ? res.data.error.message : t("failed");
        }
        err.textContent = problem;
        err.hidden = false;
        ta.setAttribute("aria-invalid", "true");
        ta.focus();
      } else if (form.classList.contains("js-withdraw")) {
        e.preventDefault();
        var btn = form.querySelector("button");
        btn.disabled = true;
        var r2 = await L.api("POST", API + "/mine/" + id + "/withdraw");
        btn.disabled = false;
        if (r2.ok) {
          form.parentNode.open = false;
          forgetSent(draftText({ content: card.querySelector(".ticket-content").textContent }));
          if (state.mine[id]) { state.mine[id].status = "withdrawn"; state.mine[id].editable = false; state.mine[id].withdrawable = false; }
          if (state.conn) state.conn.refetch("mine");
          if (state.mine[id]) renderCard(card, state.mine[id]);
        } else {
          var p = form.querySelector(".field-error") || form.appendChild(L.el("p", { class: "field-error" }));
          p.textContent = r2.data && r2.data.error ? r2.data.error.message : t("failed");
          p.hidden = false;
        }
      }
    });
  }

  // The Socket.IO client is fetched once the page has loaded: the form and the ticket show at once, even on
  // a slow hall network, and become live a moment later.
  function withSocketIo(fn) {
    if (typeof window.io === "function") { fn(); return; }
    var src = document.getElementById("socketio-src");
    if (!src) return;
    var load = function () {
      var s = document.createElement("script");
      s.src = src.getAttribute("content");
      s.onload = fn;
      document.head.appendChild(s);
    };
    if (document.readyState === "complete") load();
    else window.addEventListener("load", load, { once: true });
  }

  function setupLive() {
    state.conn = L.connect({
      meeting: code,
      snapshotUrls: { public: API + "/public", mine: API + "/mine" },
      onSnapshot: function (kind, data) {
        if (kind === "public") { state.pub = data; renderPublic(); renderTickets(); return; }
        if (kind === "mine") {
          state.mine = {};
          (data.requests || []).forEach(function (r) { state.mine[r.id] = r; });
          renderTickets();
        }
      },
      onPublic: function (st) { state.pub = st; renderPublic(); renderTickets(); },
      onMine: function (msg) {
        (msg.requests || []).forEach(function (r) { state.mine[r.id] = r; });
        renderTickets();
      }
    });
    // Estimated waits count down with the speaker's timer.
    setInterval(function () { if (state.pub && state.pub.floor) renderTickets(); }, 30000);
  }

  L.ready(function () {
    var form = document.getElementById("request-form");
    if (form) setupForm(form);
    if (document.querySelector(".ticket")) setupTicketActions();
    else if (screen.getAttribute("data-screen") === "join") setupTicketActions();
    if (screen.getAttribute("data-screen") !== "form") withSocketIo(setupLive);
  });

  // For tests and the console.
  window.ModeratorDelegate = { normalizePhone: normalizePhone, statusLines: statusLines };
})();

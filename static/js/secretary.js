/*
 * The secretary's screen: live minutes.
 *
 * Data: GET {api}/minutes (a snapshot with `v`, the meeting version) and the Socket.IO `staff` stream. A staff
 * message that changes requests or the meeting refetches the snapshot; one carrying `minutes` (another clerk's
 * save) updates that entry in place.
 *
 * Nothing typed is lost: every keystroke is written to localStorage at once (key moderator.minutes.<code>.<id>),
 * then saved to the server after a short pause (PUT {api}/minutes/entries/<id> with the revision it was typed
 * on). A reload, a lost connection or a closed laptop keeps the draft; it is re-sent when the page (re)connects.
 * If another clerk saved the same text meanwhile, the server answers 409 with both texts and the entry shows
 * them side by side until the secretary chooses.
 */
(function () {
  "use strict";

  var SAVE_DELAY_MS = 1200;
  var RETRY_MS = 4000;

  var root = document.getElementById("secretary");
  if (!root) return;
  var code = root.getAttribute("data-meeting");
  var API = root.getAttribute("data-api");
  var LS = "moderator.minutes." + code + ".";
  var el = Live.el, t = Live.t;

  var entries = {};          // request_id -> state
  var order = [];
  var snapshot = null;
  var conn = null;
  var online = false;
  var refetchTimer = null;
  var rendered = false;      // the first snapshot has been drawn (no scrolling on page load)

  /* ------------------------------------------------------------- storage */

  function lsGet(key) {
    try { var raw = window.localStorage.getItem(LS + key); return raw ? JSON.parse(raw) : null; }
    catch (e) { return null; }
  }
  function lsSet(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(LS + key);
      else window.localStorage.setItem(LS + key, JSON.stringify(value));
    } catch (e) { /* private mode or full: the server copy is all we have */ }
  }

  function persist(st) {
    var fields = Object.keys(st.dirty);
    lsSet("e" + st.id, fields.length ? { base: st.base, fields: st.dirty, at: Date.now() } : null);
    updatePending();
  }

  function updatePending() {
    var n = 0;
    Object.keys(entries).forEach(function (id) { if (Object.keys(entries[id].dirty).length) n++; });
    if (conclusion.dirty !== null) n++;
    var node = document.getElementById("sec-pending");
    node.hidden = n === 0;
    node.textContent = t("pending", { n: n });
  }

  /* ------------------------------------------------------------- helpers */

  function duration(secs) {
    if (typeof secs !== "number") return "";
    return t("duration", { m: Math.floor(secs / 60), s: secs % 60 });
  }

  function badge(status, label) { return el("span", { class: "badge badge-" + status }, label); }

  function errorMessage(res) {
    var err = res && res.data && res.data.error;
    if (!err) return res && res.offline ? t("offline_error") : "HTTP " + (res ? res.status : "?");
    var msg = err.message || "";
    if (err.fields) msg += " " + Object.keys(err.fields).map(function (k) { return err.fields[k]; }).join(" ");
    return msg;
  }

  /* ------------------------------------------------------------- entries */

  function makeEntry(data) {
    var st = { id: data.request_id, data: data, base: data.revision, dirty: {}, saving: false, again: false,
               timer: null, conflict: null, error: null, offline: false, refs: {} };
    var r = st.refs;
    r.no = el("span", { class: "sec-entry-no" });
    r.ticket = el("span", { class: "sec-entry-ticket muted" });
    r.speaker = el("strong", { class: "sec-speaker" });
    r.where = el("span", { class: "sec-where" });
    r.status = el("span", { class: "sec-entry-status" });
    r.times = el("p", { class: "sec-times muted mb-0" });
    r.co = el("p", { class: "sec-co mb-0" });
    r.original = el("p", { class: "sec-original muted small" });
    r.summary = el("textarea", { class: "sec-text", rows: 4, "data-field": "summary",
                                 "aria-label": t("summary"), id: "sum-" + st.id });
    r.answerInfo = el("p", { class: "sec-answer-info mb-1" });
    r.answer = el("textarea", { class: "sec-text", rows: 3, "data-field": "answer_summary",
                                "aria-label": t("answer_summary"), id: "ans-" + st.id });
    r.state = el("p", { class: "sec-save-state small", role: "status" });
    r.conflict = el("div", { class: "sec-conflict alert alert-warn", hidden: true });
    r.history = el("ol", { class: "sec-history small", hidden: true });
    r.historyBtn = el("button", { type: "button", class: "btn btn-link sec-history-btn", onclick: function () {
      toggleHistory(st);
    } }, t("history"));
    r.node = el("article", { class: "sec-entry", dataset: { requestId: st.id } },
      el("header", { class: "sec-entry-head" }, r.no, " ", r.ticket, " ", r.status,
        el("div", null, r.speaker, r.where), r.times, r.co),
      el("label", { class: "field-label", for: "sum-" + st.id }, t("summary")), r.summary, r.original,
      el("div", { class: "sec-answer" }, r.answerInfo,
        el("label", { class: "field-label", for: "ans-" + st.id }, t("answer_summary")), r.answer),
      r.state, r.conflict, r.historyBtn, r.history);
    [r.summary, r.answer].forEach(function (ta) {
      ta.addEventListener("input", function () { onInput(st, ta); });
      ta.addEventListener("blur", function () { if (Object.keys(st.dirty).length) saveSoon(st, 0); });
    });
    // A draft left by a reload, a crash or an offline spell: restore it and send it again.
    var draft = lsGet("e" + st.id);
    if (draft && draft.fields && typeof draft.base === "number") {
      st.base = draft.base;
      Object.keys(draft.fields).forEach(function (f) {
        if (f === "summary" || f === "answer_summary") st.dirty[f] = String(draft.fields[f]);
      });
      if (Object.keys(st.dirty).length) saveSoon(st, 300);
    }
    return st;
  }

  function textareaFor(st, field) { return field === "summary" ? st.refs.summary : st.refs.answer; }

  function updateEntry(st, data) {
    st.data = data;
    var r = st.refs;
    r.no.textContent = t("entry_no", { n: data.order });
    r.ticket.textContent = t("ticket", { n: data.ticket });
    Live.fill(r.status, badge(data.status, data.status_label),
              data.on_floor ? el("span", { class: "badge badge-speaking sec-onfloor" }, t("on_floor")) : null);
    r.speaker.textContent = data.speaker;
    r.where.textContent = [data.locality, data.field].filter(Boolean).map(function (s) { return " – " + s; }).join("");
    var times = [];
    if (data.start_time) {
      times.push(data.end_time ? t("time_range", { from: data.start_time, to: data.end_time }) : data.start_time);
    } else if (data.called_time) {
      times.push(t("called", { t: data.called_time }));
    }
    if (data.duration_seconds !== null && data.duration_seconds !== undefined) times.push(duration(data.duration_seconds));
    times.push(data.source_label);
    r.times.textContent = times.join(" · ");
    r.co.textContent = data.co_signers.length ? t("co_signers", { names: data.co_signers.join(", ") }) : "";
    r.co.hidden = !data.co_signers.length;
    r.original.textContent = data.edited && data.summary !== data.content ? t("original", { text: data.content }) : "";
    r.original.hidden = !r.original.textContent;
    var a = data.answer || {};
    var info = [];
    if (a.unit) info.push(t("answer_unit", { unit: a.unit }));
    if (a.answerer) info.push(t("answerer", { name: a.answerer }));
    if (a.mode_label) info.push(t("mode", { mode: a.mode_label + (a.mode === "forwarded" && a.level_label ? " – " + a.level_label : "") }));
    if (a.deadline) info.push(t("deadline", { date: a.deadline.split("-").reverse().join("/") }));
    r.answerInfo.textContent = info.length ? info.join(" · ") : t("no_answer");
    r.node.classList.toggle("is-current", !!data.on_floor);
    ["summary", "answer_summary"].forEach(function (f) {
      var ta = textareaFor(st, f);
      if (Object.prototype.hasOwnProperty.call(st.dirty, f)) {
        if (ta.value !== st.dirty[f]) ta.value = st.dirty[f];
      } else if (ta.value !== data[f]) {
        ta.value = data[f];
      }
    });
    if (!Object.keys(st.dirty).length && !st.saving) st.base = data.revision;
    showState(st);
  }

  function showState(st) {
    var r = st.refs, text, cls = "";
    if (st.conflict) { text = t("conflict"); cls = "is-conflict"; }
    else if (st.saving) text = t("saving");
    else if (st.error) { text = t("save_error", { msg: st.error }); cls = "is-error"; }
    else if (Object.keys(st.dirty).length) { text = st.offline ? t("unsaved_offline") : t("unsaved"); cls = "is-dirty"; }
    else if (st.data.edited) text = t("saved_by", { rev: st.data.revision, who: st.data.updated_by });
    else text = "";
    r.state.textContent = text;
    r.state.className = "sec-save-state small " + cls;
    r.node.classList.toggle("is-dirty", !!Object.keys(st.dirty).length);
    r.node.classList.toggle("has-conflict", !!st.conflict);
  }

  function onInput(st, ta) {
    var f = ta.getAttribute("data-field");
    st.dirty[f] = ta.value;
    st.error = null;
    persist(st);
    showState(st);
    saveSoon(st, SAVE_DELAY_MS);
  }

  function saveSoon(st, delay) {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(function () { st.timer = null; save(st); }, delay);
  }

  async function save(st) {
    if (st.conflict) return;                          // the secretary chooses first
    if (!Object.keys(st.dirty).length) return;
    if (st.saving) { st.again = true; return; }
    st.saving = true;
    st.again = false;
    var sent = Object.assign({}, st.dirty);
    var body = Object.assign({ expected_revision: st.base }, sent);
    showState(st);
    var res = await Live.api("PUT", API + "/minutes/entries/" + st.id, body);
    st.saving = false;
    if (res.ok && res.data && res.data.entry) {
      var e = res.data.entry;
      st.base = e.revision;
      st.offline = false;
      st.error = null;
      Object.keys(sent).forEach(function (f) { if (st.dirty[f] === sent[f]) delete st.dirty[f]; });
      persist(st);
      st.data = Object.assign({}, st.data, { summary: e.summary, answer_summary: e.answer_summary,
                                             revision: e.revision, edited: e.edited, updated_by: e.updated_by });
      updateEntry(st, st.data);
      if (Object.keys(st.dirty).length) saveSoon(st, st.again ? 0 : SAVE_DELAY_MS);
      return;
    }
    if (res.status === 409 && res.data && res.data.error && res.data.error.code === "minutes_conflict") {
      st.conflict = res.data.error;
      showConflict(st);
      showState(st);
      return;
    }
    if (res.offline || res.status === 0 || res.status >= 500 || res.status === 429) {
      st.offline = true;                              // kept in localStorage; sent again later / on reconnect
      showState(st);
      saveSoon(st, RETRY_MS);
      return;
    }
    st.error = errorMessage(res);                     // refused (4xx): keep the text, say why
    showState(st);
  }

  function showConflict(st) {
    var c = st.conflict, theirs = c.theirs || {}, r = st.refs;
    var fields = c.conflict_fields && c.conflict_fields.length ? c.conflict_fields : Object.keys(st.dirty);
    var blocks = fields.map(function (f) {
      return el("div", { class: "sec-conflict-field" },
        el("h4", null, t(f)),
        el("div", { class: "grid-2" },
          el("div", null, el("p", { class: "bold mb-0" }, t("conflict_by", { who: theirs.updated_by || "?", rev: theirs.revision })),
            el("pre", { class: "sec-theirs", dataset: { field: f } }, theirs[f] || "")),
          el("div", null, el("p", { class: "bold mb-0" }, t("conflict_yours")),
            el("pre", { class: "sec-yours", dataset: { field: f } }, st.dirty[f] !== undefined ? st.dirty[f] : ""))));
    });
    Live.fill(r.conflict,
      el("p", { class: "bold" }, c.message || t("conflict")),
      blocks,
      el("div", { class: "btn-group" },
        el("button", { type: "button", class: "btn btn-primary sec-keep-mine", onclick: function () { resolve(st, "mine"); } }, t("keep_mine")),
        el("button", { type: "button", class: "btn sec-use-theirs", onclick: function () { resolve(st, "theirs"); } }, t("use_theirs"))));
    r.conflict.hidden = false;
  }

  function resolve(st, choice) {
    var c = st.conflict, theirs = c.theirs || {};
    st.conflict = null;
    st.refs.conflict.hidden = true;
    st.base = theirs.revision || 0;
    if (choice === "theirs") {
      (c.conflict_fields || []).forEach(function (f) {
        delete st.dirty[f];
        textareaFor(st, f).value = theirs[f] || "";
        st.data[f] = theirs[f] || "";
      });
      st.data.revision = st.base;
    }
    persist(st);
    showState(st);
    if (Object.keys(st.dirty).length) save(st);
  }

  async function toggleHistory(st) {
    var r = st.refs;
    if (!r.history.hidden) { r.history.hidden = true; r.historyBtn.textContent = t("history"); return; }
    var res = await Live.api("GET", API + "/minutes/entries/" + st.id + "/revisions");
    if (!res.ok || !res.data) return;
    var items = res.data.revisions.map(function (v) {
      return el("li", null, el("p", { class: "bold mb-0" }, t("history_item", { rev: v.revision, time: v.time, who: v.author })),
        el("p", { class: "mb-0" }, v.summary), v.answer_summary ? el("p", { class: "muted" }, v.answer_summary) : null);
    });
    Live.fill(r.history, items.length ? items : el("li", null, t("history_empty")));
    r.history.hidden = false;
    r.historyBtn.textContent = t("history_hide");
  }

  function flushAll() {
    Object.keys(entries).forEach(function (id) {
      var st = entries[id];
      if (Object.keys(st.dirty).length && !st.saving && !st.conflict) saveSoon(st, 0);
    });
    if (conclusion.dirty !== null) saveConclusion();
  }

  /* ------------------------------------------------------------- conclusion */

  var conclusion = { dirty: null, saving: false, timer: null, node: document.getElementById("sec-conclusion"),
                     state: document.getElementById("sec-conclusion-state") };

  (function () {
    var draft = lsGet("conclusion");
    if (draft && typeof draft.text === "string") { conclusion.dirty = draft.text; conclusion.node.value = draft.text; }
    conclusion.node.addEventListener("input", function () {
      conclusion.dirty = conclusion.node.value;
      lsSet("conclusion", { text: conclusion.dirty, at: Date.now() });
      conclusion.state.textContent = t("unsaved");
      updatePending();
      if (conclusion.timer) clearTimeout(conclusion.timer);
      conclusion.timer = setTimeout(saveConclusion, SAVE_DELAY_MS);
    });
  })();

  async function saveConclusion() {
    if (conclusion.dirty === null || conclusion.saving) return;
    conclusion.saving = true;
    var sent = conclusion.dirty;
    conclusion.state.textContent = t("saving");
    var res = await Live.api("PUT", API + "/minutes/conclusion", { text: sent });
    conclusion.saving = false;
    if (res.ok) {
      if (conclusion.dirty === sent) { conclusion.dirty = null; lsSet("conclusion", null); }
      conclusion.state.textContent = t("saved");
      updatePending();
      if (conclusion.dirty !== null) conclusion.timer = setTimeout(saveConclusion, SAVE_DELAY_MS);
    } else if (res.offline || res.status >= 500 || res.status === 0) {
      conclusion.state.textContent = t("unsaved_offline");
      conclusion.timer = setTimeout(saveConclusion, RETRY_MS);
    } else {
      conclusion.state.textContent = t("save_error", { msg: errorMessage(res) });
    }
  }

  /* ------------------------------------------------------------- attendance */

  var attendanceDirty = false;

  function leaderRow(p) {
    return el("div", { class: "sec-row sec-leader" },
      el("input", { type: "text", class: "sec-name", maxlength: 120, value: p.name || "", "aria-label": t("name"), placeholder: t("name") }),
      el("input", { type: "text", class: "sec-title-input", maxlength: 200, value: p.title || "", "aria-label": t("title"), placeholder: t("title") }),
      el("button", { type: "button", class: "btn btn-link", onclick: function (ev) { ev.target.parentNode.remove(); attendanceDirty = true; } }, t("remove")));
  }

  function groupRow(g) {
    return el("div", { class: "sec-row sec-group" },
      el("input", { type: "text", class: "sec-label", maxlength: 200, value: g.label || "", "aria-label": t("label"), placeholder: t("label") }),
      el("input", { type: "number", class: "sec-count", min: 0, max: 100000,
                    value: g.count === null || g.count === undefined ? "" : g.count, "aria-label": t("count"), placeholder: t("count") }),
      el("button", { type: "button", class: "btn btn-link", onclick: function (ev) { ev.target.parentNode.remove(); attendanceDirty = true; } }, t("remove")));
  }

  function renderAttendance(att) {
    if (attendanceDirty) return;
    Live.fill(document.getElementById("sec-leaders"), att.leaders.map(leaderRow));
    Live.fill(document.getElementById("sec-groups"), att.groups.map(groupRow));
  }

  function setupAttendance() {
    var form = document.getElementById("sec-attendance");
    form.addEventListener("input", function () { attendanceDirty = true; });
    document.getElementById("sec-add-leader").addEventListener("click", function () {
      document.getElementById("sec-leaders").appendChild(leaderRow({})); attendanceDirty = true;
    });
    document.getElementById("sec-add-group").addEventListener("click", function () {
      document.getElementById("sec-groups").appendChild(groupRow({})); attendanceDirty = true;
    });
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var leaders = [], groups = [];
      form.querySelectorAll(".sec-leader").forEach(function (row) {
        var name = row.querySelector(".sec-name").value.trim();
        if (name) leaders.push({ name: name, title: row.querySelector(".sec-title-input").value.trim() });
      });
      form.querySelectorAll(".sec-group").forEach(function (row) {
        var label = row.querySelector(".sec-label").value.trim();
        var raw = row.querySelector(".sec-count").value.trim();
        if (label) groups.push({ label: label, count: raw === "" ? null : parseInt(raw, 10) });
      });
      var state = document.getElementById("sec-attendance-state");
      var res = await Live.api("PUT", API + "/minutes/attendance", { leaders: leaders, groups: groups });
      if (res.ok) { attendanceDirty = false; state.textContent = t("attendance_saved"); }
      else state.textContent = t("save_error", { msg: errorMessage(res) });
    });
  }

  /* ------------------------------------------------------------- number, format, signatories */

  var headerDirty = false;

  function renderHeader(data) {
    var form = document.getElementById("sec-header");
    if (headerDirty) return;
    var m = data.meeting, sig = data.signatories, chairs = sig.chairs || [];
    form.doc_number.value = m.doc_number || "";
    form.doc_format.value = m.doc_format || "party";
    [1, 2].forEach(function (k) {
      var c = chairs[k - 1] || {};
      form["chair" + k + "_name"].value = c.name || "";
      form["chair" + k + "_title"].value = c.title || "";
    });
    form.secretary_name.value = (sig.secretary && sig.secretary.name) || "";
    form.secretary_title.value = (sig.secretary && sig.secretary.title) || "";
  }

  function setupHeader() {
    var form = document.getElementById("sec-header");
    form.addEventListener("input", function () { headerDirty = true; });
    form.addEventListener("change", function () { headerDirty = true; });
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var chairs = [1, 2].map(function (k) {
        return { name: form["chair" + k + "_name"].value.trim(), title: form["chair" + k + "_title"].value.trim() };
      }).filter(function (c) { return c.name; });
      var body = { doc_number: form.doc_number.value.trim(), doc_format: form.doc_format.value, chairs: chairs,
                   secretary: { name: form.secretary_name.value.trim(), title: form.secretary_title.value.trim() } };
      var state = document.getElementById("sec-header-state");
      var res = await Live.api("PUT", API + "/minutes/header", body);
      if (res.ok) { headerDirty = false; state.textContent = t("header_saved"); }
      else state.textContent = t("save_error", { msg: errorMessage(res) });
    });
  }

  /* ------------------------------------------------------------- paper form */

  function newKey() {
    var a = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return "paper-" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function setupPaper() {
    var form = document.getElementById("sec-paper");
    var errBox = document.getElementById("sec-paper-error");
    var okBox = document.getElementById("sec-paper-ok");
    var key = newKey();
    function kindChanged() {
      var org = form.querySelector('input[name="kind"]:checked').value === "organization";
      form.querySelectorAll(".sec-org").forEach(function (n) { n.hidden = !org; });
      form.querySelectorAll(".sec-citizen").forEach(function (n) { n.hidden = org; });
    }
    form.querySelectorAll('input[name="kind"]').forEach(function (n) { n.addEventListener("change", kindChanged); });
    form.addEventListener("input", function () { okBox.hidden = true; });
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      form.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
      form.querySelectorAll(".field-error").forEach(function (n) { n.remove(); });
      errBox.hidden = true;
      var kind = form.querySelector('input[name="kind"]:checked').value;
      var body = {
        source: form.querySelector('input[name="source"]:checked').value, kind: kind,
        full_name: form.full_name.value, phone: form.phone.value, content: form.content.value,
        seat: form.seat.value, wants_to_speak: form.wants_to_speak.checked, idempotency_key: key,
        field_id: form.field_id.value ? parseInt(form.field_id.value, 10) : null
      };
      if (kind === "organization") { body.organization = form.organization.value; body.position = form.position.value; }
      else { body.locality = form.locality.value; body.address = form.address.value; }
      var res = await Live.api("POST", API + "/paper", body);
      if (res.ok && res.data) {
        okBox.textContent = t("paper_ok", { ticket: res.data.ticket });
        okBox.hidden = false;
        ["full_name", "phone", "locality", "address", "organization", "position", "content", "seat"].forEach(function (n) { form[n].value = ""; });
        form.field_id.value = "";
        key = newKey();
        form.full_name.focus();
        return;
      }
      var err = res.data && res.data.error;
      errBox.textContent = res.offline ? t("offline_error") : (err && err.message) || t("paper_error");
      errBox.hidden = false;
      if (err && err.fields) {
        Object.keys(err.fields).forEach(function (name) {
          var input = form.elements[name];
          if (!input || !input.parentNode) return;
          input.setAttribute("aria-invalid", "true");
          input.parentNode.appendChild(el("span", { class: "field-error" }, err.fields[name]));
        });
      }
    });
  }

  function renderFields(fields) {
    var select = document.getElementById("p-field_id");
    if (select.options.length > 1) return;
    fields.forEach(function (f) { select.appendChild(el("option", { value: f.id }, f.name)); });
  }

  /* ------------------------------------------------------------- rendering */

  function render(data) {
    snapshot = data;
    var m = data.meeting;
    document.getElementById("sec-opened").textContent = m.opened_time || t("not_started");
    document.getElementById("sec-closed").textContent = m.closed_time || t("not_closed");
    Live.fill(document.getElementById("sec-steps"), data.steps.map(function (s) {
      return el("li", { class: s.position === m.current_step ? "is-current" : "" }, s.title,
        s.time ? el("span", { class: "muted" }, " (" + t("step_time", { t: s.time }) + ")") : null);
    }));
    renderAttendance(data.attendance);
    renderHeader(data);
    renderFields(data.fields);
    if (conclusion.dirty === null && document.activeElement !== conclusion.node && conclusion.node.value !== m.conclusion) {
      conclusion.node.value = m.conclusion || "";
    }
    var list = document.getElementById("sec-entries");
    var seen = {};
    var added = null;
    order = [];
    data.entries.forEach(function (d) {
      var st = entries[d.request_id];
      if (!st) { st = makeEntry(d); entries[d.request_id] = st; added = st; }
      updateEntry(st, d);
      seen[d.request_id] = true;
      order.push(st);
    });
    Object.keys(entries).forEach(function (id) {
      if (!seen[id] && !Object.keys(entries[id].dirty).length) {     // requeued: no longer in the minutes
        entries[id].refs.node.remove();
        delete entries[id];
      }
    });
    order.forEach(function (st, i) {                                   // keep DOM order = order of call
      if (list.children[i] !== st.refs.node) list.insertBefore(st.refs.node, list.children[i] || null);
    });
    document.getElementById("sec-empty").hidden = data.entries.length > 0;
    // A speaker was just called: bring the new entry into view, unless the secretary is typing somewhere.
    var typing = document.activeElement && /^(TEXTAREA|INPUT|SELECT)$/.test(document.activeElement.tagName);
    if (added && rendered && !typing && added.refs.node.scrollIntoView) added.refs.node.scrollIntoView({ block: "nearest" });
    rendered = true;
    root.setAttribute("data-state", "ready");
    root.setAttribute("data-version", String(data.v));
    updatePending();
  }

  function scheduleRefetch() {
    if (refetchTimer) return;
    refetchTimer = setTimeout(function () { refetchTimer = null; if (conn) conn.refetch("staff"); }, 150);
  }

  function onStaff(msg) {
    root.setAttribute("data-version", String(msg.v));
    if (msg.minutes) {
      var st = entries[msg.minutes.request_id];
      if (st) {
        var d = Object.assign({}, st.data, { summary: msg.minutes.summary, answer_summary: msg.minutes.answer_summary,
                                             revision: msg.minutes.revision, edited: msg.minutes.edited,
                                             updated_by: msg.minutes.updated_by });
        if (!st.saving || msg.minutes.revision > st.data.revision) updateEntry(st, d);
      } else {
        scheduleRefetch();
      }
    }
    if ((msg.requests && msg.requests.length) || msg.meeting || msg.minutes_meta) scheduleRefetch();
  }

  function setStatus(s) {
    online = s === "online";
    var node = document.getElementById("sec-status");
    node.textContent = t(s === "online" ? "online" : "offline");
    node.className = "badge " + (online ? "badge-ok" : "badge-danger");
    Object.keys(entries).forEach(function (id) { if (!online) entries[id].offline = true; showState(entries[id]); });
    if (online) flushAll();
  }

  Live.ready(function () {
    document.getElementById("sec-status").textContent = t("loading");
    setupAttendance();
    setupHeader();
    setupPaper();
    updatePending();
    window.addEventListener("online", flushAll);
    conn = Live.connect({
      meeting: code,
      snapshotUrls: { staff: API + "/minutes" },
      onSnapshot: function (kind, data) { if (kind === "staff") { render(data); flushAll(); } },
      onStaff: onStaff,
      onStatus: setStatus
    });
  });
})();

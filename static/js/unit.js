/*
 * The answering unit's screen (templates/unit.html): the requests assigned to the unit, their deadlines, and
 * a form per request to write (or load from a .txt file) and send its answer.
 *
 * Snapshot GET /api/v1/meetings/<code>/unit; then `unit` socket messages ({v, requests:[UnitRequest + removed]})
 * merged by id. What the answer button does depends on the request's state (services.requests.unit_answer):
 * before the hall it stores the prepared answer; on the floor, the summary of what was said; in follow-up
 * (written, forwarded, deferred) it closes the request as answered in writing.
 * #screen carries data-state (loading | ready | error) for tests; each card is [data-request-id].
 */
(function () {
  "use strict";

  var Live = window.Live;
  var t = Live.t;
  var root, els = {};
  var items = {};          // id -> UnitRequest
  var drafts = {};         // id -> text being typed (kept across re-renders)
  var notes = {};          // id -> {text, error}
  var busy = {};
  var FOLLOW = { written: 1, forwarded: 1, deferred: 1 };
  var CLOSED = { declined: 1, withdrawn: 1, merged: 1, complaint: 1 };
  var BEFORE = { submitted: 1, accepted: 1, called: 1 };

  function $(id) { return document.getElementById(id); }

  function today() {
    var d = new Date(Live.serverNow());
    var m = d.getMonth() + 1, day = d.getDate();
    return d.getFullYear() + "-" + (m < 10 ? "0" : "") + m + "-" + (day < 10 ? "0" : "") + day;
  }

  function dmy(iso) { return iso ? iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) : ""; }

  function needsAnswer(r) { return !CLOSED[r.status] && r.status !== "answered"; }

  function overdue(r) {
    var dl = r.answer && r.answer.deadline;
    return !!dl && needsAnswer(r) && dl < today();
  }

  function action(r) {
    if (FOLLOW[r.status]) return { mode: "writing", label: t("Gửi trả lời bằng văn bản (đánh dấu đã trả lời)"), cls: "btn-ok" };
    if (r.status === "speaking") return { mode: "hall", label: t("Ghi nội dung đã trả lời tại hội nghị"), cls: "btn-primary" };
    if (r.status === "answered") return { mode: (r.answer && r.answer.mode) || "writing", label: t("Sửa nội dung trả lời"), cls: "" };
    if (BEFORE[r.status]) return { mode: "hall", label: t("Lưu nội dung chuẩn bị"), cls: "btn-primary" };
    return null;
  }

  function currentText(r) {
    if (Object.prototype.hasOwnProperty.call(drafts, r.id)) return drafts[r.id];
    if (BEFORE[r.status]) return r.prepared_answer || "";
    return (r.answer && r.answer.summary) || r.prepared_answer || "";
  }

  async function send(r, act) {
    var text = (drafts[r.id] !== undefined ? drafts[r.id] : currentText(r)).trim();
    if (!text) { notes[r.id] = { text: t("Vui lòng nhập nội dung trả lời."), error: true }; render(); return; }
    busy[r.id] = true;
    render();
    var res = await Live.api("POST", root.dataset.answerUrl + r.id + "/answer", { summary: text, mode: act.mode });
    busy[r.id] = false;
    if (res.ok) {
      delete drafts[r.id];
      notes[r.id] = { text: t("Đã lưu."), error: false };
      await load();
    } else {
      var msg = res.data && res.data.error && res.data.error.message;
      notes[r.id] = { text: msg || t("Không lưu được; vui lòng thử lại."), error: true };
      render();
    }
  }

  function loadFile(r, input) {
    var f = input.files && input.files[0];
    if (!f) return;
    if (f.size > 100 * 1024 || (f.type && f.type.indexOf("text/") !== 0)) {
      notes[r.id] = { text: t("Tệp phải là văn bản thuần (.txt), tối đa 100 KB."), error: true };
      render();
      return;
    }
    var reader = new FileReader();
    reader.onload = function () { drafts[r.id] = String(reader.result || ""); notes[r.id] = null; render(); };
    reader.readAsText(f, "utf-8");
  }

  function card(r) {
    var over = overdue(r);
    var act = action(r);
    var dl = r.answer && r.answer.deadline;
    var head = Live.el("div", { class: "row row-between" },
      Live.el("strong", null, t("Phiếu số {ticket}", { ticket: r.ticket })),
      Live.el("span", { class: "badge badge-" + r.status, "data-status": r.status }, t("status." + r.status)));
    var meta = [];
    if (r.field) meta.push(t("Lĩnh vực") + ": " + r.field);
    if (r.jurisdiction) meta.push(t("Thẩm quyền") + ": " + t("level." + r.jurisdiction));
    if (r.source) meta.push(t("source." + r.source));
    if (r.answer && r.answer.mode) meta.push(t("mode." + r.answer.mode));
    var children = [head,
      Live.el("p", { class: "small muted mb-1" }, (r.name || "") + (r.locality ? " – " + r.locality : "")),
      Live.el("p", { class: "mb-1" }, r.content || ""),
      Live.el("p", { class: "small mb-1" }, meta.join(" · "))];
    if (dl) {
      children.push(Live.el("p", { class: "mb-1" + (over ? " deadline-over" : ""), "data-overdue": over ? "1" : "0" },
        t("Hạn trả lời: {date}", { date: dmy(dl) }) + (over ? " – " + t("QUÁ HẠN") : "")));
    }
    if (r.prepared_answer && !BEFORE[r.status]) {
      children.push(Live.el("div", { class: "prepared small mb-1" },
        Live.el("strong", null, t("Nội dung trả lời đã chuẩn bị") + ": "), r.prepared_answer));
    }
    if (act) {
      var areaId = "answer-" + r.id, fileId = "file-" + r.id;
      var area = Live.el("textarea", { id: areaId, rows: "4", maxlength: "10000" });
      area.value = currentText(r);
      area.addEventListener("input", function () { drafts[r.id] = area.value; });
      var file = Live.el("input", { id: fileId, type: "file", accept: ".txt,text/plain" });
      file.addEventListener("change", function () { loadFile(r, file); });
      var btn = Live.el("button", { type: "button", class: "btn " + act.cls, "data-action": act.mode }, act.label);
      if (busy[r.id]) btn.disabled = true;
      btn.addEventListener("click", function () { send(r, act); });
      children.push(Live.el("label", { for: areaId, class: "field-label" },
        BEFORE[r.status] ? t("Nội dung trả lời đã chuẩn bị") : t("Nội dung trả lời")), area,
        Live.el("div", { class: "row" }, btn,
          Live.el("label", { for: fileId, class: "small" }, t("Lấy nội dung từ tệp văn bản (.txt)")), file));
    } else if (r.answer && r.answer.summary) {
      children.push(Live.el("p", { class: "answer mb-0" }, r.answer.summary));
    }
    var note = notes[r.id];
    if (note) children.push(Live.el("p", { class: note.error ? "field-error" : "alert alert-ok", role: "status" }, note.text));
    return Live.el("article", { class: "card unit-item" + (over ? " is-overdue" : ""), "data-request-id": String(r.id),
                                "data-ticket": String(r.ticket) }, children);
  }

  function render() {
    var list = Object.keys(items).map(function (k) { return items[k]; });
    var open = list.filter(needsAnswer);
    var over = list.filter(overdue);
    els.summary.textContent = t("{n} ý kiến được giao; {open} cần trả lời; {over} quá hạn.",
      { n: list.length, open: open.length, over: over.length });
    var shown = els.onlyOpen.checked ? open : list;
    shown.sort(function (a, b) {
      var oa = overdue(a) ? 0 : 1, ob = overdue(b) ? 0 : 1;
      if (oa !== ob) return oa - ob;
      var da = (a.answer && a.answer.deadline) || "9999", db = (b.answer && b.answer.deadline) || "9999";
      if (da !== db) return da < db ? -1 : 1;
      return a.ticket - b.ticket;
    });
    // Keep focus and caret in the textarea being typed in across re-renders.
    var active = document.activeElement, activeId = active && active.id, caret = active && active.selectionStart;
    Live.fill(els.list, shown.map(card));
    if (activeId) {
      var again = $(activeId);
      if (again && again !== active) {
        again.focus();
        if (typeof caret === "number" && again.setSelectionRange) again.setSelectionRange(caret, caret);
      }
    }
    els.empty.hidden = shown.length > 0;
  }

  function applySnapshot(data) {
    items = {};
    (data.requests || []).forEach(function (r) { items[r.id] = r; });
    if (data.unit && data.unit.name) els.name.textContent = data.unit.name;
    root.dataset.state = "ready";
    root.dataset.v = String(data.v);
    render();
  }

  async function load() {
    var res = await Live.api("GET", root.dataset.unitUrl);
    if (res.ok) { applySnapshot(res.data); return; }
    showError(res);
  }

  function showError(res) {
    root.dataset.state = "error";
    els.error.textContent = (res && (res.status === 403 || res.status === 401))
      ? t("Liên kết này không còn hiệu lực. Vui lòng xin ban tổ chức liên kết mới.")
      : t("Không lưu được; vui lòng thử lại.");
    els.error.hidden = false;
  }

  Live.ready(function () {
    root = $("screen");
    els = { name: $("unit-name"), summary: $("unit-summary"), list: $("unit-list"), empty: $("unit-empty"),
            error: $("unit-error"), onlyOpen: $("only-open") };
    els.onlyOpen.addEventListener("change", render);
    Live.connect({
      meeting: root.dataset.meeting,
      snapshotUrls: { unit: root.dataset.unitUrl },
      onSnapshot: function (kind, data) { if (kind === "unit") applySnapshot(data); },
      onUnit: function (msg) {
        (msg.requests || []).forEach(function (r) {
          if (r.removed) delete items[r.id]; else items[r.id] = r;
        });
        root.dataset.v = String(msg.v);
        render();
      },
      onError: function (kind, res) { if (kind === "unit") showError(res); }
    });
  });
})();

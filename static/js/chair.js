/*
 * The chair's console (/m/<code>/chair): inbox, speaking queue and the floor on one screen.
 *
 * State comes from Live.connect: the staff stream (snapshot GET /api/v1/meetings/<code>/staff, then `staff`
 * messages applied in version order) and the public stream (what the projector shows). Every change is one
 * call to the core API; the console never changes its state itself except an optimistic queue order after a
 * drag, which the next `staff` message confirms (or a refetch corrects).
 *
 * Keyboard (ignored while typing in a field or while the dialog is open):
 *   N            call the next speaker          S  start the timer     P  pause / resume
 *   E            end the intervention            +  one more minute     Z / Ctrl+Z  undo
 *   ↑ / ↓        select the previous / next request in its column
 *   Alt+↑ / Alt+↓ (or Shift+↑ / Shift+↓, or [ / ])   move the selected queued request up / down
 *   T            move the selected queued request to the top
 *   A            accept the selected new request to the queue
 *   Enter        open the decision dialog for the selected request
 * Drag and drop: the ⠿ handle of a queued request, with a mouse, a pen or a finger (pointer events).
 * Every decision carries what this screen showed (`expected`: the requests it is about, the floor, the queue
 * order). If another chair changed it in between, the server refuses it (HTTP 409 naming what changed, with the
 * current state): the console applies the new state, says what changed, and, for a request, reopens its dialog
 * on the new state so the chair decides again.
 */
(function () {
  "use strict";

  var T = Live.t;
  var el = Live.el;
  var root = document.getElementById("chair");
  if (!root) return;
  var CODE = root.getAttribute("data-meeting");
  var API = "/api/v1/meetings/" + encodeURIComponent(CODE);

  var S = {
    requests: {},          // id -> staff request
    meeting: null,
    pub: null,             // last public state (what the projector shows)
    selected: null,        // selected request id
    forecast: null,
    suggestions: [],
    dismissed: {},         // "target-source" -> true (dismissed merge suggestions, this console only)
    optimisticOrder: null, // queue order shown after a drop, until the server confirms
    drag: null,
    pendingRender: false,
    auditOpen: false
  };

  function $(id) { return document.getElementById(id); }

  /* ------------------------------------------------------------------ text helpers */

  // Mirror of similarity.fold on the server: lower case, đ -> d, no diacritics, words separated by spaces.
  function fold(text) {
    return String(text || "").normalize("NFC").toLowerCase().replace(/đ/g, "d")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  var STATUS = {
    submitted: "Mới nhận", accepted: "Đã xếp lượt", called: "Đã mời", speaking: "Đang phát biểu",
    answered: "Đã trả lời", declined: "Không đưa vào hội nghị", withdrawn: "Đã rút", merged: "Đã gộp",
    written: "Trả lời bằng văn bản", forwarded: "Chuyển cấp có thẩm quyền", deferred: "Chưa đến lượt",
    complaint: "Khiếu nại, tố cáo"
  };
  var SOURCE = { phone: "Điện thoại", paper: "Phiếu giấy", precollected: "Thu trước hội nghị", floor: "Tại hội trường" };
  var JUR = { commune: "Cấp xã", province: "Cấp tỉnh", central: "Trung ương", outside: "Ngoài hệ thống hành chính" };
  var MODE = { hall: "Trả lời trực tiếp", writing: "Trả lời bằng văn bản", forwarded: "Chuyển cấp trên" };
  var ACTION = {
    accept: "Xếp lượt", decline: "Không đưa vào hội nghị", to_writing: "Trả lời bằng văn bản",
    forward: "Chuyển cấp trên", flag_complaint: "Chuyển quy trình khiếu nại, tố cáo", defer: "Hoãn",
    requeue: "Xếp lại lượt", reorder: "Sắp xếp hàng đợi", merge: "Gộp ý kiến", assign_answer: "Phân công trả lời",
    call: "Mời phát biểu", start: "Bắt đầu", pause: "Tạm dừng", resume: "Tiếp tục", extend: "Thêm giờ",
    end: "Kết thúc lượt", message: "Thông báo lên màn hình", registration: "Đăng ký phát biểu",
    programme: "Chuyển bước chương trình", answer_written: "Đã trả lời bằng văn bản", undo: "Hoàn tác",
    submit: "Gửi ý kiến", edit_own: "Sửa ý kiến", withdraw: "Rút ý kiến", unit_answer: "Đơn vị trả lời",
    close: "Bế mạc", create_key: "Tạo liên kết", revoke_key: "Thu hồi liên kết", create_meeting: "Tạo hội nghị",
    quarantine: "Cách ly ý kiến cùng nguồn", release: "Bỏ cách ly"
  };
  function tl(map, key) { return key && map[key] ? T(map[key]) : (key || ""); }

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function duration(sec) {
    sec = Math.max(0, Math.round(sec || 0));
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60);
    return h ? T("{h} giờ {m} phút", { h: h, m: m }) : T("{m} phút", { m: m });
  }
  function clockOf(ms) {
    var d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function isoDate(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function inDays(n) { var d = new Date(); d.setDate(d.getDate() + n); return isoDate(d); }

  /* ------------------------------------------------------------------ notices */

  var noticeTimer = null;
  function notice(text, kind) {
    var box = $("ch-notice");
    box.className = "alert ch-notice alert-" + (kind || "info");
    box.removeAttribute("data-conflict");
    box.textContent = text;
    box.hidden = false;
    if (noticeTimer) clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { box.hidden = true; }, kind === "warn" || kind === "error" ? 9000 : 4000);
  }

  function errorText(res) {
    if (res.offline) return T("Mất kết nối với máy chủ; thao tác chưa được thực hiện.");
    var e = res.data && res.data.error;
    if (!e) return T("Thao tác chưa thực hiện được (mã {status}).", { status: res.status });
    var text = e.message || "";
    if (e.fields) {
      var parts = Object.keys(e.fields).map(function (k) { return e.fields[k]; });
      if (parts.length) text += " " + parts.join(" ");
    }
    return text;
  }

  /* ------------------------------------------------------------------ what this screen shows */

  // The fields of a request a decision depends on, as this screen shows them (the server compares the same).
  var SEEN_FIELDS = ["status", "unit_id", "answer_mode", "answer_deadline", "answer_level", "merged_into_id",
                     "priority", "content"];
  function seenOf(r) {
    var out = {};
    SEEN_FIELDS.forEach(function (k) { out[k] = r[k] === undefined ? null : r[k]; });
    return out;
  }
  function seenFloor() {
    var f = S.meeting && S.meeting.floor || {};
    return { request_id: f.request_id || null, state: f.request_id ? f.state || "idle" : "idle" };
  }
  // expected(r1, r2, ...): the given requests as shown; add .floor / .queue where the decision depends on them.
  function expected() {
    var reqs = {};
    Array.prototype.forEach.call(arguments, function (r) { if (r) reqs[r.id] = seenOf(r); });
    return { requests: reqs };
  }
  var STALE = { stale_decision: true, floor_changed: true, queue_changed: true, stale_version: true };
  function conflictOf(res) {
    var e = res.status === 409 && res.data && res.data.error;
    return e && STALE[e.code] ? e : null;
  }

  // Every change: one API call. A 409 means another screen changed the meeting first: take the state the server
  // sent, refetch the rest and say what changed.
  async function act(method, path, body, okText) {
    var res = await Live.api(method, API + path, body);
    if (res.ok) {
      if (okText) notice(okText, "ok");
      return res;
    }
    if (res.status === 409) {
      S.optimisticOrder = null;
      var e = conflictOf(res);
      if (e && e.current) {
        e.current.forEach(function (r) { S.requests[r.id] = r; });
        render();
      }
      conn.refetch("staff");
      notice(e && e.code !== "stale_version" ? errorText(res)
             : T("Xung đột: người khác vừa thay đổi hội nghị. Màn hình đã tải lại; vui lòng xem lại và thao tác lại.") +
               " (" + errorText(res) + ")", "warn");
      $("ch-notice").setAttribute("data-conflict", e ? e.code : "1");
    } else {
      notice(errorText(res), "error");
    }
    return res;
  }

  /* ------------------------------------------------------------------ derived state */

  function all() { return Object.keys(S.requests).map(function (k) { return S.requests[k]; }); }
  function byTicket(a, b) { return a.ticket - b.ticket; }
  function queueOrder() {
    var q = all().filter(function (r) { return r.status === "accepted"; });
    q.sort(function (a, b) {
      var ra = a.queue_rank === null || a.queue_rank === undefined ? 1e9 : a.queue_rank;
      var rb = b.queue_rank === null || b.queue_rank === undefined ? 1e9 : b.queue_rank;
      return ra - rb || a.ticket - b.ticket;
    });
    if (S.optimisticOrder) {
      var ids = q.map(function (r) { return r.id; }).sort();
      var opt = S.optimisticOrder.slice().sort();
      if (ids.join() === opt.join()) {
        return S.optimisticOrder.map(function (id) { return S.requests[id]; });
      }
      S.optimisticOrder = null;
    }
    return q;
  }
  function floorReq() {
    var f = S.meeting && S.meeting.floor;
    return f && f.request_id ? S.requests[f.request_id] || null : null;
  }
  // During render() the co-signers of every card come from one pass over the requests (each card asked for its
  // own pass: 200 cards x 500 requests per render); outside it, from the requests as they are now.
  var cosignIndex = null;
  function cosigners(id) {
    if (cosignIndex) return cosignIndex[id] || [];
    return all().filter(function (r) { return r.merged_into_id === id; }).sort(byTicket);
  }
  function indexCosigners() {
    var index = {};
    all().forEach(function (r) {
      if (r.merged_into_id !== null && r.merged_into_id !== undefined) (index[r.merged_into_id] = index[r.merged_into_id] || []).push(r);
    });
    Object.keys(index).forEach(function (k) { index[k].sort(byTicket); });
    return index;
  }
  function fieldName(id) {
    var f = (S.meeting && S.meeting.fields || []).filter(function (x) { return x.id === id; })[0];
    return f ? f.name : "";
  }

  function matches(r) {
    var f = $("ch-f-field").value, st = $("ch-f-status").value, j = $("ch-f-jur").value, src = $("ch-f-source").value;
    if (f && String(r.field_id) !== f) return false;
    if (st && r.status !== st) return false;
    if (j && (r.jurisdiction || "") !== j) return false;
    if (src && r.source !== src) return false;
    var q = fold($("ch-search").value);
    if (q) {
      var hay = fold([r.ticket, r.name, r.full_name, r.organization, r.display_locality, r.field, r.content,
                      r.seat].join(" "));
      var words = q.split(" ");
      for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0 && String(r.ticket) !== words[i]) return false;
    }
    return true;
  }

  /* ------------------------------------------------------------------ rendering */

  // Each render sets every counter and label: replacing a text by the same one still invalidates layout.
  function setText(node, text) { if (node.textContent !== text) node.textContent = text; }

  function badge(cls, text) { return el("span", { class: "badge " + cls }, text); }

  function cardHead(r) {
    return el("div", { class: "ch-head" },
      el("span", { class: "ch-ticket" }, "#" + r.ticket),
      el("span", { class: "ch-name" }, r.name || T("(không ghi tên)")),
      r.display_locality ? el("span", { class: "ch-loc muted" }, r.display_locality) : null);
  }

  function cardMeta(r) {
    var co = cosigners(r.id);
    return [
      el("div", { class: "ch-meta" },
        r.field ? badge("badge-info", r.field) : badge("badge-muted", T("Chưa phân loại")),
        r.source !== "phone" ? badge("badge-source ch-src-" + r.source, tl(SOURCE, r.source)) : null,
        r.jurisdiction && r.jurisdiction !== "commune" ? badge("badge-warn", tl(JUR, r.jurisdiction)) : null,
        r.priority ? badge("badge-priority", T("Ưu tiên")) : null,
        !r.wants_to_speak ? badge("badge-muted", T("Không phát biểu")) : null,
        r.unit ? el("span", { class: "ch-unit small muted" }, T("Trả lời: {unit}", { unit: r.unit })) : null),
      el("p", { class: "ch-content" }, r.content),
      co.length ? el("p", { class: "ch-cosign small" }, T("Đồng kiến nghị: {names}", {
        names: co.map(function (c) { return (c.name || "") + " (#" + c.ticket + ")"; }).join(", ") })) : null
    ];
  }

  function btn(label, onClick, cls, extra) {
    var attrs = { type: "button", class: "btn " + (cls || ""), onclick: function (ev) { ev.stopPropagation(); onClick(ev); } };
    if (extra) Object.keys(extra).forEach(function (k) { attrs[k] = extra[k]; });
    return el("button", attrs, label);
  }

  function selectable(node, r) {
    node.setAttribute("data-id", r.id);
    node.setAttribute("data-ticket", r.ticket);
    node.setAttribute("aria-selected", S.selected === r.id ? "true" : "false");
    if (S.selected === r.id) node.classList.add("is-selected");
    node.addEventListener("click", function () { select(r.id); });
    return node;
  }

  // Rebuild only the cards whose content changed and move the others into place, so a card under the chair's
  // finger or mouse is not replaced by a copy when an unrelated request arrives from a phone.
  function keyedFill(list, entries) {
    var old = {};
    Array.prototype.forEach.call(list.children, function (n) { if (n._key) old[n._key] = n; });
    var nodes = entries.map(function (e) {
      var node = old[e.key];
      if (!node || node._sig !== e.sig) {
        node = e.build();
        node._key = e.key;
        node._sig = e.sig;
      }
      return node;
    });
    // Stale cards out first, then only the new ones in: the kept cards stay in order and never move. (Inserting
    // first shifted every later card by one and moved each of them, and removing the focused card -- the ↓ just
    // pressed -- from a list already changed made chromium recompute the page's style and layout on the spot:
    // 70-240 ms per reorder with 500 requests, docs/performance.md.)
    var keep = new Set(nodes);
    var focus = focusIn(list);
    Array.prototype.slice.call(list.children).forEach(function (n) { if (!keep.has(n)) list.removeChild(n); });
    nodes.forEach(function (node, i) {
      if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
    });
    if (focus && !keep.has(focus.item)) refocus(focus, nodes);
  }

  // The focused control of a card (the ↓ just pressed) and its card, so that when the card is rebuilt the same
  // control of the new card gets the focus back: the chair's place stays on the card that moved.
  function focusIn(list) {
    var active = document.activeElement;
    if (!active || active === list || !list.contains(active)) return null;
    var item = active;
    while (item.parentNode !== list) item = item.parentNode;
    if (!item._key) return null;
    var like = item.querySelectorAll(active.tagName);
    var same = Array.prototype.filter.call(like, function (n) { return n.className === active.className; });
    return { item: item, key: item._key, tag: active.tagName, cls: active.className, nth: same.indexOf(active) };
  }
  function refocus(focus, nodes) {
    if (document.activeElement && document.activeElement !== document.body) return;   // the focus went elsewhere
    var item = nodes.filter(function (n) { return n._key === focus.key; })[0];
    if (!item) return;
    var same = Array.prototype.filter.call(item.querySelectorAll(focus.tag), function (n) { return n.className === focus.cls; });
    var target = same[focus.nth];
    if (target && typeof target.focus === "function") target.focus({ preventScroll: true });
  }

  // What a card shows. Its place in the queue is passed in `extra` (the position): the stored rank and the
  // row's timestamp are left out, so a move shown at once is not rebuilt again when the server confirms it.
  // The fields are taken in sorted order: the snapshot's JSON has sorted keys and the `staff` messages do not,
  // so the same request would otherwise get another signature the first time a message brings it (the first
  // reorder after loading renumbers the whole queue: every card was rebuilt, 80-90 ms with 500 requests).
  function sigOf(r, extra) {
    var keys = Object.keys(r).filter(function (k) { return k !== "queue_rank" && k !== "updated_at"; }).sort();
    return JSON.stringify([keys.map(function (k) { return [k, r[k]]; }), S.selected === r.id,
                           cosigners(r.id).map(function (c) { return c.id + c.name; }), extra]);
  }

  /* New requests from one source (network address, as a short tag from the server): many at once is a burst,
     which one button quarantines (out of the inbox, still open, undoable). The threshold is domain/floods.py's. */
  function bySource(items) {
    var groups = {};
    items.forEach(function (r) {
      if (r.source_tag) (groups[r.source_tag] = groups[r.source_tag] || []).push(r);
    });
    return groups;
  }
  function burstSize() { return S.meeting && S.meeting.burst_size || 5; }

  function renderBursts(groups) {
    var tags = Object.keys(groups).filter(function (t) { return groups[t].length >= burstSize(); });
    tags.sort(function (a, b) { return groups[b].length - groups[a].length; });
    Live.fill($("ch-bursts"), tags.map(function (tag) {
      var rs = groups[tag].slice().sort(byTicket);
      return el("li", { class: "ch-burst alert alert-warn", "data-source": tag, "data-count": rs.length },
        el("span", { class: "ch-burst-text" }, T("{n} ý kiến mới gửi từ cùng một nguồn (mạng {tag}): #{first} … #{last}", {
          n: rs.length, tag: tag, first: rs[0].ticket, last: rs[rs.length - 1].ticket })),
        btn(T("Cách ly cả nhóm"), function () {
          act("POST", "/sources/" + rs[0].id + "/quarantine", null,
              T("Đã cách ly {n} ý kiến cùng nguồn. Bấm Hoàn tác (Z) nếu nhầm.", { n: rs.length }));
        }, "btn-danger ch-quarantine"));
    }));
  }

  function renderQuarantine() {
    var groups = bySource(all().filter(function (r) { return r.status === "submitted" && r.quarantined; }));
    var tags = Object.keys(groups).sort();
    var total = 0;
    Live.fill($("ch-quarantined"), tags.map(function (tag) {
      var rs = groups[tag].slice().sort(byTicket);
      total += rs.length;
      return el("li", { class: "ch-quarantined-group", "data-source": tag, "data-count": rs.length },
        el("span", null, T("{n} ý kiến từ nguồn (mạng {tag}):", { n: rs.length, tag: tag }) + " " +
           rs.map(function (r) { return "#" + r.ticket; }).join(", ")),
        btn(T("Đưa trở lại hộp ý kiến mới"), function () {
          act("POST", "/sources/" + rs[0].id + "/release", null, T("Đã đưa {n} ý kiến trở lại hộp ý kiến mới.", { n: rs.length }));
        }, "ch-release"));
    }));
    setText($("ch-quarantined-count"), String(total));
    $("ch-quarantine-box").hidden = total === 0;
  }

  function renderInbox() {
    var list = $("ch-inbox");
    var fresh = all().filter(function (r) { return r.status === "submitted" && !r.quarantined; });
    var groups = bySource(fresh);
    renderBursts(groups);
    var items = fresh.filter(matches).sort(byTicket);
    keyedFill(list, items.map(function (r) {
      var burst = r.source_tag && groups[r.source_tag].length >= burstSize() ? groups[r.source_tag].length : 0;
      return { key: "r" + r.id, sig: sigOf(r, burst), build: function () { return selectable(el("li", { class: "ch-card ch-src-" + r.source },
        cardHead(r), cardMeta(r),
        burst ? el("div", { class: "ch-meta" }, badge("badge-warn ch-burst-badge", T("Cùng nguồn với {n} ý kiến mới", { n: burst }))) : null,
        el("div", { class: "ch-actions" },
          btn(T("Xếp lượt"), function () { decide(r, "accept", {}); }, "btn-primary ch-accept"),
          btn(T("Ưu tiên"), function () { decide(r, "accept", { priority: true }); }, "ch-priority",
              { title: T("Khách mời của chủ trì: xếp trước những người khác") }),
          btn(T("Xử lý…"), function () { openDialog(r.id); }, "ch-more"))), r); } };
    }));
    $("ch-inbox-empty").hidden = items.length > 0;
    setText($("ch-inbox-count"), String(items.length));
  }

  function renderQueue() {
    var list = $("ch-queue");
    var q = queueOrder();
    var shown = q.filter(matches);
    var reach = S.forecast ? S.forecast.can_reach : null;
    var nodes = [];
    shown.forEach(function (r) {
      var pos = q.indexOf(r);
      if (reach !== null && pos === reach && S.forecast.not_reached > 0) {
        nodes.push({ key: "cutoff", sig: "", build: function () {
          return el("li", { class: "ch-cutoff", role: "separator" },
            T("Hết giờ dự kiến: từ đây trở xuống không kịp phát biểu theo tốc độ hiện nay"));
        } });
      }
      var late = reach !== null && pos >= reach;
      nodes.push({ key: "r" + r.id, sig: sigOf(r, [pos, late]), build: function () {
        return selectable(el("li", { class: "ch-card ch-queued" + (late ? " is-late" : "") },
        el("div", { class: "ch-qrow" },
          el("span", { class: "ch-handle", "aria-hidden": "true", title: T("Kéo để sắp xếp") }, "⠿"),
          el("span", { class: "ch-pos" }, String(pos + 1)),
          el("div", { class: "grow" }, cardHead(r), cardMeta(r))),
        el("div", { class: "ch-actions" },
          btn(T("Mời"), function () { callNow(r.id); }, "btn-primary ch-call-this"),
          btn(T("Lên đầu"), function () { move(r.id, "top"); }, "ch-top"),
          btn("↑", function () { move(r.id, "up"); }, "ch-up", { "aria-label": T("Lên một bậc") }),
          btn("↓", function () { move(r.id, "down"); }, "ch-down", { "aria-label": T("Xuống một bậc") }),
          late ? btn(T("Văn bản"), function () { decide(r, "to_writing", { deadline: inDays(10) }); }, "ch-late-writing",
                     { title: T("Không kịp phát biểu: chuyển trả lời bằng văn bản, hạn 10 ngày") }) : null,
          btn(T("Xử lý…"), function () { openDialog(r.id); }, "ch-more"))), r); } });
    });
    keyedFill(list, nodes);
    $("ch-queue-empty").hidden = q.length > 0;
    setText($("ch-queue-count"), String(q.length));
  }

  function renderFloor() {
    var r = floorReq();
    var f = S.meeting.floor || {};
    var box = $("ch-floor-card");
    var shown = r ? sigOf(r, f.state) : "";
    if (box._sig === shown) {
      // unchanged: keep the card (each staff message rebuilt it)
    } else if (!r) {
      Live.fill(box, el("p", { class: "muted" }, T("Chưa có ai được mời phát biểu.")));
    } else {
      Live.fill(box,
        el("div", { class: "ch-floor-state" }, badge("badge-" + r.status, tl(STATUS, r.status)),
           f.state === "paused" ? badge("badge-warn", T("Tạm dừng")) : null),
        cardHead(r), cardMeta(r),
        el("p", { class: "ch-answer-line" }, r.unit_id
          ? T("Đơn vị trả lời: {unit}", { unit: r.unit }) + (r.answerer ? " — " + r.answerer : "") +
            (r.answer_mode ? " — " + tl(MODE, r.answer_mode) : "")
          : T("Chưa phân công đơn vị trả lời")));
    }
    box._sig = shown;
    var state = f.state || "idle";
    $("ch-floor").setAttribute("data-state", state);
    $("ch-start").disabled = !(r && r.status === "called");
    $("ch-pause").disabled = !(state === "speaking" || state === "paused");
    setText($("ch-pause"), state === "paused" ? T("Tiếp tục (P)") : T("Tạm dừng (P)"));
    $("ch-extend").disabled = !(state === "speaking" || state === "paused");
    $("ch-end").disabled = !(r && r.status === "speaking");
    $("ch-requeue").disabled = !r;
    $("ch-assign").disabled = !r;
    var q = queueOrder();
    $("ch-call-next").disabled = q.length === 0;
    setText($("ch-next-line"), q.length ? T("Tiếp theo: #{ticket} {name}", { ticket: q[0].ticket, name: q[0].name })
      : T("Hàng đợi đang trống."));
    renderTimer();
  }

  function renderTimer() {
    var f = S.meeting && S.meeting.floor || {};
    var t = $("ch-timer");
    var text = "--:--", cls = "none";
    if (f.state === "speaking" && f.ends_at) {
      text = Live.formatRemaining(f.ends_at);
      cls = Live.timerState(f.ends_at, 30000);
    } else if (f.state === "paused" && typeof f.remaining_ms === "number") {
      text = Live.formatMs(f.remaining_ms);
      cls = f.remaining_ms <= 30000 ? "warning paused" : "paused";
    } else if (f.state === "called") {
      text = Live.formatMs((f.speaking_seconds || S.meeting.speaking_seconds || 180) * 1000);
    }
    if (t.textContent !== text) t.textContent = text;
    var full = "timer ch-timer " + cls;
    if (t.className !== full) t.className = full;
    if (t.getAttribute("data-state") !== cls) t.setAttribute("data-state", cls);
  }

  function renderDone() {
    var list = $("ch-done");
    var items = all().filter(function (r) {
      return ["answered", "declined", "withdrawn", "merged", "written", "forwarded", "deferred"].indexOf(r.status) >= 0 &&
        matches(r);
    }).sort(byTicket);
    // keyed: a reorder or a new request leaves the hundreds of finished items as they are (docs/performance.md)
    keyedFill(list, items.map(function (r) {
      var extra = r.status === "merged" && S.requests[r.merged_into_id]
        ? T("Gộp vào #{ticket}", { ticket: S.requests[r.merged_into_id].ticket }) : r.status_reason;
      return { key: "d" + r.id, sig: JSON.stringify([r.ticket, r.name, r.status, extra, r.answer_deadline]),
               build: function () { return el("li", { class: "ch-done-item", "data-id": r.id, "data-ticket": r.ticket },
        el("span", { class: "ch-ticket" }, "#" + r.ticket), " ", el("span", { class: "ch-name" }, r.name), " ",
        badge("badge-" + r.status, tl(STATUS, r.status)),
        extra ? el("span", { class: "small muted" }, " " + extra) : null,
        r.answer_deadline ? el("span", { class: "small" }, " " + T("hạn {date}", { date: r.answer_deadline })) : null,
        r.status === "deferred" ? btn(T("Xếp lượt lại"), function () { decide(r, "accept", {}); }, "ch-reaccept") : null); } };
    }));
    setText($("ch-done-count"), String(items.length));
  }

  function renderComplaints() {
    var items = all().filter(function (r) { return r.status === "complaint"; }).sort(byTicket);
    keyedFill($("ch-complaints"), items.map(function (r) {
      return { key: "c" + r.id, sig: JSON.stringify([r.ticket, r.name, r.phone, r.content, r.status_reason]),
               build: function () { return el("li", { class: "ch-done-item", "data-id": r.id, "data-ticket": r.ticket },
        el("span", { class: "ch-ticket" }, "#" + r.ticket), " ", el("span", { class: "ch-name" }, r.name), " ",
        r.phone ? el("span", { class: "small" }, r.phone + " ") : null,
        el("p", { class: "ch-content small" }, r.content),
        r.status_reason ? el("p", { class: "small muted" }, r.status_reason) : null); } };
    }));
    setText($("ch-complaints-count"), String(items.length));
  }

  function renderCounters() {
    var rs = all();
    var count = function (sts) { return rs.filter(function (r) { return sts.indexOf(r.status) >= 0; }).length; };
    setText($("ch-c-received"), String(rs.length));
    setText($("ch-c-queued"), String(count(["accepted"])));
    setText($("ch-c-answered"), String(count(["answered"])));
    setText($("ch-c-remaining"), String(count(["submitted", "accepted", "called", "speaking"])));
  }

  function renderForecast() {
    var box = $("ch-forecast");
    var f = S.forecast;
    if (!f) { box.textContent = ""; box._sig = null; return; }
    var shown = JSON.stringify(f);
    if (box._sig === shown) return;     // unchanged: every render rebuilt it
    box._sig = shown;
    box.className = "ch-forecast " + (f.not_reached > 0 ? "alert alert-warn" : "muted");
    box.setAttribute("data-not-reached", String(f.not_reached));
    var left = f.remaining_seconds === null ? T("không giới hạn") : duration(f.remaining_seconds);
    var text = T("Còn {left}; bình quân {avg} mỗi lượt ({n} lượt đã xong).", {
      left: left, avg: Live.formatMs(f.avg_seconds * 1000), n: f.turns_so_far });
    text += " " + (f.not_reached > 0
      ? T("Theo tốc độ này, {n} ý kiến trong hàng đợi sẽ không kịp phát biểu; có thể chuyển sang trả lời bằng văn bản.", { n: f.not_reached })
      : T("Đủ thời gian cho cả {q} ý kiến trong hàng đợi.", { q: f.queued }));
    Live.fill(box, el("span", { class: "ch-forecast-text" }, text));
  }

  function renderSuggestions() {
    var list = $("ch-suggest");
    var items = S.suggestions.filter(function (s) {
      return !S.dismissed[s.target_id + "-" + s.source_id] && S.requests[s.target_id] && S.requests[s.source_id];
    });
    // keyed: every render (each staff message) rebuilt the pairs; now a pair is rebuilt only when it changes
    keyedFill(list, items.map(function (s) {
      var a = S.requests[s.target_id], b = S.requests[s.source_id];
      return { key: "s" + a.id + "-" + b.id,
               sig: JSON.stringify([s.score, a.ticket, a.name, a.content, b.ticket, b.name, b.content]),
               build: function () { return el("li", { class: "ch-suggestion", "data-target": a.id, "data-source": b.id },
        el("div", { class: "small bold" }, T("Có thể trùng nội dung (độ giống {score}/100)", { score: Math.round(s.score * 100) })),
        el("div", { class: "ch-pair" },
          el("div", null, el("strong", null, "#" + a.ticket + " " + a.name), el("p", { class: "ch-content small" }, a.content)),
          el("div", null, el("strong", null, "#" + b.ticket + " " + b.name), el("p", { class: "ch-content small" }, b.content))),
        el("div", { class: "ch-actions" },
          btn(T("Gộp #{b} vào #{a}", { a: a.ticket, b: b.ticket }), function () {
            // the pair as this screen shows it now (a kept item is not rebuilt when, say, a status changes)
            merge(S.requests[a.id] || a, [S.requests[b.id] || b]);
          }, "btn-primary ch-merge"),
          btn(T("Không trùng"), function () {
            S.dismissed[s.target_id + "-" + s.source_id] = true;
            renderSuggestions();
          }, "ch-dismiss"))); } };
    }));
    $("ch-suggest-box").hidden = items.length === 0;
  }

  function renderProgramme() {
    var m = S.meeting;
    var steps = m.steps || [];
    var list = $("ch-steps");
    var shown = JSON.stringify([steps, m.current_step]);
    if (list._sig !== shown) {          // unchanged: keep the buttons (each staff message rebuilt them)
      list._sig = shown;
      Live.fill(list, steps.map(function (title, i) {
        var pos = i + 1;
        return el("li", { class: pos === m.current_step ? "is-current" : (pos < m.current_step ? "is-done" : "") },
          btn(pos + ". " + title, function () { act("PUT", "/programme", { position: pos }); }, "ch-step",
              { "aria-current": pos === m.current_step ? "step" : null, "data-position": pos, title: title }));
      }));
    }
    $("ch-next-step").disabled = m.current_step >= steps.length;
    $("ch-reg").checked = !!m.registration_open;
    setText($("ch-reg-label"), m.registration_open ? T("Đang nhận đăng ký phát biểu") : T("Đã khóa đăng ký phát biểu"));
    if (document.activeElement !== $("ch-message")) $("ch-message").value = m.message || "";
    setText($("ch-message-shown"), m.message ? T("Đang chiếu: {text}", { text: m.message }) : "");
  }

  function renderProjectorPreview() {
    var p = S.pub;
    var box = $("ch-projector");
    if (!p) return;
    var f = p.floor;
    box.textContent = f ? T("Màn hình chiếu: #{ticket} {name}", { ticket: f.ticket, name: f.name })
      : T("Màn hình chiếu: chưa có người phát biểu");
  }

  function render() {
    if (!S.meeting) return;
    if (S.drag) { S.pendingRender = true; return; }   // do not pull the list from under a dragging finger
    S.pendingRender = false;
    cosignIndex = indexCosigners();
    try {
      renderAll();
    } finally {
      cosignIndex = null;
    }
    root.setAttribute("data-version", String(conn.version("staff")));
    root.setAttribute("data-state", "ready");
  }

  function renderAll() {
    renderCounters();
    renderProgramme();
    renderInbox();
    renderQueue();
    renderFloor();
    renderDone();
    renderComplaints();
    renderQuarantine();
    renderSuggestions();
    renderForecast();
  }

  /* ------------------------------------------------------------------ extra data (forecast, suggestions) */

  var extrasTimer = null;
  function refreshExtras(delay) {
    if (extrasTimer) clearTimeout(extrasTimer);
    extrasTimer = setTimeout(async function () {
      extrasTimer = null;
      var res = await Promise.all([Live.api("GET", API + "/forecast"), Live.api("GET", API + "/merge-suggestions")]);
      var cut = function (f) { return f ? f.can_reach + "/" + f.not_reached : ""; };
      var queueChanged = false, suggChanged = false;
      if (res[0].ok) { queueChanged = cut(S.forecast) !== cut(res[0].data); S.forecast = res[0].data; }
      if (res[1].ok) {
        var next = res[1].data.suggestions || [];
        suggChanged = JSON.stringify(next) !== JSON.stringify(S.suggestions);
        S.suggestions = next;
      }
      if (S.drag) { S.pendingRender = true; return; }
      renderForecast();
      cosignIndex = indexCosigners();
      try {
        if (queueChanged) renderQueue();    // only the cut-off line moves: do not rebuild the list for nothing
        if (suggChanged) renderSuggestions();
      } finally {
        cosignIndex = null;
      }
    }, delay === undefined ? 150 : delay);
  }
  setInterval(function () { refreshExtras(0); }, 60000);

  /* ------------------------------------------------------------------ actions */

  // A decision from a card: the card's request as shown. Refused as stale: open its dialog on the new state.
  async function decide(r, action, body) {
    var res = await act("POST", "/requests/" + r.id + "/" + action,
                        Object.assign({}, body || {}, { expected: expected(r) }));
    var e = conflictOf(res);
    if (e && e.code === "stale_decision" && S.requests[r.id]) openDialog(r.id, false, errorText(res));
    return res;
  }

  // Moves carry the queue order they were made on. Each move shows at once (optimistic order) and is sent after
  // the previous one is answered, built on the order the previous one produced, so quick repeated key presses
  // never collide with their own echo; a move refused as stale cancels the ones queued behind it.
  var moves = { chain: Promise.resolve(), pending: 0, generation: 0 };
  function movedOrder(order, id, to) {
    var i = order.indexOf(id);
    if (i < 0) return null;
    var j = to === "top" ? 0 : to === "up" ? i - 1 : to === "down" ? i + 1 : Number(to);
    j = Math.max(0, Math.min(order.length - 1, j));
    if (j === i) return null;
    var out = order.slice();
    out.splice(i, 1);
    out.splice(j, 0, id);
    return out;
  }
  function move(id, to) {
    var seenOrder = queueOrder().map(function (r) { return r.id; });
    var next = movedOrder(seenOrder, id, to);
    if (!next) return Promise.resolve(null);
    var generation = moves.generation;
    S.optimisticOrder = next;
    moves.pending += 1;
    render();
    moves.chain = moves.chain.then(async function () {
      if (generation !== moves.generation) return null;
      var res = await act("POST", "/queue/" + id + "/move", { to: to, expected: { requests: {}, queue: seenOrder } });
      if (!res.ok) { moves.generation += 1; S.optimisticOrder = null; }
      return res;
    }).finally(function () {
      moves.pending -= 1;
      if (!moves.pending) render();
    });
    return moves.chain;
  }
  function merge(target, sources) {
    return act("POST", "/merge", { target_id: target.id, source_ids: sources.map(function (r) { return r.id; }),
                                   expected: expected.apply(null, [target].concat(sources)) },
               T("Đã gộp; người gửi được giữ là đồng kiến nghị."));
  }
  // Calling someone closes the current turn: the call carries the floor as shown as well as the request.
  async function callNow(id) {
    var r = S.requests[id];
    var ex = expected(r);
    ex.floor = seenFloor();
    var res = await act("POST", "/floor/call", { request_id: id, expected: ex });
    var e = conflictOf(res);
    if (e && e.code === "stale_decision" && S.requests[id]) openDialog(id, false, errorText(res));
    return res;
  }
  function callNext() {
    var q = queueOrder();
    if (!q.length) { notice(T("Hàng đợi đang trống."), "info"); return; }
    // The first request *this screen shows*: if another chair has just called it, the server refuses.
    return callNow(q[0].id);
  }
  // Start, end and requeue are decisions about the speaker this screen shows on the floor (who, and in which
  // state): the floor as shown says it all.
  var FLOOR_DECISIONS = { start: true, end: true, requeue: true };
  function floorOp(op, body) {
    body = Object.assign({}, body || {});
    if (FLOOR_DECISIONS[op]) body.expected = { requests: {}, floor: seenFloor() };
    return act("POST", "/floor/" + op, body);
  }
  function togglePause() {
    var st = S.meeting.floor && S.meeting.floor.state;
    if (st === "speaking") return floorOp("pause");
    if (st === "paused") return floorOp("resume");
  }
  async function undo() {
    var res = await act("POST", "/undo", {});
    if (res.ok) notice(T("Đã hoàn tác: {action}", { action: tl(ACTION, res.data.undone) }), "ok");
  }

  /* ------------------------------------------------------------------ the decision dialog */

  var dlg = $("ch-dialog");
  var dlgId = null;

  function unitOptions(selected) {
    return [el("option", { value: "" }, T("— Chọn đơn vị —"))].concat((S.meeting.units || []).map(function (u) {
      return el("option", { value: String(u.id), selected: u.id === selected }, u.name);
    }));
  }

  // The dialog shows one request as it was when opened (`seen`), and every decision in it carries that. If the
  // request changes meanwhile, the dialog says so; a decision on the old state is refused and the dialog reopens
  // on the new state with the server's explanation (`conflictText`), keeping what the chair typed.
  var dlgSeen = null;

  function sameSeen(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function dlgChanged(r) {
    var box = $("ch-dlg-changed");
    if (!box || !dlgSeen || sameSeen(seenOf(r), dlgSeen)) return;
    Live.fill(box, T("Phiếu này vừa thay đổi trên màn hình khác (nay: {status}).", { status: tl(STATUS, r.status) }), " ",
      btn(T("Xem trạng thái mới"), function () { openDialog(r.id, false, null, typed()); }, "btn-small", { id: "ch-dlg-refresh" }));
    box.hidden = false;
  }

  // What the chair typed in the open dialog, carried over when it is shown again on a new state.
  function typed() {
    var out = {};
    ["ch-dlg-reason", "ch-dlg-reason-text", "ch-dlg-deadline", "ch-dlg-level", "ch-dlg-complaint-note", "ch-dlg-merge",
     "ch-dlg-answerer"].forEach(function (k) { var n = $(k); if (n) out[k] = n.value; });
    return out;
  }

  function openDialog(id, focusAssign, conflictText, carry) {
    var r = S.requests[id];
    if (!r) return;
    dlgId = id;
    var seen = dlgSeen = seenOf(r);
    select(id);
    var waiting = ["submitted", "accepted", "deferred"].indexOf(r.status) >= 0;
    var reasons = S.meeting.decline_reasons || [];
    var others = all().filter(function (o) {
      return o.id !== r.id && ["submitted", "accepted", "called", "speaking", "deferred", "written"].indexOf(o.status) >= 0;
    }).sort(function (a, b) { return (a.field_id === r.field_id ? 0 : 1) - (b.field_id === r.field_id ? 0 : 1) || a.ticket - b.ticket; });
    var together = others.filter(function (o) { return o.field_id === r.field_id && ["declined", "withdrawn", "merged", "complaint"].indexOf(o.status) < 0; });
    var unit = r.unit_id || r.default_unit_id || null;
    var err = el("p", { class: "alert alert-error", id: "ch-dlg-error", role: "alert", hidden: true });
    var conflict = el("p", { class: "alert alert-warn", id: "ch-dlg-conflict", role: "alert", hidden: !conflictText },
                      conflictText || "");
    var changed = el("p", { class: "alert alert-warn small", id: "ch-dlg-changed", role: "status", hidden: true });

    function fail(res) {
      err.textContent = errorText(res);
      err.hidden = false;
    }
    // Every decision in the dialog: the requests it is about as this dialog shows them.
    async function run(method, path, body, okText, others) {
      var ex = { requests: {} };
      ex.requests[r.id] = seen;
      (others || []).forEach(function (o) { ex.requests[o.id] = seenOf(o); });
      var res = await act(method, path, Object.assign({}, body, { expected: ex }), okText);
      if (res.ok) { close(); return; }
      var e = conflictOf(res);
      if (e && S.requests[r.id]) openDialog(r.id, focusAssign, errorText(res), typed());
      else fail(res);
    }

    var reasonSel = el("select", { id: "ch-dlg-reason" }, el("option", { value: "" }, T("— Chọn lý do —")),
      reasons.map(function (x) { return el("option", { value: x }, x); }), el("option", { value: "__other" }, T("Lý do khác…")));
    var reasonText = el("input", { type: "text", id: "ch-dlg-reason-text", maxlength: "500", placeholder: T("Lý do (ghi rõ)") });
    var reasonHint = el("span", { class: "field-hint", id: "ch-dlg-reason-hint", "aria-live": "polite" });
    // The organiser's reasons that have a better path than a plain refusal point the chair to it.
    reasonSel.addEventListener("change", function () {
      var f = fold(reasonSel.value);
      reasonHint.textContent = f.indexOf("tham quyen") >= 0
        ? T("Gợi ý: dùng “Chuyển cấp trên” bên dưới để ý kiến vẫn được theo dõi đến khi có trả lời.")
        : f.indexOf("trung") >= 0 ? T("Gợi ý: chọn phiếu trùng ở mục “Gộp” bên dưới để người gửi thành đồng kiến nghị.")
        : "";
    });
    var deadline = el("input", { type: "date", id: "ch-dlg-deadline", value: inDays(10) });
    var level = el("select", { id: "ch-dlg-level" }, ["province", "central", "outside"].map(function (l) {
      return el("option", { value: l }, tl(JUR, l));
    }));
    var mergeSel = el("select", { id: "ch-dlg-merge" }, el("option", { value: "" }, T("— Gộp vào phiếu —")),
      others.map(function (o) {
        return el("option", { value: String(o.id) }, "#" + o.ticket + " " + o.name + " — " + (o.field || "") + ": " +
          String(o.content).slice(0, 60));
      }));
    var complaintNote = el("input", { type: "text", id: "ch-dlg-complaint-note", maxlength: "500",
      placeholder: T("Ghi chú (không bắt buộc)") });

    // Answer assignment.
    var unitSel = el("select", { id: "ch-dlg-unit" }, unitOptions(unit));
    var answerer = el("input", { type: "text", id: "ch-dlg-answerer", maxlength: "200", value: r.answerer || "",
      placeholder: T("Ví dụ: Trưởng phòng Kinh tế") });
    var modeName = "ch-mode-" + r.id;
    var currentMode = r.answer_mode || "hall";
    var modes = ["hall", "writing", "forwarded"].map(function (m) {
      return el("label", { class: "check" }, el("input", { type: "radio", name: modeName, value: m,
        checked: m === currentMode, "data-mode": m }), tl(MODE, m));
    });
    var aDeadline = el("input", { type: "date", id: "ch-dlg-a-deadline", value: r.answer_deadline || inDays(10) });
    var aLevel = el("select", { id: "ch-dlg-a-level" }, ["province", "central", "outside"].map(function (l) {
      return el("option", { value: l, selected: r.answer_level === l }, tl(JUR, l));
    }));
    var withBoxes = together.map(function (o) {
      return el("label", { class: "check small" }, el("input", { type: "checkbox", value: String(o.id), "data-ticket": o.ticket }),
        "#" + o.ticket + " " + o.name + ": " + String(o.content).slice(0, 80));
    });

    var decisions = el("section", { class: "ch-dlg-section" }, el("h3", null, T("Quyết định")),
      waiting ? el("div", { class: "btn-group" },
        btn(T("Xếp lượt"), function () { run("POST", "/requests/" + r.id + "/accept", {}); }, "btn-primary", { id: "ch-dlg-accept", disabled: r.status === "accepted" }),
        btn(T("Xếp lượt ưu tiên"), function () { run("POST", "/requests/" + r.id + "/accept", { priority: true }); }, "", { disabled: r.status === "accepted" })) : null,
      waiting ? el("div", { class: "field" }, el("label", { for: "ch-dlg-reason" }, T("Không đưa vào hội nghị")), reasonSel, reasonHint, reasonText,
        btn(T("Không đưa vào hội nghị"), function () {
          var why = reasonSel.value === "__other" || !reasonSel.value ? reasonText.value.trim()
            : reasonSel.value + (reasonText.value.trim() ? " — " + reasonText.value.trim() : "");
          if (!why) { err.textContent = T("Cần nêu lý do."); err.hidden = false; return; }
          run("POST", "/requests/" + r.id + "/decline", { reason: why });
        }, "btn-danger mt-1", { id: "ch-dlg-decline" })) : null,
      el("div", { class: "field" }, el("label", { for: "ch-dlg-deadline" }, T("Trả lời bằng văn bản, thời hạn")), deadline,
        btn(T("Chuyển trả lời bằng văn bản"), function () {
          run("POST", "/requests/" + r.id + "/to_writing", { deadline: deadline.value || null, unit_id: Number(unitSel.value) || null });
        }, "mt-1", { id: "ch-dlg-writing" })),
      el("div", { class: "field" }, el("label", { for: "ch-dlg-level" }, T("Chuyển cấp có thẩm quyền")), level,
        btn(T("Chuyển cấp trên"), function () {
          run("POST", "/requests/" + r.id + "/forward", { level: level.value });
        }, "mt-1", { id: "ch-dlg-forward" })),
      waiting || r.status === "called" ? el("div", { class: "field" }, el("label", { for: "ch-dlg-complaint-note" }, T("Khiếu nại, tố cáo")),
        el("span", { class: "field-hint" }, T("Phiếu rời hàng đợi công khai, chuyển xử lý theo quy trình khiếu nại, tố cáo; không hiện trên màn hình chiếu.")),
        complaintNote,
        btn(T("Chuyển quy trình khiếu nại, tố cáo"), function () {
          run("POST", "/requests/" + r.id + "/flag_complaint", { reason: complaintNote.value.trim() || null });
        }, "btn-danger mt-1", { id: "ch-dlg-complaint" })) : null,
      waiting ? el("div", { class: "field" }, el("label", { for: "ch-dlg-merge" }, T("Trùng nội dung: gộp vào phiếu khác")), mergeSel,
        btn(T("Gộp"), function () {
          if (!mergeSel.value) { err.textContent = T("Chọn phiếu để gộp vào."); err.hidden = false; return; }
          var target = others.filter(function (o) { return o.id === Number(mergeSel.value); })[0];
          run("POST", "/merge", { target_id: Number(mergeSel.value), source_ids: [r.id] }, T("Đã gộp; người gửi được giữ là đồng kiến nghị."),
              target ? [target] : []);
        }, "mt-1", { id: "ch-dlg-merge-btn" })) : null);

    var assign = el("section", { class: "ch-dlg-section", id: "ch-dlg-assign" }, el("h3", null, T("Phân công trả lời")),
      el("div", { class: "field" }, el("label", { for: "ch-dlg-unit" }, T("Đơn vị trả lời")),
        r.default_unit_id ? el("span", { class: "field-hint" }, T("Mặc định theo lĩnh vực: {unit}", {
          unit: ((S.meeting.units || []).filter(function (u) { return u.id === r.default_unit_id; })[0] || {}).name || "" })) : null,
        unitSel),
      el("div", { class: "field" }, el("label", { for: "ch-dlg-answerer" }, T("Người trả lời")), answerer),
      el("fieldset", null, el("legend", null, T("Cách trả lời")), modes,
        el("label", { for: "ch-dlg-a-deadline", class: "small" }, T("Thời hạn (văn bản / chuyển cấp)")), aDeadline,
        el("label", { for: "ch-dlg-a-level", class: "small" }, T("Cấp nhận chuyển")), aLevel),
      withBoxes.length ? el("fieldset", { id: "ch-dlg-together" }, el("legend", null, T("Trả lời chung với các ý kiến cùng lĩnh vực")), withBoxes) : null,
      btn(T("Lưu phân công"), function () {
        var mode = (dlg.querySelector('input[name="' + modeName + '"]:checked') || {}).value || null;
        var ids = [r.id].concat(withBoxes.map(function (l) { return l.querySelector("input"); })
          .filter(function (i) { return i.checked; }).map(function (i) { return Number(i.value); }));
        run("POST", "/answers", {
          request_ids: ids, unit_id: Number(unitSel.value) || null, answerer: answerer.value.trim(), mode: mode,
          deadline: mode === "hall" ? null : (aDeadline.value || null), level: mode === "forwarded" ? aLevel.value : null
        }, T("Đã phân công trả lời."), together.filter(function (o) { return ids.indexOf(o.id) > 0; }));
      }, "btn-primary", { id: "ch-dlg-assign-save" }));

    Live.fill($("ch-dlg-body"),
      el("h2", { id: "ch-dlg-title" }, "#" + r.ticket + " " + (r.name || "")),
      el("p", { class: "small" }, [r.display_locality, r.field || T("Chưa phân loại"), tl(SOURCE, r.source),
        r.jurisdiction ? tl(JUR, r.jurisdiction) : null, tl(STATUS, r.status)].filter(Boolean).join(" · ")),
      r.phone || r.address ? el("p", { class: "small muted" }, T("Liên hệ (chỉ cán bộ xem): {contact}", {
        contact: [r.phone, r.address].filter(Boolean).join(" — ") })) : null,
      conflict, changed,
      el("p", { class: "ch-dlg-content" }, r.content),
      r.prepared_answer ? el("p", { class: "small" }, T("Trả lời đã chuẩn bị: {text}", { text: r.prepared_answer })) : null,
      err,
      focusAssign ? [assign, decisions] : [decisions, assign]);
    if (carry) {
      Object.keys(carry).forEach(function (k) {
        var n = $(k);
        if (n && carry[k] && (n.tagName !== "SELECT" || n.querySelector('option[value="' + CSS.escape(carry[k]) + '"]'))) n.value = carry[k];
      });
    }
    dlg.setAttribute("data-status", r.status);
    if (typeof dlg.showModal === "function") { if (!dlg.open) dlg.showModal(); } else { dlg.setAttribute("open", ""); }
    var first = dlg.querySelector(focusAssign ? "#ch-dlg-unit" : "#ch-dlg-body button:not([disabled])");
    if (first) first.focus();
  }

  function close() {
    dlgId = null;
    dlgSeen = null;
    if (typeof dlg.close === "function" && dlg.open) dlg.close(); else dlg.removeAttribute("open");
  }
  $("ch-dlg-close").addEventListener("click", close);

  /* ------------------------------------------------------------------ selection & keyboard */

  function select(id) {
    S.selected = id;
    var nodes = root.querySelectorAll(".ch-card[data-id]");
    for (var i = 0; i < nodes.length; i++) {
      var on = Number(nodes[i].getAttribute("data-id")) === id;
      nodes[i].classList.toggle("is-selected", on);
      nodes[i].setAttribute("aria-selected", on ? "true" : "false");
      if (on && nodes[i].scrollIntoView) nodes[i].scrollIntoView({ block: "nearest" });
    }
  }

  function columnOf(id) {
    var r = S.requests[id];
    if (!r) return null;
    return r.status === "submitted" ? "ch-inbox" : r.status === "accepted" ? "ch-queue" : null;
  }

  function neighbour(delta) {
    var col = S.selected ? columnOf(S.selected) : null;
    var list = $(col || "ch-queue");
    var ids = Array.prototype.map.call(list.querySelectorAll(".ch-card[data-id]"), function (n) {
      return Number(n.getAttribute("data-id"));
    });
    if (!ids.length) return;
    var i = ids.indexOf(S.selected);
    select(ids[i < 0 ? 0 : Math.max(0, Math.min(ids.length - 1, i + delta))]);
  }

  document.addEventListener("keydown", function (ev) {
    if (dlg.open) return;
    var tag = (ev.target && ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || (ev.target && ev.target.isContentEditable)) return;
    var key = ev.key;
    var sel = S.selected && S.requests[S.selected];
    var queued = sel && sel.status === "accepted";
    var handled = true;
    if ((key === "z" || key === "Z") && !ev.altKey) undo();
    else if (ev.ctrlKey || ev.metaKey) handled = false;
    else if ((key === "ArrowUp" || key === "ArrowDown") && (ev.altKey || ev.shiftKey)) {
      if (queued) move(sel.id, key === "ArrowUp" ? "up" : "down"); else handled = false;
    } else if (key === "[" || key === "]") {
      if (queued) move(sel.id, key === "[" ? "up" : "down"); else handled = false;
    } else if (key === "ArrowUp") neighbour(-1);
    else if (key === "ArrowDown") neighbour(1);
    else if (key === "n" || key === "N") callNext();
    else if (key === "s" || key === "S") floorOp("start");
    else if (key === "p" || key === "P") togglePause();
    else if (key === "e" || key === "E") floorOp("end");
    else if (key === "+") floorOp("extend", { seconds: 60 });
    else if ((key === "t" || key === "T") && queued) move(sel.id, "top");
    else if ((key === "a" || key === "A") && sel && sel.status === "submitted") decide(sel, "accept", {});
    else if (key === "Enter" && sel) openDialog(sel.id);
    else handled = false;
    if (handled) ev.preventDefault();
  });

  /* ------------------------------------------------------------------ drag and drop (pointer events) */

  var DRAG_START_PX = 6;

  function onPointerDown(ev) {
    var handle = ev.target.closest && ev.target.closest(".ch-handle");
    if (!handle || S.drag) return;
    var item = handle.closest(".ch-card[data-id]");
    if (!item || (ev.pointerType === "mouse" && ev.button !== 0)) return;
    ev.preventDefault();
    var list = $("ch-queue");
    S.drag = {
      id: Number(item.getAttribute("data-id")), item: item, list: list, pointer: ev.pointerId, startY: ev.clientY,
      active: false,
      order: queueOrder().map(function (r) { return r.id; }),   // the order this chair saw when the drag began
      placeholder: null
    };
    select(S.drag.id);
    try { handle.setPointerCapture(ev.pointerId); } catch (e) { /* synthetic events */ }
  }

  function onPointerMove(ev) {
    var d = S.drag;
    if (!d || ev.pointerId !== d.pointer) return;
    var dy = ev.clientY - d.startY;
    if (!d.active) {
      if (Math.abs(dy) < DRAG_START_PX) return;
      d.active = true;
      var rect = d.item.getBoundingClientRect();
      d.offset = d.startY - rect.top;
      d.placeholder = el("li", { class: "ch-placeholder" });
      d.placeholder.style.height = rect.height + "px";
      d.list.insertBefore(d.placeholder, d.item);
      d.item.classList.add("is-dragging");
      d.item.style.width = rect.width + "px";
      d.item.style.left = rect.left + "px";
      root.classList.add("is-dragging");
    }
    ev.preventDefault();
    d.item.style.top = (ev.clientY - d.offset) + "px";
    // Put the placeholder before the first card whose middle is below the pointer.
    var cards = Array.prototype.filter.call(d.list.querySelectorAll(".ch-card[data-id]"), function (n) { return n !== d.item; });
    var before = null;
    for (var i = 0; i < cards.length; i++) {
      var r = cards[i].getBoundingClientRect();
      if (ev.clientY < r.top + r.height / 2) { before = cards[i]; break; }
    }
    if (before) { if (d.placeholder.nextSibling !== before) d.list.insertBefore(d.placeholder, before); }
    else if (d.list.lastChild !== d.placeholder) d.list.appendChild(d.placeholder);
    autoScroll(ev.clientY);
  }

  function autoScroll(y) {
    var box = $("ch-queue-scroll");
    var r = box.getBoundingClientRect();
    if (y < r.top + 30) box.scrollTop -= 12;
    else if (y > r.bottom - 30) box.scrollTop += 12;
  }

  async function onPointerUp(ev) {
    var d = S.drag;
    if (!d || ev.pointerId !== d.pointer) return;
    S.drag = null;
    root.classList.remove("is-dragging");
    if (!d.active) { if (S.pendingRender) render(); return; }
    // The new order: cards as placed, the dragged one where the placeholder is; filtered-out ones keep place.
    var visible = [];
    Array.prototype.forEach.call(d.list.children, function (n) {
      if (n === d.placeholder) visible.push(d.id);
      else if (n !== d.item && n.getAttribute("data-id")) visible.push(Number(n.getAttribute("data-id")));
    });
    var order = d.order.slice();
    var slots = order.map(function (id, i) { return visible.indexOf(id) >= 0 ? i : -1; }).filter(function (i) { return i >= 0; });
    slots.forEach(function (slot, k) { order[slot] = visible[k]; });
    d.item.classList.remove("is-dragging");
    d.item.style.top = d.item.style.left = d.item.style.width = "";
    if (order.join() === d.order.join()) { render(); return; }
    S.optimisticOrder = order;
    render();
    var res = await act("PUT", "/queue", { order: order, expected: { requests: {}, queue: d.order } });
    if (!res.ok) { S.optimisticOrder = null; render(); }
  }

  function onPointerCancel(ev) {
    var d = S.drag;
    if (!d || ev.pointerId !== d.pointer) return;
    S.drag = null;
    root.classList.remove("is-dragging");
    render();
  }

  var qList = $("ch-queue");
  qList.addEventListener("pointerdown", onPointerDown);
  document.addEventListener("pointermove", onPointerMove, { passive: false });
  document.addEventListener("pointerup", onPointerUp);
  document.addEventListener("pointercancel", onPointerCancel);

  /* ------------------------------------------------------------------ audit log */

  async function loadAudit() {
    var res = await Live.api("GET", API + "/audit?limit=60");
    if (!res.ok) return;
    Live.fill($("ch-audit"), res.data.entries.map(function (e) {
      var what = e.requests.map(function (r) {
        var st = r.changes.status ? " " + tl(STATUS, r.changes.status[0]) + " → " + tl(STATUS, r.changes.status[1]) : "";
        var rank = !st && r.changes.queue_rank ? " " + T("vị trí {a} → {b}", { a: r.changes.queue_rank[0] || "–", b: r.changes.queue_rank[1] || "–" }) : "";
        var unit = r.changes.unit_id ? " " + T("đơn vị trả lời") : "";
        return "#" + r.ticket + st + rank + unit;
      }).join("; ");
      return el("li", { class: e.undone ? "is-undone" : "", "data-action": e.action },
        el("span", { class: "mono small" }, e.at_ms ? clockOf(e.at_ms) : ""), " ",
        el("strong", null, e.actor), " ", tl(ACTION, e.action), what ? ": " + what : "",
        e.undone ? el("span", { class: "badge badge-muted" }, T("đã hoàn tác")) : null);
    }));
  }
  $("ch-audit-box").addEventListener("toggle", function () {
    S.auditOpen = $("ch-audit-box").open;
    if (S.auditOpen) loadAudit();
  });

  /* ------------------------------------------------------------------ static controls */

  $("ch-call-next").addEventListener("click", callNext);
  $("ch-start").addEventListener("click", function () { floorOp("start"); });
  $("ch-pause").addEventListener("click", togglePause);
  $("ch-extend").addEventListener("click", function () { floorOp("extend", { seconds: 60 }); });
  $("ch-end").addEventListener("click", function () { floorOp("end"); });
  $("ch-requeue").addEventListener("click", function () { floorOp("requeue"); });
  $("ch-assign").addEventListener("click", function () { var r = floorReq(); if (r) openDialog(r.id, true); });
  $("ch-undo").addEventListener("click", undo);
  $("ch-next-step").addEventListener("click", function () {
    act("PUT", "/programme", { position: Math.min((S.meeting.steps || []).length, S.meeting.current_step + 1) });
  });
  $("ch-reg").addEventListener("change", function () {
    act("PUT", "/registration", { open: $("ch-reg").checked });
  });
  $("ch-message-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    act("PUT", "/message", { text: $("ch-message").value }, T("Đã gửi thông báo lên màn hình chiếu."));
  });
  $("ch-message-clear").addEventListener("click", function () {
    $("ch-message").value = "";
    act("PUT", "/message", { text: "" });
  });
  $("ch-message-prepare").addEventListener("click", function () {
    var q = queueOrder();
    if (q.length) $("ch-message").value = T("Mời đại biểu {name} chuẩn bị phát biểu", { name: q[0].name });
    $("ch-message").focus();
  });
  ["ch-f-field", "ch-f-status", "ch-f-jur", "ch-f-source"].forEach(function (id) {
    $(id).addEventListener("change", render);
  });
  $("ch-search").addEventListener("input", render);
  $("ch-filter-clear").addEventListener("click", function () {
    ["ch-f-field", "ch-f-status", "ch-f-jur", "ch-f-source", "ch-search"].forEach(function (id) { $(id).value = ""; });
    render();
  });

  function fillFilters() {
    var sel = $("ch-f-field");
    if (sel.options.length > 1) return;
    (S.meeting.fields || []).forEach(function (f) { sel.appendChild(el("option", { value: String(f.id) }, f.name)); });
  }

  /* ------------------------------------------------------------------ live connection */

  var conn = Live.connect({
    meeting: CODE,
    snapshotUrls: { staff: API + "/staff", "public": API + "/public" },
    onSnapshot: function (kind, data) {
      if (kind === "public") { S.pub = data.state || data; renderProjectorPreview(); return; }
      S.requests = {};
      data.requests.forEach(function (r) { S.requests[r.id] = r; });
      S.meeting = data.meeting;
      S.optimisticOrder = null;
      fillFilters();
      render();
      refreshExtras(0);
    },
    onStaff: function (msg) {
      (msg.requests || []).forEach(function (r) { S.requests[r.id] = r; });
      // The server's order from now on (ours, once our moves are committed); kept while our moves are on their way.
      if (!moves.pending) S.optimisticOrder = null;
      if (msg.meeting) S.meeting = msg.meeting;
      render();
      if (dlgId !== null && dlg.open && S.requests[dlgId] && msg.requests && msg.requests.some(function (r) { return r.id === dlgId; })) {
        // The dialog keeps what the chair is looking at (a decision on it would be refused): say that it changed.
        dlgChanged(S.requests[dlgId]);
      }
      refreshExtras();
      if (S.auditOpen) loadAudit();
    },
    onPublic: function (state) { S.pub = state; renderProjectorPreview(); },
    onError: function (kind, res) {
      if (res.status === 403) notice(T("Liên kết không còn hiệu lực; vui lòng xin ban tổ chức liên kết mới."), "error");
    }
  });

  setInterval(function () { if (S.meeting) renderTimer(); }, 250);
  window.ChairConsole = { state: S, conn: conn, fold: fold };
})();

/*
 * The usher's phone (templates/usher.html): the speaker now and the next three, with seat or zone, so the
 * microphone is there in time.
 *
 * The seat is not public, so it comes from GET /api/v1/meetings/<code>/usher (usher key / staff), refetched
 * whenever the public state changes (socket event `public`, and the public snapshot on every reconnect).
 * The newest answer wins: an older response arriving late never replaces a newer one.
 * #usher carries data-state (loading | idle | called | speaking) and data-v for tests.
 */
(function () {
  "use strict";

  var Live = window.Live;
  var t = Live.t;
  var root, els = {};
  var shownV = -1, asked = 0, retryTimer = null;

  function $(id) { return document.getElementById(id); }

  function seatNode(r) {
    var seat = (r.seat || "").trim();
    return seat
      ? Live.el("div", { class: "us-seat" }, Live.el("span", { class: "us-seat-key" }, t("Chỗ ngồi")), " ", seat)
      : Live.el("div", { class: "us-seat is-unknown" }, t("Chưa rõ chỗ ngồi"));
  }

  function person(r) {
    return [
      seatNode(r),
      Live.el("div", { class: "us-name" }, r.name || ""),
      Live.el("div", { class: "us-origin" },
        Live.el("span", { class: "us-ticket" }, t("Số {ticket}", { ticket: r.ticket })),
        r.locality ? " · " + r.locality : "")
    ];
  }

  function render(data) {
    var f = data.floor;
    var mode = !f ? "idle" : f.status === "called" ? "called" : "speaking";
    root.dataset.state = mode;
    els.now.classList.toggle("is-called", mode === "called");
    if (f) {
      els.nowLabel.textContent = mode === "called" ? t("Đã mời – mang micro đến") : t("Đang phát biểu");
      Live.fill(els.nowCard, person(f));
      els.nowCard.hidden = false;
    } else {
      els.nowLabel.textContent = t("Chưa có ai được mời phát biểu");
      Live.fill(els.nowCard);
      els.nowCard.hidden = true;
    }
    var next = (data.next || []).slice(0, 3);
    Live.fill(els.nextList, next.map(function (r) { return Live.el("li", null, person(r)); }));
    els.nextEmpty.hidden = next.length > 0;
  }

  async function refresh() {
    var mine = ++asked;
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    var res = await Live.api("GET", root.dataset.usherUrl);
    if (res.ok && res.data && typeof res.data.v === "number") {
      els.error.hidden = true;
      // Newest wins. A lower v from a later request only happens after a server reset: accept it then.
      if (res.data.v >= shownV || mine === asked) {
        shownV = res.data.v;
        root.dataset.v = String(res.data.v);
        render(res.data);
      }
      return;
    }
    if (mine !== asked) return;
    if (res.status === 401 || res.status === 403) {
      els.error.textContent = t("Liên kết này không còn hiệu lực. Vui lòng xin ban tổ chức liên kết mới.");
      els.error.hidden = false;
      return;
    }
    els.error.textContent = t("Không tải được danh sách. Đang thử lại…");
    els.error.hidden = false;
    retryTimer = setTimeout(refresh, 3000);
  }

  Live.ready(function () {
    root = $("usher");
    if (!root) return;
    els.now = $("us-now");
    els.nowLabel = $("us-now-label");
    els.nowCard = $("us-now-card");
    els.nextList = $("us-next-list");
    els.nextEmpty = $("us-next-empty");
    els.error = $("us-error");
    Live.connect({
      meeting: root.dataset.meeting,
      snapshotUrls: { public: root.dataset.publicUrl },
      onPublic: function () { refresh(); },
      onStatus: function (status) { root.dataset.status = status; }
    });
  });
})();

/*
 * The livestream overlay (templates/overlay.html): a lower third with the speaker's name and locality, the
 * subject (field) and the answering unit, shown while the floor is taken and hidden otherwise, so OBS shows the
 * camera alone between speakers.
 *
 * It hears the PUBLIC stream only (Live.connect: snapshot GET /api/v1/meetings/<code>/public, socket event
 * `public`), the same data as the projector: no phone, address or complaint ever reaches it.
 * #overlay carries data-state (loading | idle | called | speaking | paused), data-v and data-status for tests.
 */
(function () {
  "use strict";

  var Live = window.Live;
  var t = Live.t;

  function $(id) { return document.getElementById(id); }

  function render(root, s) {
    var f = s.floor;
    var mode = f && f.state && f.state !== "idle" ? f.state : "idle";
    root.dataset.state = mode;
    var box = $("lt");
    if (mode === "idle") {
      box.hidden = true;
      return;
    }
    box.className = "lt is-" + mode;
    Live.fill($("lt-badge"), mode === "speaking" ? t("Đang phát biểu") : mode === "paused" ? t("Tạm dừng")
      : t("Mời phát biểu"));
    Live.fill($("lt-name"), f.name || t("Số {ticket}", { ticket: f.ticket }));
    Live.fill($("lt-origin"), f.locality || "");
    Live.fill($("lt-field"), f.field || "");
    $("lt-field-box").hidden = !f.field;
    Live.fill($("lt-unit"), f.unit || "");
    $("lt-unit-box").hidden = !f.unit;
    box.hidden = false;
  }

  Live.ready(function () {
    var root = $("overlay");
    if (!root) return;
    Live.connect({
      meeting: root.dataset.meeting,
      auth: { scope: "public" },
      snapshotUrls: { public: root.dataset.publicUrl },
      onPublic: function (s, v) {
        if (!s || typeof s !== "object") return;
        render(root, s);
        root.dataset.v = String(v);
      },
      onStatus: function (status) { root.dataset.status = status; }
    });
  });
})();

/* The organiser's pages: print buttons and confirmations for destructive forms. No inline handlers (CSP). */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (btn) {
      btn.addEventListener("click", function () { window.print(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
    // Follow-up: the "level" choice only matters when forwarding.
    Array.prototype.forEach.call(document.querySelectorAll("select[name=mode]"), function (sel) {
      var form = sel.form;
      var level = form && form.querySelector("select[name=level]");
      if (!level) return;
      var label = form.querySelector("label[for='" + level.id + "']");
      function sync() {
        var hide = sel.value !== "forwarded";
        level.hidden = hide;
        if (label) label.hidden = hide;
      }
      sel.addEventListener("change", sync);
      sync();
    });
  });
})();

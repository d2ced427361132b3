/* The print view of the minutes: the "Print" button (no inline handlers under the CSP). */
(function () {
  "use strict";
  var btn = document.getElementById("mp-print");
  if (btn) btn.addEventListener("click", function () { window.print(); });
})();

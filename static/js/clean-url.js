/* A role link was just opened: its key is now a session grant, so the address drops it before anything else runs
   (moderator/web/pages.py, opened_by_role_link). The page came with status 404, which chromium keeps out of the visible
   history; this replaces the tab's entry with the clean address. */
(function () {
  var script = document.currentScript;
  var clean = script && script.getAttribute("data-clean-url");
  if (clean && window.history && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", clean);
  }
})();

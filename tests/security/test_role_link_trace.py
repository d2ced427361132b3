"""The role key leaves no trace (issue 12): after opening a role link in chromium, neither the address bar, the
tab's back list, chrome://history nor the profile's History database shows `?key=…`."""
from __future__ import annotations

import sqlite3

from tests.support.browser import ARGS, CHROMIUM, wait_in_page


# chrome://history is a web component tree: collect the URLs of its history-item elements through shadow roots.
HISTORY_ITEMS = """() => { const out = []; const walk = (n) => { if (n.shadowRoot) walk(n.shadowRoot);
  for (const c of n.children || []) walk(c); if (n.tagName === 'HISTORY-ITEM' && n.item) out.push(n.item.url); };
  walk(document.documentElement); return out; }"""


def test_opening_a_role_link_leaves_the_key_out_of_chromium_history(browser, server, tmp_path):
    profile = tmp_path / "profile"
    ctx = browser.browser_type.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=ARGS)
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.goto(server.screen_url("chair"))
        page.wait_for_url(f"{server.url}/m/DEMO/chair")
        page.wait_for_selector("#chair[data-state=ready]")        # the console works on the clean address
        assert "key=" not in page.url
        cdp = ctx.new_cdp_session(page)
        entries = [e["url"] for e in cdp.send("Page.getNavigationHistory")["entries"]]
        assert f"{server.url}/m/DEMO/chair" in entries and not [u for u in entries if "key=" in u], entries
        assert page.evaluate("history.length") == len(entries)
        page.goto("chrome://history")
        wait_in_page(page, f"({HISTORY_ITEMS})().length > 0", timeout=15_000)
        shown = page.evaluate(HISTORY_ITEMS)
        assert f"{server.url}/m/DEMO/chair" in shown and not [u for u in shown if "key=" in u], shown
    finally:
        ctx.close()                                          # flushes the History database
    db = sqlite3.connect(profile / "Default" / "History")
    try:
        # hidden = 0: the rows chrome://history lists and the address bar suggests. The 404 that carried the key
        # is stored hidden (docs/security.md: chromium keeps a hidden row for every address it committed).
        visible = [url for (url,) in db.execute("SELECT url FROM urls WHERE hidden = 0")]
    finally:
        db.close()
    assert f"{server.url}/m/DEMO/chair" in visible, visible
    assert not [u for u in visible if "key=" in u], visible

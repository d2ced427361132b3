"""The chair console with a long meeting in its lists (Debian's chromium, the real server): a reorder touches only
the two cards that swapped. Before, every card below them was moved one by one and every finished item was
rebuilt, and the removal of the card holding the pressed button forced chromium to recompute the whole page's
style and layout: 60-110 ms per reorder with 500 requests (docs/performance.md; timed by `python -m bench`).
Then (issue 14, session 3) the first reorder after loading still rebuilt the whole queue (the snapshot's keys are
sorted, the messages' are not, and a card's signature depended on the order), every render rebuilt the merge
suggestions, the programme strip and the floor card, and the pressed ↓ lost the focus with its rebuilt card."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bench import hall as bench_hall
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

# Counts, per list, the nodes added to and removed from it (moves count as both).
LISTS = ["ch-queue", "ch-done", "ch-inbox", "ch-suggest", "ch-steps", "ch-floor-card"]
WATCH = """(ids) => {
  window.__changes = {};
  for (const id of ids) {
    const c = window.__changes[id] = { added: 0, removed: 0 };
    new MutationObserver((recs) => { for (const r of recs) { c.added += r.addedNodes.length;
      c.removed += r.removedNodes.length; } }).observe(document.getElementById(id), { childList: true });
  }
}"""
FOCUSED = """() => { const a = document.activeElement, card = a && a.closest('.ch-card');
  return [a.className, card ? card.dataset.ticket : null]; }"""
NEXT_FRAME = "() => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)))"


@pytest.fixture(scope="module")
def long_meeting(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("scale") / "instance", demo=True).start()
    rt = bench_hall.runtime(bench_hall.sqlite_url(srv.instance))
    try:
        built = bench_hall.province_meeting(rt, "TINH60", 60)
    finally:
        rt.engine.dispose()
    yield srv, built
    srv.stop()


def test_a_reorder_rebuilds_only_the_two_cards_that_swapped(long_meeting, browser):
    srv, built = long_meeting
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = ctx.new_page()
        page.goto(f"{srv.url}/m/{built['code']}/chair?key={built['keys']['chair']}")
        page.wait_for_selector("[data-state=ready]", timeout=20_000)
        # the forecast (fetched after the snapshot) marks the cards it cannot reach: let it arrive first
        expect(page.locator("#ch-forecast")).not_to_be_empty(timeout=10_000)
        page.wait_for_load_state("networkidle")
        cards = page.locator("#ch-queue .ch-queued")
        assert cards.count() == built["queued"]
        assert page.locator("#ch-done li").count() == built["answered_at_floor"] + built["in_writing"]
        assert page.locator("#ch-suggest li").count() > 0, "the meeting's reworded copies are suggested for merging"
        done_before = page.evaluate("Array.from(document.querySelectorAll('#ch-done li')).map(n => n.dataset.id)")
        version = int(page.locator("[data-version]").first.get_attribute("data-version"))
        # The first move after loading renumbers the whole queue (ranks 1..n): every queued request comes back in
        # the move's message, and still only the two swapped cards change. Then a second move, the same.
        for k in range(2):
            first, second = cards.nth(0).get_attribute("data-ticket"), cards.nth(1).get_attribute("data-ticket")
            page.evaluate(WATCH, LISTS)
            # the forecast and the merge suggestions are fetched again after each move: wait for them too
            with page.expect_response(lambda r: "/merge-suggestions" in r.url):
                cards.nth(0).locator(".ch-down").click()
            version += 1
            expect(page.locator("[data-version]").first).to_have_attribute("data-version", str(version),
                                                                          timeout=10_000)
            page.evaluate(NEXT_FRAME)
            changes = page.evaluate("window.__changes")
            # the two swapped cards are rebuilt (their position numbers changed); nothing else moves
            assert changes["ch-queue"] == {"added": 2, "removed": 2}, (k, changes)
            for other in LISTS[1:]:
                assert changes[other] == {"added": 0, "removed": 0}, (k, other, changes)
            tickets = [cards.nth(i).get_attribute("data-ticket") for i in range(3)]
            assert tickets[:2] == [second, first]
            # the pressed ↓ keeps the focus: it is the rebuilt card's own ↓, in its new place
            assert page.evaluate(FOCUSED) == ["btn ch-down", first], k
            staff = srv.api("GET", f"/meetings/{built['code']}/staff",
                            headers={"X-Role-Key": built["keys"]["chair"]}).json()
            queue = sorted((r for r in staff["requests"] if r["status"] == "accepted"),
                           key=lambda r: (not r["priority"], r["queue_rank"] or 0, r["ticket"]))
            assert [str(r["ticket"]) for r in queue[:3]] == tickets
            if k == 0:
                # the focused ↓ moves the same request on (Enter presses it), and its ↑ brings it back
                page.keyboard.press("Enter")
                version += 1
                expect(page.locator("[data-version]").first).to_have_attribute("data-version", str(version),
                                                                              timeout=10_000)
                expect(cards.nth(2)).to_have_attribute("data-ticket", first)
                with page.expect_response(lambda r: "/merge-suggestions" in r.url):
                    cards.nth(2).locator(".ch-up").click()
                version += 1
                expect(page.locator("[data-version]").first).to_have_attribute("data-version", str(version),
                                                                              timeout=10_000)
                expect(cards.nth(1)).to_have_attribute("data-ticket", first)
                assert page.evaluate(FOCUSED) == ["btn ch-up", first]
        assert page.evaluate(
            "Array.from(document.querySelectorAll('#ch-done li')).map(n => n.dataset.id)") == done_before
    finally:
        ctx.close()

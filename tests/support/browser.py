"""Playwright with Debian's chromium. Skipped with a reason if chromium is missing (failure in CI)."""
from __future__ import annotations

import os
import shutil

import pytest

from .services import required

CHROMIUM = os.environ.get("MODERATOR_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-quic", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        msg = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if required():
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    """Factory: new_page(viewport=(360, 640)) -> a page in its own context (own cookies)."""
    contexts = []

    def make(viewport=(1280, 800), **kw):
        ctx = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for c in contexts:
        c.close()


def intended_role_link_404(response) -> bool:
    """A role link is answered 404 on purpose (moderator/web/pages.py, opened_by_role_link: chromium keeps no visible
    history of a 404, so the key leaves no trace) with the screen itself; any other 4xx is a problem."""
    return response.status == 404 and "key=" in response.url and response.request.resource_type == "document"


def wait_in_page(page, expression: str, arg=None, timeout: float = 10_000, interval: float = 50) -> None:
    """`page.wait_for_function` without its in-page polling: since Playwright 1.65 that polling compiles the
    predicate with eval inside the page, which our pages' Content-Security-Policy (script-src 'self') refuses.
    `page.evaluate` runs through the DevTools protocol, which the CSP does not govern. `expression` may be a
    function of `arg` ("id => ..."); timeout and interval in ms, as in Playwright."""
    import time
    deadline = time.monotonic() + timeout / 1000
    while True:
        if page.evaluate(expression, arg) if arg is not None else page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} ms: {expression}")
        page.wait_for_timeout(interval)

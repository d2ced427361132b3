"""Fixtures for the front-end tests: a loopback static server and Debian's chromium through Playwright.

The server maps  /static/...  -> <repo>/static/...   and   /t/...  -> <repo>/tests/static/pages/...
Browser tests are skipped (with the reason) when /usr/bin/chromium or playwright is missing, unless
MODERATOR_REQUIRE_SERVICES=1, where they fail instead.
"""

from __future__ import annotations

import http.server
import os
import posixpath
import threading
import urllib.parse
import pytest

from frontend_paths import PAGES, STATIC

from tests.support.browser import intended_role_link_404

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _missing(reason: str):
    if os.environ.get("MODERATOR_REQUIRE_SERVICES") == "1":
        pytest.fail(reason + " (MODERATOR_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves only static/ and tests/static/pages/, nothing else of the repository."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".json": "application/json",
        ".svg": "image/svg+xml",
    }

    def translate_path(self, path: str) -> str:
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        path = posixpath.normpath(path)
        for prefix, base in (("/static/", STATIC), ("/t/", PAGES)):
            if path.startswith(prefix):
                rel = path[len(prefix):]
                target = (base / rel).resolve()
                if base.resolve() in target.parents or target == base.resolve():
                    return str(target)
        return str(PAGES / "__not_found__")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # keep pytest output quiet
        pass


@pytest.fixture(scope="session")
def static_server():
    """Base URL of a thread-run http.server on 127.0.0.1 and a free port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def static_browser(request):
    """Debian's chromium through Playwright's sync API.

    Reuses the project's session-wide `browser` fixture (tests/support/browser.py) when there is one: two
    sync_playwright() instances cannot be open at once in one process. Otherwise launches its own.
    """
    try:
        shared = request.getfixturevalue("browser")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield shared
        return
    if not os.path.exists(CHROMIUM):
        _missing(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed: pip install playwright")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class PageErrors(list):
    def __init__(self):
        super().__init__()
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        """Expect an error whose text contains fragment (e.g. a URL a test asks for on purpose)."""
        self.allowed.append(fragment)

    def check(self) -> None:
        real = [e for e in self if not any(a in e for a in self.allowed)]
        assert not real, "browser reported errors:\n" + "\n".join(real)


@pytest.fixture
def open_page(static_browser):
    """open_page(url, width=..., height=...) -> (page, errors); errors collects JS errors and CSP violations."""
    contexts = []

    def _open(url: str, width: int = 412, height: int = 860):
        ctx = static_browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
        contexts.append(ctx)
        page = ctx.new_page()
        errors = PageErrors()
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None,
        )
        page.on(
            "response",
            lambda resp: errors.append(f"HTTP {resp.status}: {resp.url}")
            if resp.status >= 400 and not resp.url.endswith("/favicon.ico") and not intended_role_link_404(resp)
            else None,
        )
        page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url} {req.failure}"))
        page.goto(url)
        page.errors = errors
        return page, errors

    yield _open
    for ctx in contexts:
        ctx.close()

"""The harness the screen issues extend: the real server with the demo, and Debian's chromium opening each
screen."""
import pytest


def test_demo_server_lists_every_screen(server):
    assert {"chair", "secretary", "projector", "usher", "unit"} <= set(server.keys)
    r = server.api("GET", "/meetings/DEMO/staff", role="chair")
    assert r.status_code == 200
    assert len(r.json()["requests"]) == 24


@pytest.mark.browser
def test_browser_opens_demo_screens(server, new_page):
    for role in ("chair", "secretary", "projector", "usher", "unit"):
        page = new_page()
        page.goto(server.screen_url(role))
        assert page.title()
        assert "Giao Minh" in page.content()
    page = new_page(viewport=(360, 640))
    page.goto(server.url + "/j/DEMO")
    assert "Giao Minh" in page.content()

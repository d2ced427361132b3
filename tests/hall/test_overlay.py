"""The livestream overlay (/m/<code>/overlay) for OBS, in Debian's chromium against the real server: a transparent
page with a lower third (name, locality, subject, answering unit) that follows the floor live; no personal data.

Screenshots are taken with a transparent background (as OBS composites a browser source) and checked pixel by pixel:
fully transparent between speakers, an opaque band in the bottom third while someone holds the floor. They go to
test-artifacts/hall/overlay-<state>-<w>x<h>.png."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from tests.support.server import ServerProcess

from ._hall import ARTIFACTS, chair, check_layout, dataset, paper, phone_needles, staff, wait_synced, wait_until

pytestmark = pytest.mark.browser

SPEAKER = dict(full_name="Nguyễn Thị Lan Hương", phone="0912 765 432", address="Số nhà 88 ngõ 7 ADDRK0887",
               locality="Xóm Bắc", seat="Dãy B, ghế 5", kind="citizen")


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("overlay") / "instance", demo=True).start()
    yield srv
    srv.stop()


def overlay_url(srv) -> str:
    return f"{srv.url}/m/DEMO/overlay?key={srv.keys['projector']}"


def transparent_shot(page, name: str) -> Image.Image:
    png = page.screenshot(omit_background=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    vp = page.viewport_size
    (ARTIFACTS / f"overlay-{name}-{vp['width']}x{vp['height']}.png").write_bytes(png)
    return Image.open(io.BytesIO(png)).convert("RGBA")


def band(page, img: Image.Image):
    """The lower third's box in screenshot pixels, shrunk by 4 px (rounded corners, shadow)."""
    b = page.locator("#lt").bounding_box()
    scale = img.width / page.viewport_size["width"]
    return (int(b["x"] * scale) + 4, int(b["y"] * scale) + 4, int((b["x"] + b["width"]) * scale) - 4,
            int((b["y"] + b["height"]) * scale) - 4)


def opaque_share(img: Image.Image, box) -> float:
    alpha = img.getchannel("A").crop(box)
    hist = alpha.histogram()
    return sum(hist[200:]) / (alpha.width * alpha.height)


def test_the_overlay_follows_the_floor_on_a_transparent_page(hall, new_page):
    srv = hall
    page = new_page(viewport=(1920, 1080))
    page.goto(overlay_url(srv))
    wait_synced(page, srv, "overlay")
    assert dataset(page, "overlay")["state"] == "idle"
    img = transparent_shot(page, "idle")
    assert img.getchannel("A").getextrema() == (0, 0)          # nothing at all over the camera between speakers

    field_and_unit = staff(srv)["meeting"]
    unit = next(u for u in field_and_unit["units"] if u["name"] == "Phòng Kinh tế")
    field = field_and_unit["fields"][0]
    req = paper(srv, field_id=field["id"], **SPEAKER)
    chair(srv, "POST", "/answers", {"request_ids": [req["id"]], "unit_id": unit["id"], "mode": "hall"})

    t0 = time.perf_counter()
    chair(srv, "POST", "/floor/call", {"request_id": req["id"]})
    wait_until(lambda: dataset(page, "overlay")["state"] == "called", 3, what="overlay shows the called speaker")
    called_after = time.perf_counter() - t0
    chair(srv, "POST", "/floor/start")
    wait_until(lambda: dataset(page, "overlay")["state"] == "speaking", 3, what="overlay shows the speaker")
    page.wait_for_timeout(500)                                   # the slide-in animation ends
    text = page.inner_text("#lt")
    for shown in (SPEAKER["full_name"], SPEAKER["locality"], field["name"], "Phòng Kinh tế", "Đang phát biểu"):
        assert shown in text, shown
    html = page.content()
    for private in [SPEAKER["address"], "ADDRK0887", SPEAKER["seat"], *phone_needles(SPEAKER["phone"])]:
        assert private not in html, private

    img = transparent_shot(page, "speaking")
    w, h = img.size
    box = band(page, img)
    assert box[1] > h * 0.75 and box[3] < h * 0.98          # a lower third: in the bottom quarter
    assert opaque_share(img, box) > 0.97                     # opaque where it is …
    assert img.getchannel("A").crop((0, 0, w, box[1] - 40)).getextrema() == (0, 0)   # … clear above it
    layout = check_layout(page, "#overlay")
    assert not layout["outside"] and not layout["cut"], layout

    page.set_viewport_size({"width": 1280, "height": 720})       # a 720p source: same proportions
    img = transparent_shot(page, "speaking")
    box = band(page, img)
    assert box[1] > img.height * 0.75 and opaque_share(img, box) > 0.97
    assert not check_layout(page, "#overlay")["outside"]

    chair(srv, "POST", "/floor/end")
    wait_until(lambda: dataset(page, "overlay")["state"] == "idle", 3, what="overlay hides the lower third")
    assert transparent_shot(page, "after").getchannel("A").getextrema() == (0, 0)
    assert called_after < 2.0, called_after
    print(f"overlay showed the called speaker {called_after * 1000:.0f} ms after the chair's call")


def test_the_overlay_needs_a_screen_key(hall):
    import requests
    r = requests.get(f"{hall.url}/m/DEMO/overlay", timeout=10)
    assert r.status_code == 403

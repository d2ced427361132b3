"""static/css/base.css and static/css/projector.css, measured in Debian's chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# WCAG relative luminance / contrast, computed in the page from the computed colours.
CONTRAST_JS = """() => {
window.__contrast = function (el) {
  function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return m.length > 3 && m[3] === 0 ? null : m.slice(0, 3); }
  function lum(c) { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                    return 0.2126 * r + 0.7152 * g + 0.0722 * b; }
  let bgNode = el, bg = null;
  while (bgNode && !(bg = rgb(getComputedStyle(bgNode).backgroundColor))) bgNode = bgNode.parentElement;
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color);
  const a = lum(fg), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
};
}"""


@pytest.fixture
def form_page(static_server, open_page):
    page, errors = open_page(static_server + "/t/form.html", width=360, height=740)
    page.evaluate(CONTRAST_JS)
    yield page
    errors.check()


def test_phone_text_size_and_tap_targets(form_page):
    sizes = form_page.evaluate(
        """() => {
        const px = (el, p) => parseFloat(getComputedStyle(el)[p]);
        const boxes = [...document.querySelectorAll("button, .btn, input:not([type=checkbox]):not([type=radio]), select, textarea, .check")]
          .map(el => [el.id || el.className || el.tagName, el.getBoundingClientRect().height]);
        for (const box of document.querySelectorAll("input[type=checkbox], input[type=radio]")) {
          const label = box.closest(".check");
          boxes.push(["label of " + box.id, label ? label.getBoundingClientRect().height : 0]);
        }
        const big = document.getElementById("b-big").getBoundingClientRect();
        const form = document.querySelector("form").getBoundingClientRect();
        return {body: px(document.body, "fontSize"), boxes, bigH: big.height, bigW: big.width, formW: form.width,
                font: getComputedStyle(document.body).fontFamily};
      }"""
    )
    assert sizes["body"] >= 17
    small = [b for b in sizes["boxes"] if b[1] < 44]
    assert not small, f"tap targets under 44px: {small}"
    assert sizes["bigH"] >= 56 and abs(sizes["bigW"] - sizes["formW"]) < 1
    assert "system-ui" in sizes["font"] and "Noto Sans" in sizes["font"]


def test_text_contrast_is_wcag_aa(form_page):
    ratios = form_page.evaluate(
        """() => [...document.querySelectorAll(
              ".badge, .btn, .field-error, .field-hint, .alert, .muted, .timer, .reconnecting, .topbar .title, label")]
            .map(el => [el.className || el.tagName, el.textContent.trim().slice(0, 20), window.__contrast(el)])"""
    )
    assert len(ratios) > 30
    low = [r for r in ratios if r[2] < 4.5]
    assert not low, f"contrast under 4.5:1: {low}"


def test_focus_is_visible(form_page):
    form_page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    outlines = []
    for _ in range(6):
        form_page.keyboard.press("Tab")
        outlines.append(
            form_page.evaluate(
                """() => { const s = getComputedStyle(document.activeElement);
                          return [document.activeElement.id, s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
            )
        )
    for el_id, style, width in outlines:
        assert style != "none" and width >= 2, (el_id, style, width)


def test_print_hides_buttons(form_page):
    form_page.emulate_media(media="print")
    hidden = form_page.evaluate(
        "[...document.querySelectorAll('button, .btn, .reconnecting')].map(el => getComputedStyle(el).display)"
    )
    assert hidden and set(hidden) == {"none"}
    form_page.emulate_media(media="screen")
    assert form_page.evaluate("getComputedStyle(document.getElementById('b-big')).display") != "none"


def test_reconnecting_mark_is_fixed_top_right(form_page):
    box = form_page.evaluate(
        """() => { const el = document.getElementById("mark"); const r = el.getBoundingClientRect();
                  return {pos: getComputedStyle(el).position, top: r.top, right: innerWidth - r.right}; }"""
    )
    assert box["pos"] == "fixed" and box["top"] < 20 and box["right"] < 20


PROJECTOR_CHECK = """() => {
  const vw = innerWidth, vh = innerHeight;
  const out = {outside: [], cut: [], sizes: {}};
  const visible = el => el.offsetParent !== null || getComputedStyle(el).position === "fixed";
  const sel = ".pj-header, .pj-title, .pj-step, .pj-main, .pj-now, .pj-label, .pj-ticket, .pj-name, .pj-origin, " +
    ".pj-field, .pj-unit, .pj-side, .timer, .pj-next, .pj-next-list > li, .pj-next-more, .pj-footer, .pj-qr-small, " +
    ".pj-join, .pj-idle-title, .pj-idle-sub, .pj-idle-body, .pj-qr, .pj-idle-text, .pj-url, .pj-code, .pj-banner";
  for (const el of document.querySelectorAll(sel)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) out.outside.push([el.className, r.left, r.top, r.right, r.bottom]);
  }
  // regions must not hide content below their bottom edge (clamped blocks end with an ellipsis instead)
  for (const el of document.querySelectorAll(".pj-now, .pj-side, .pj-idle-body, .pj-idle-text, .pj-timer-box")) {
    if (visible(el) && el.scrollHeight > el.clientHeight + 1) out.cut.push([el.className, el.scrollHeight, el.clientHeight]);
  }
  // every visible row of the next list is whole and inside the list
  const next = document.querySelector(".pj-next");
  if (visible(next)) {
    const nb = next.getBoundingClientRect();
    out.rows = [...document.querySelectorAll(".pj-next-list > li")].filter(visible).length;
    out.rowsInside = [...document.querySelectorAll(".pj-next-list > li")].filter(visible)
      .every(li => li.getBoundingClientRect().bottom <= nb.bottom + 1);
    out.nameEllipsis = getComputedStyle(document.querySelector(".pj-next-name")).textOverflow;
  }
  const px = s => { const el = document.querySelector(s); return el && visible(el) ? parseFloat(getComputedStyle(el).fontSize) : null; };
  out.sizes = {name: px(".pj-name"), timer: px(".timer"), url: px(".pj-url"), banner: px(".pj-banner")};
  const t = document.querySelector(".timer");
  if (visible(t)) { out.timerFits = t.scrollWidth <= t.parentElement.clientWidth + 1; }
  const qr = document.querySelector(".pj-qr");
  if (visible(qr)) { out.qr = qr.getBoundingClientRect().height; }
  return out;
}"""

SHOW = {
    "live": "",
    "banner": "document.getElementById('banner').hidden = false;",
    "idle": "document.getElementById('live').hidden = true; document.getElementById('idle').hidden = false;",
    "unbroken": "document.getElementById('name').textContent = 'NguyễnThịPhươngThảo'.repeat(8);"
    "document.querySelector('.pj-url').textContent = 'hoinghi-tiep-xuc-doi-thoai.local/j/ABCD12EFGH34';",
}


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720), (1024, 768), (1366, 768)])
@pytest.mark.parametrize("state", ["live", "banner", "idle", "unbroken"])
def test_projector_fits_the_screen(static_server, open_page, width, height, state):
    page, errors = open_page(static_server + "/t/projector.html", width=width, height=height)
    if SHOW[state]:
        page.evaluate("() => {" + SHOW[state] + "}")
    res = page.evaluate(PROJECTOR_CHECK)
    assert not res["outside"], res["outside"]
    assert not res["cut"], res["cut"]
    if state in ("live", "banner", "unbroken"):
        assert 3 <= res["rows"] <= 5 and res["rowsInside"], res
        assert res["nameEllipsis"] == "ellipsis"
        assert res["timerFits"]
    if (width, height) == (1920, 1080):
        if state == "live":
            assert res["sizes"]["name"] >= 64
            assert res["sizes"]["timer"] >= 160
        if state == "idle":
            assert res["sizes"]["url"] >= 64
            assert res["qr"] >= 500
    errors.check()


def test_projector_unbroken_url_fits_idle_screen(static_server, open_page):
    page, errors = open_page(static_server + "/t/projector.html", width=1280, height=720)
    page.evaluate("() => {" + SHOW["unbroken"] + SHOW["idle"] + "}")
    res = page.evaluate(PROJECTOR_CHECK)
    assert not res["outside"] and not res["cut"], res
    errors.check()


def test_projector_timer_colours(static_server, open_page):
    page, errors = open_page(static_server + "/t/projector.html", width=1280, height=720)
    colours = page.evaluate(
        """() => { const t = document.getElementById("timer"); const c = () => getComputedStyle(t).color;
                  t.className = "timer"; const normal = c();
                  t.className = "timer warning"; const warning = c();
                  t.className = "timer overtime"; const overtime = c();
                  return {normal, warning, overtime}; }"""
    )
    assert colours["normal"] == "rgb(255, 255, 255)"
    assert colours["warning"] == "rgb(255, 176, 32)"   # amber
    assert colours["overtime"] == "rgb(255, 92, 92)"   # red
    errors.check()

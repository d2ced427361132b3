"""Static assets without a browser: offline-only, sizes, licence header, no HTML sinks, old-Chrome syntax."""

from __future__ import annotations

import re

from frontend_paths import STATIC, read_static


def test_no_asset_reaches_outside_the_hall():
    # no CDN, no web fonts, no @import: the hall Wi-Fi has no internet
    for path in list(STATIC.glob("css/*.css")) + list(STATIC.glob("js/*.js")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), path
        assert "@import" not in text and "@font-face" not in text, path
        assert not re.search(r"url\(\s*['\"]?(?!data:)", text), path


def test_base_css_is_small_and_has_print_styles():
    css = read_static("css/base.css")
    assert len(css.encode()) < 12 * 1024
    assert "@media print" in css
    for cls in (".field", ".field-error", ".card", ".badge", ".btn", ".btn-primary", ".btn-danger", ".btn-big",
                ".reconnecting", ".sr-only", ".check"):
        assert cls + " " in css or cls + "," in css or cls + ":" in css or cls + "{" in css, cls


def test_vendored_socketio_client_keeps_its_licence_header():
    js = read_static("vendor/socket.io.min.js")
    m = re.match(r"/\*!\s*\n \* Socket\.IO v(4\.\d+\.\d+)\n.*Released under the MIT License\.", js, re.S)
    assert m, "licence header missing"
    readme = read_static("vendor/README.md")
    assert f"| {m.group(1)} |" in readme and "MIT" in readme
    assert "MIT License" in read_static("vendor/socket.io-client.LICENSE")


def test_live_js_has_no_html_sinks_and_no_new_syntax():
    js = read_static("js/live.js")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", js, flags=re.S)  # comments out
    for sink in (r"\.innerHTML\s*=", r"\.outerHTML\s*=", r"insertAdjacentHTML", r"document\.write", r"\beval\(",
                 r"new Function"):
        assert not re.search(sink, code), sink
    # ES2017 for Android Chrome 70: no optional chaining, nullish coalescing, class fields, replaceChildren
    for newer in (r"\?\.[a-zA-Z_$(\[]", r"\?\?", r"replaceChildren", r"\.at\(", r"structuredClone", r"#\w+\s*="):
        assert not re.search(newer, code), newer

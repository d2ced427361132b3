"""Gzip for what a phone downloads on the hall's slow Wi-Fi (pages, scripts, styles, snapshots): without it the
delegate's first view is ~80 KB, over its 60 KB budget. Registered once by the app factory."""
from __future__ import annotations

import gzip

from flask import current_app, request

COMPRESSIBLE = ("text/html", "text/css", "application/javascript", "text/javascript", "application/json",
                "image/svg+xml")
_gz_cache: dict[tuple, bytes] = {}


def gzip_response(resp):
    """Compress what the delegate's phone downloads (pages, scripts, styles, snapshots): a hall's Wi-Fi is slow.
    Static files are compressed once and kept in memory."""
    try:
        path = request.path
        if not (path.startswith("/static/") or path.startswith("/j/") or
                (path.startswith("/api/v1/meetings/") and (path.endswith("/public") or path.endswith("/mine")))):
            return resp
        if (request.method != "GET" or resp.status_code != 200 or "gzip" not in
                request.headers.get("Accept-Encoding", "").lower() or resp.headers.get("Content-Encoding")
                or (resp.mimetype or "") not in COMPRESSIBLE):
            return resp
        static = path.startswith("/static/")
        key = (path, resp.headers.get("ETag"), resp.headers.get("Last-Modified")) if static else None
        data = _gz_cache.get(key) if key else None
        if data is None:
            resp.direct_passthrough = False
            raw = resp.get_data()
            if len(raw) < 600:
                return resp
            data = gzip.compress(raw, 6, mtime=0)
            if key and len(_gz_cache) < 200:
                _gz_cache[key] = data
        if resp.response is not None and hasattr(resp.response, "close"):
            resp.response.close()     # the file wrapper of a static file served from the cache
        resp.set_data(data)
        resp.headers["Content-Encoding"] = "gzip"
        resp.headers["Content-Length"] = str(len(data))
        resp.vary.add("Accept-Encoding")
        if resp.headers.get("ETag") and not resp.headers["ETag"].startswith("W/"):
            resp.headers["ETag"] = "W/" + resp.headers["ETag"]
    except Exception:  # noqa: BLE001 - compression is an optimisation; never turn a good response into a 5xx
        current_app.logger.exception("gzip failed for %s", request.path)
    return resp

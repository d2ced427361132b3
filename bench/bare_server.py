"""The baseline: a bare Flask-SocketIO broadcast server, nothing else (no database, no rooms per role).

    python bench/bare_server.py --port 5123 [--async-mode eventlet|gevent]

POST /emit with a JSON body {"v": n, "state": {...}} broadcasts it as the event `public` to every client, from the
request handler, the same way Moderator's publisher emits after a commit. The benchmark posts a copy of the real
public state, so both servers send the same bytes and the ratio isolates Moderator's own work.
"""
from __future__ import annotations

import argparse
import os
import sys


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5123)
    p.add_argument("--async-mode", choices=["eventlet", "gevent"], default="eventlet")
    args = p.parse_args()
    if args.async_mode == "eventlet":            # patch first, as run.py does (STACK.md)
        import warnings
        warnings.filterwarnings("ignore", message=".*Eventlet is deprecated.*")
        import eventlet
        eventlet.monkey_patch()
    else:
        from gevent import monkey
        monkey.patch_all()

    from flask import Flask, request
    from flask_socketio import SocketIO, join_room

    app = Flask(__name__)
    sio = SocketIO(app, async_mode=args.async_mode, ping_interval=20, ping_timeout=20,
                   max_http_buffer_size=64 * 1024)
    last = {"v": 0, "state": {"v": 0}}

    @sio.on("connect")
    def _connect(auth=None):
        join_room("all")
        return True

    @app.post("/emit")
    def emit():
        body = request.get_json(force=True)
        last.update(body)
        sio.emit("public", body, to="all")
        return {"ok": True}

    @app.get("/api/v1/meetings/<code>/public")
    def public(code):
        return last["state"]

    @app.get("/healthz")
    def healthz():
        return {"ok": True, "pid": os.getpid()}

    print(f"bare server running at http://{args.host}:{args.port} ({sio.async_mode})", flush=True)
    kwargs = {"host": args.host, "port": args.port, "log_output": False}
    if args.async_mode == "eventlet":
        kwargs["max_size"] = 5000
    sio.run(app, **kwargs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The app factory.

It does not patch the process for eventlet: `run.py` and the `moderator` command do that first,
before anything imports socket or threading.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import get_locale

from .config import Config
from .extensions import babel, socketio

_HERE = Path(__file__).resolve().parent


def asset_dir(name: str) -> str:
    """moderator/_templates and _static in an installed wheel; the top-level templates/ and static/ in a checkout
    (or an editable install). The wheel's copy is looked for first: site-packages/templates may be anyone's."""
    packaged = _HERE / f"_{name}"
    return str(packaged if packaged.is_dir() else _HERE.parent / name)


def select_locale() -> str:
    lang = request.args.get("lang") or request.cookies.get("lang")
    return lang if lang in ("vi", "en") else "vi"


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'self'; "
       "frame-ancestors 'none'; form-action 'self'")


def create_app(config: Config | None = None, runtime=None) -> Flask:
    from .db.engine import make_startup_engine
    from .db.migrate import needs_upgrade, upgrade
    from .realtime.publisher import SocketPublisher
    from .services.runtime import Runtime
    from .web import all_blueprints, api as api_module, errors, sockets
    from .web import auth
    from .web.auth import check_csrf, csrf_token, set_device_cookie
    from .web.compression import gzip_response
    from .web.apitools import BoundedJSONProvider, RowIdConverter, UTF8Guard, refuse_bad_encoding
    from .web.ratelimit import RateLimiter
    from .web.socketguard import SocketGuard

    cfg = config or Config()
    app = Flask(__name__, template_folder=asset_dir("templates"), static_folder=asset_dir("static"),
                static_url_path="/static")
    app.config.from_object(cfg)
    app.url_map.converters["int"] = RowIdConverter   # before any route is added: ids a row can have, no more
    app.json = BoundedJSONProvider(app)
    app.json.ensure_ascii = False   # Vietnamese as UTF-8: payloads a third the size of \u escapes

    babel.init_app(app, locale_selector=select_locale)
    # The client manager is Flask-SocketIO's own (Redis queue or in-process) plus cut rooms: revoking a key or
    # ending a session disconnects its sockets on every worker (realtime/revocation.py).
    from .realtime.revocation import client_manager
    socketio.init_app(app, async_mode=cfg.ASYNC_MODE,
                      client_manager=client_manager(cfg.REDIS_URL, cfg.SOCKETIO_CHANNEL),
                      max_http_buffer_size=64 * 1024, ping_interval=20, ping_timeout=20)
    # Between ProxyFix (outside: it sees the phone's address) and Engine.IO (inside: refused before it works).
    guard = SocketGuard(cfg.SOCKETS_PER_ADDRESS, cfg.SOCKET_PACKETS_PER_SECOND, cfg.SOCKET_PACKET_BURST)
    guard.install(socketio.server.eio)
    app.wsgi_app = guard.middleware(app.wsgi_app)
    app.extensions["moderator_socket_guard"] = guard
    if cfg.PROXIES:   # outermost, so the API and Socket.IO both see the phone's address, not nginx's
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=cfg.PROXIES, x_proto=cfg.PROXIES, x_host=cfg.PROXIES)
    app.wsgi_app = UTF8Guard(app.wsgi_app)   # around Socket.IO's middleware: before anything decodes path or query
    publisher = SocketPublisher(socketio, cfg.PUBLIC_COALESCE_MS, getattr(cfg, "PUBLIC_COALESCE_DELEGATE_MS", 1000))
    rt = runtime or Runtime.from_url(cfg.DATABASE_URL, publisher, cfg)
    if runtime is None:
        publisher.bind(rt)
    if cfg.AUTO_MIGRATE and needs_upgrade(rt.engine):
        startup = make_startup_engine(rt.engine, rt.busy_wait)
        upgrade(startup)
        if startup is not rt.engine:
            startup.dispose()
    app.extensions["moderator"] = rt
    rt.adopt_session = auth.take_change_session    # a change continues the session its caller was identified in
    app.extensions["moderator_limiter"] = RateLimiter()

    # Feature modules are imported (all_blueprints) before the API blueprint is registered: their
    # @operation endpoints join the shared API blueprint at import time.
    screen_blueprints = all_blueprints()
    app.register_blueprint(api_module.api)
    api_module.register_openapi(app)
    for bp in screen_blueprints:
        app.register_blueprint(bp)
    errors.register(app)
    sockets.register(socketio)

    app.before_request(refuse_bad_encoding)   # first: the checks after it read the query and the form
    auth.init_app(app)   # server-side sessions, join-code sweep guard, Secure cookies behind TLS

    @app.before_request
    def _csrf():
        check_csrf()

    @app.context_processor
    def _template_globals():
        return {"csrf_token": csrf_token, "current_locale": lambda: str(get_locale())}

    app.after_request(gzip_response)

    @app.after_request
    def _headers(resp):
        set_device_cookie(resp)
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if request.args.get("lang") in ("vi", "en"):
            resp.set_cookie("lang", request.args["lang"], max_age=60 * 60 * 24 * 365, samesite="Lax")
        if request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "public, max-age=3600"
        return resp

    @app.get("/healthz")
    def healthz():
        from sqlalchemy import text
        status, body = 200, {"database": "ok", "message_queue": "off"}
        try:
            with rt.read() as s:
                s.execute(text("SELECT 1"))
        except Exception as e:  # noqa: BLE001 - a health check reports, it does not raise
            status, body["database"] = 503, f"error: {type(e).__name__}"
        if cfg.REDIS_URL:
            try:
                import redis
                redis.Redis.from_url(cfg.REDIS_URL, socket_timeout=2).ping()
                body["message_queue"] = "ok"
            except Exception as e:  # noqa: BLE001
                status, body["message_queue"] = 503, f"error: {type(e).__name__}"
        body["async_mode"] = socketio.async_mode
        return body, status

    return app

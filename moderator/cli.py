"""The `moderator` command (and `python run.py`). It patches the process for the async mode FIRST, before
Flask or anything that imports socket/threading, as eventlet requires."""
from __future__ import annotations

import argparse
import os
import sys


def patch_process(mode: str) -> None:
    if mode == "eventlet":
        import warnings
        warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")   # known; see STACK.md
        import eventlet
        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey
        monkey.patch_all()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="moderator", description="Moderator: hội nghị tiếp xúc, đối thoại trực tiếp")
    sub = p.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the server (default)")
    for sp in (p, serve):
        sp.add_argument("--host", default=os.environ.get("MODERATOR_HOST", "127.0.0.1"))
        sp.add_argument("--port", type=int, default=int(os.environ.get("MODERATOR_PORT", 5000)))
        sp.add_argument("--demo", action="store_true", help="create the demo meeting (code DEMO) and print its links")
        sp.add_argument("--async-mode", choices=["eventlet", "gevent", "threading"],
                        default=os.environ.get("MODERATOR_ASYNC_MODE", "eventlet"))
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade"])
    admin = sub.add_parser("create-admin", help="create or reset an organiser account")
    admin.add_argument("--username")
    admin.add_argument("--password", help="for scripts; otherwise asked interactively")
    admin.add_argument("--organisation", help="the commune, ward or province whose meetings this organiser sees "
                                              "(default: the whole installation)")
    org = sub.add_parser("create-organisation", help="a commune, ward or province holding meetings")
    org.add_argument("--name", required=True)
    org.add_argument("--level", choices=["commune", "ward", "province"], default="commune")
    org.add_argument("--parent", help="the province (or district) it belongs to")
    purge = sub.add_parser("purge", help="erase phone and address of closed requests past their retention period")
    purge.add_argument("--dry-run", action="store_true")
    bk = sub.add_parser("backup", help="online copy of the SQLite database (while the server runs)")
    bk.add_argument("--to", required=True, help="a folder (time-stamped files in it, e.g. a USB stick) or a file")
    bk.add_argument("--every", help="repeat on a schedule: 30s, 5m, 1h (stop with Ctrl+C)")
    bk.add_argument("--keep", type=int, default=48, help="with --every into a folder: backups kept (default 48)")
    rs = sub.add_parser("restore", help="bring back a backup (a file, or the newest in a folder); stop the server first")
    rs.add_argument("source")
    rs.add_argument("--force", action="store_true", help="replace the existing database")
    ex = sub.add_parser("export-meeting", help="a whole meeting as one archive file (.zip), for another server")
    ex.add_argument("code")
    ex.add_argument("--out", required=True)
    ex.add_argument("--with-personal", action="store_true",
                    help="include phone, address and e-mail (only if the organiser decides so)")
    im = sub.add_parser("import-meeting", help="import a meeting archive (again: no change; newer: replaces)")
    im.add_argument("file")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "serve"
    mode = getattr(args, "async_mode", None) or os.environ.get("MODERATOR_ASYNC_MODE", "eventlet")
    if command == "serve":
        os.environ["MODERATOR_ASYNC_MODE"] = mode
        patch_process(mode)
        return _serve(args)
    return _admin_command(command, args)


def _serve(args) -> int:
    from .app import create_app
    from .config import Config
    from .extensions import socketio

    cfg = Config()
    if cfg.AUTO_MIGRATE:
        # In a child process: Alembic, Mako and Pygments (~11 MB) would otherwise stay in this one for good.
        from .db.migrate import migrate_in_child
        migrate_in_child(cfg.DATABASE_URL)   # nothing to start when it is already migrated
        cfg.AUTO_MIGRATE = False
    app = create_app(cfg)
    base = cfg.PUBLIC_BASE_URL or f"http://{args.host}:{args.port}"
    if args.demo:
        from .demo import ensure_demo, screen_lines
        keys = ensure_demo(app.extensions["moderator"], cfg.INSTANCE_DIR)
        print("Moderator demo — mở các màn hình / open the screens:")
        for line in screen_lines(base, keys):
            print(line)
    # Everything loaded so far (Flask, SQLAlchemy, templates, ...) lives as long as the process: keep it out of the
    # garbage collector's full passes, which otherwise stall every phone for 50-250 ms now and then with 2,000
    # connected (docs/performance.md).
    from .services.notify import start_worker
    start_worker(app.extensions["moderator"], socketio)   # a background task: sending never blocks a request
    import gc
    gc.collect()
    gc.freeze()
    # Collect the young generations less often (Python's default: every 700 allocations), so that the garbage of
    # a handshake or a request dies young instead of being promoted to the old generation, whose passes scan the
    # whole heap: 300-1,000 ms each with 3,000 sockets on a worker, every ~2.5 s during a connect storm.
    gc.set_threshold(*cfg.GC_THRESHOLDS)
    print(f"Moderator đang chạy tại / running at http://{args.host}:{args.port} ({socketio.async_mode})", flush=True)
    if socketio.async_mode == "eventlet":
        # eventlet's default accepts only 1,024 connections; and one address may hold only its share of them.
        if cfg.PROXIES:
            pool = {"max_size": cfg.MAX_CONNECTIONS}
        else:
            from .web.socketguard import AddressCappedPool
            pool = {"custom_pool": AddressCappedPool(cfg.MAX_CONNECTIONS, cfg.CONNECTIONS_PER_ADDRESS)}
        _serve_eventlet(app, args.host, args.port, cfg.LISTEN_BACKLOG, pool)
        return 0
    kwargs = {"host": args.host, "port": args.port, "log_output": False}
    if socketio.async_mode == "gevent":
        kwargs["backlog"] = cfg.LISTEN_BACKLOG
    else:
        kwargs["allow_unsafe_werkzeug"] = True
    socketio.run(app, **kwargs)
    return 0


def _serve_eventlet(app, host: str, port: int, backlog: int, pool: dict) -> None:
    """What flask_socketio's `run` does under eventlet (debug off), with a listen backlog of our choosing: its own
    call takes eventlet's default of 50."""
    import socket

    import eventlet
    import eventlet.wsgi
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family, backlog=backlog)
    eventlet.wsgi.server(listener, app, log_output=False, **pool)


def _backup_command(command: str, args) -> int:
    """Backups never touch the schema of the live database (no migration run here); restore migrates the copy."""
    import time
    from pathlib import Path
    from .config import Config
    from .services import backup as bk
    cfg = Config()
    try:
        if command == "restore":
            r = bk.restore(Path(args.source), cfg.DATABASE_URL, force=args.force)
            from .db.migrate import upgrade
            from .db.engine import make_engine
            engine = make_engine(cfg.DATABASE_URL)
            upgrade(engine)
            engine.dispose()
            print(f"Đã khôi phục / restored {r.path}: {r.meetings} hội nghị, {r.requests} phiếu.", flush=True)
            return 0
        every = None
        if args.every:
            from .domain.schedule import IntervalError, parse_interval
            try:
                every = parse_interval(args.every)
            except IntervalError:
                print("Chu kỳ không hợp lệ; ví dụ 30s, 5m, 1h. / Invalid interval; e.g. 30s, 5m, 1h.", file=sys.stderr)
                return 2
        while True:
            started = time.monotonic()
            r = bk.backup(cfg.DATABASE_URL, Path(args.to))
            print(f"Đã sao lưu / backed up {r.path} ({r.size // 1024} KB, {r.requests} phiếu, {r.seconds * 1000:.0f} ms)",
                  flush=True)
            if every is None:
                return 0
            if r.path.parent == Path(args.to):
                bk.prune(r.path.parent, args.keep)
            time.sleep(max(0.0, every - (time.monotonic() - started)))
    except bk.BackupError as e:
        print(str(e), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def _admin_command(command: str, args) -> int:
    if command in ("backup", "restore"):
        return _backup_command(command, args)
    from .config import Config
    from .db.migrate import upgrade
    from .services.runtime import Runtime

    cfg = Config()
    rt = Runtime.from_url(cfg.DATABASE_URL, config=cfg)
    upgrade(rt.engine)
    if command == "db":
        print("Database is up to date.")
        return 0
    if command == "create-admin":
        import getpass
        from .domain.errors import DomainError
        from .services.meetings import create_admin
        username = args.username or input("Tên đăng nhập / username: ").strip()
        password = args.password or getpass.getpass("Mật khẩu / password: ")
        try:
            create_admin(rt, username, password)
            if args.organisation:
                from .services.organisations import assign_admin
                assign_admin(rt, username, args.organisation)
        except DomainError as e:
            print(e.message % e.details if "%(" in e.message else e.message, file=sys.stderr)
            return 2
        print(f"Đã tạo tài khoản / created organiser account: {username}")
        return 0
    if command == "create-organisation":
        from .domain.errors import DomainError
        from .services.organisations import create_organisation
        try:
            create_organisation(rt, args.name, args.level, args.parent)
        except DomainError as e:
            print(e.message % e.details if "%(" in e.message else e.message, file=sys.stderr)
            return 2
        print(f"Đã tạo đơn vị / created organisation: {args.name}")
        return 0
    if command in ("export-meeting", "import-meeting"):
        from pathlib import Path
        from .domain.errors import DomainError
        from .services import archive
        try:
            if command == "export-meeting":
                data, _name = archive.export_meeting(rt, args.code, personal=args.with_personal)
                Path(args.out).write_bytes(data)
                print(f"Đã xuất / exported {args.code} -> {args.out} ({len(data) // 1024} KB"
                      f"{', có dữ liệu cá nhân / with personal data' if args.with_personal else ''})")
            else:
                r = archive.import_archive(rt, Path(args.file).read_bytes())
                print(f"Đã nhập / imported {r.code}: {r.status}, {r.requests} phiếu / requests")
        except DomainError as e:
            print(e.message % e.details if "%(" in e.message else e.message, file=sys.stderr)
            return 2
        except OSError as e:
            print(f"Không đọc/ghi được tệp / cannot read or write the file: {e}", file=sys.stderr)
            return 2
        return 0
    if command == "purge":
        from .services.privacy import purge_expired
        n = purge_expired(rt, dry_run=args.dry_run)
        print(f"{'Sẽ xóa' if args.dry_run else 'Đã xóa'} thông tin liên hệ của {n} phiếu / contact data of {n} requests"
              f" {'would be' if args.dry_run else ''} erased.")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())

"""Migrated, empty databases to start a test from. The migrations run once per test session and database kind;
a test that needs only a migrated database starts from a copy (a file copy for SQLite, CREATE DATABASE …
TEMPLATE for PostgreSQL), and the server or app it starts finds nothing to migrate (db/migrate.py needs_upgrade).
The migrations themselves are still run from nothing by the tests about them: tests/services/test_migrations.py,
tests/test_startup_imports.py, tests/test_cli.py and tests/security/test_sqlite_lock.py."""
from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

_lock = threading.Lock()
_sqlite: Path | None = None
_pg: str | None = None


def _migrate(url: str) -> None:
    from moderator.db.engine import make_engine
    from moderator.db.migrate import upgrade
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()    # the last connection closes: SQLite checkpoints its WAL into the main file


def copy_migrated_sqlite(dest: Path) -> Path:
    """Write a migrated, empty SQLite database at `dest` (a moderator.db path) and return it."""
    global _sqlite
    with _lock:
        if _sqlite is None:
            folder = Path(tempfile.mkdtemp(prefix="moderator-template-"))
            atexit.register(shutil.rmtree, folder, True)
            _migrate(f"sqlite:///{folder / 'moderator.db'}")
            _sqlite = folder / "moderator.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite, dest)
    return dest


def migrated_pg_template(admin_url: str) -> str:
    """The name of this session's migrated PostgreSQL template database (created on first use, dropped at exit)."""
    global _pg
    import psycopg
    with _lock:
        if _pg is None:
            name = "moderator_template_" + uuid.uuid4().hex[:12]
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            atexit.register(_drop, admin_url, name)
            _migrate(f"{admin_url.rsplit('/', 1)[0]}/{name}")
            _pg = name
        return _pg


def _drop(admin_url: str, name: str) -> None:
    import psycopg
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # noqa: BLE001 - at exit, a leftover template is harmless
        pass

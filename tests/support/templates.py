"""Migrated, empty databases to start a test from. The migrations run once per test session and database kind;
a test that needs only a migrated database starts from a copy (a file copy for SQLite, CREATE DATABASE …
TEMPLATE for PostgreSQL), and the server or app it starts finds nothing to migrate (db/migrate.py needs_upgrade).
The migrations themselves are still run from nothing by the tests about them: tests/services/test_migrations.py,
tests/test_startup_imports.py, tests/test_cli.py and tests/security/test_sqlite_lock.py."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

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
    if _sqlite is None:
        folder = Path(tempfile.mkdtemp(prefix="moderator-template-"))
        atexit.register(shutil.rmtree, folder, True)
        _migrate(f"sqlite:///{folder / 'moderator.db'}")
        _sqlite = folder / "moderator.db"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite, dest)
    return dest


def migrated_pg_template() -> str:
    """The name of this session's migrated PostgreSQL template database (created on first use, dropped at exit)."""
    global _pg
    if _pg is None:
        from .services import drop_pg_database, fresh_pg_database
        url = fresh_pg_database()
        atexit.register(drop_pg_database, url)
        _migrate(url)
        _pg = url.rsplit("/", 1)[1]
    return _pg

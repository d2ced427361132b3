"""Alembic, run programmatically (on start, or by `moderator db upgrade`).

`moderator serve` (and `python run.py`) migrates in a short-lived child process (`migrate_in_child`), so the
server itself never imports Alembic and what it pulls in (Mako, Pygments: ~110 modules, ~11 MB that stay for
the life of the process: they cannot be unloaded, measured in docs/performance.md). Tests and other callers of
`create_app` migrate in-process, as before.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def upgrade_on_start(url: str, busy_wait: float) -> None:
    """What `create_app` does on start: migrate with the start-up engine (an SQLite file's lock held by a backup
    is waited for, up to `busy_wait`)."""
    from .engine import make_engine, make_startup_engine

    engine = make_engine(url, busy_wait)
    startup = make_startup_engine(engine, busy_wait)
    try:
        upgrade(startup)
    finally:
        if startup is not engine:
            startup.dispose()
        engine.dispose()


# The child imports the same moderator package as its parent: it runs with the parent's sys.path.
_CHILD = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
          "from moderator.db.migrate import _child_main; _child_main()")


def _child_main() -> None:
    from ..config import Config

    cfg = Config()
    upgrade_on_start(cfg.DATABASE_URL, cfg.DB_BUSY_WAIT)


def migrate_in_child() -> None:
    """Migrate the configured database (DATABASE_URL or the instance folder's SQLite file, as `Config` reads the
    environment) in a child process; its errors go to this process's stderr. SystemExit if it failed."""
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(sys.path)])
    if done.returncode != 0:
        raise SystemExit(f"database migration failed (exit status {done.returncode})")

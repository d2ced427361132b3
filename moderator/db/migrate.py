"""Alembic, run programmatically (on start, or by `moderator db upgrade`).

`moderator serve` (and `python run.py`) migrates in a short-lived child process (`migrate_in_child`; none at all
when the database already has every migration, `needs_upgrade`), so the server itself never imports Alembic and
what it pulls in (Mako, Pygments: ~110 modules, ~11 MB that stay for the life of the process: they cannot be
unloaded, measured in docs/performance.md). Tests and other callers of `create_app` migrate in-process, as before
(and not at all when the database is migrated already).
"""
from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions no other migration builds on, read from the migration files themselves (what Alembic's
    `heads` says, without importing Alembic)."""
    revisions, bases = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        values = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if node.targets[0].id in ("revision", "down_revision"):
                    values[node.targets[0].id] = ast.literal_eval(node.value)
        revisions.add(values["revision"])
        down = values.get("down_revision")
        bases.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    return frozenset(revisions - bases)


def needs_upgrade(engine: Engine) -> bool:
    """Whether the database lacks a migration. A restart of a migrated database then skips Alembic altogether
    (about a second: its child process, imports and script loading). Any doubt (no table, an unreadable file)
    answers yes, and the real migration decides."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return True
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception:  # noqa: BLE001 - the migration that follows reports what is wrong
        return True
    return current != head_revisions()


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
        if needs_upgrade(engine):
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


def migrate_in_child(url: str) -> None:
    """Migrate the configured database `url` (DATABASE_URL or the instance folder's SQLite file, which the child
    reads from the environment through `Config` as well) in a child process, unless it already has every
    migration; the child's errors go to this process's stderr. SystemExit if it failed."""
    from .engine import make_engine
    engine = make_engine(url)
    try:
        if not needs_upgrade(engine):
            return
    finally:
        engine.dispose()
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(sys.path)])
    if done.returncode != 0:
        raise SystemExit(f"database migration failed (exit status {done.returncode})")

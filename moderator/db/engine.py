"""Engine set-up: SQLite (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE) or PostgreSQL (psycopg 3)."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Let SQLAlchemy, not the driver, open transactions, so we can make them IMMEDIATE:
            # a writer takes the lock at BEGIN instead of failing on upgrade under concurrency.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers (sessions from the write engine) lock at BEGIN; readers stay concurrent under WAL.
            write = conn.get_execution_options().get("moderator_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    _psycopg_wait_for_green_threads()
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _psycopg_wait_for_green_threads() -> None:
    """psycopg 3 detects only gevent: under eventlet it would block the whole loop while it waits."""
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
    import psycopg.waiting  # noqa: PLC0415  (imported late: only PostgreSQL deployments need it)

    # psycopg reads the variable at import; if it was imported earlier, set the function directly
    # (connection.py looks it up as waiting.wait on every call).
    psycopg.waiting.wait = psycopg.waiting.wait_select


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)

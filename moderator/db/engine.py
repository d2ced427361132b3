"""Engine set-up: SQLite (WAL, foreign keys, BEGIN IMMEDIATE) or PostgreSQL (psycopg 3).

sqlite3 is C code: while it waits on a lock (its busy handler sleeps in C) no other greenlet runs, so one writer
waiting for another process (a backup, a second server) would freeze every phone. Here no sqlite3 call waits:
writers have their own engine with one connection (the others queue on the pool, cooperatively), take the write
lock with `BEGIN IMMEDIATE` without a busy timeout, and while another connection holds it they retry after a
sleep that yields to the loop. After `busy_wait` seconds they give up with `DatabaseBusy` (a 503 with
Retry-After): nothing was written.
"""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from ..domain.errors import DomainError
from ..domain.labels import N_

BUSY_WAIT_SECONDS = 15.0     # how long a write waits for another connection's lock before refusing
READ_BUSY_TIMEOUT_MS = 100   # readers never wait under WAL; should one ever, this bounds the stall of the loop
RETRY_AFTER_SECONDS = 3


class DatabaseBusy(DomainError):
    """Another connection held the database's write lock for longer than the write may wait. Nothing changed."""

    status = 503

    def __init__(self):
        super().__init__("database_busy", N_("Hệ thống đang bận ghi dữ liệu; thao tác chưa được thực hiện, "
                                             "vui lòng thử lại sau giây lát."), retry_after=RETRY_AFTER_SECONDS)


class NulCharacter(DomainError):
    """PostgreSQL cannot store U+0000 in text (psycopg refuses it); SQLite would store it and truncate it in
    documents. Refused on both, before anything is written."""

    def __init__(self):
        super().__init__("nul_character", N_("Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL)."))


def is_sqlite_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        or "database is locked" in str(exc))


def begin_immediate(dbapi_conn, deadline: float) -> None:
    """Take SQLite's write lock, yielding to the loop between attempts; DatabaseBusy at `deadline` (monotonic)."""
    pause = 0.002
    while True:
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as e:
            if not is_sqlite_busy(e):
                raise
            if time.monotonic() + pause > deadline:
                raise DatabaseBusy() from e
        # Monkey-patched by eventlet and gevent, time.sleep yields to the loop; in threading mode it parks one thread.
        time.sleep(pause)
        pause = min(pause * 2, 0.025)


def _has_nul(parameters) -> bool:
    if isinstance(parameters, dict):
        parameters = parameters.values()
    for value in parameters or ():
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, (list, tuple, dict)) and _has_nul(value):
            return True
    return False


def _refuse_nul(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _no_nul(_conn, _cursor, _statement, parameters, _context, executemany):
        if parameters and _has_nul(parameters):
            raise NulCharacter()


def _sqlite_engine(url: str, busy_timeout_ms: int, write: bool, busy_wait: float, **pool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
                           **pool)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, open transactions, so we can make them IMMEDIATE:
        # a writer takes the lock at BEGIN instead of failing on upgrade under concurrency.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        # Writers lock at BEGIN (cooperatively, see begin_immediate); readers stay concurrent under WAL.
        options = conn.get_execution_options()
        if write or options.get("moderator_write", False):
            # A unit of work sets its deadline before it queues for the write connection: one bound for both waits.
            deadline = options.get("moderator_deadline") or time.monotonic() + busy_wait
            begin_immediate(conn.connection.driver_connection, deadline)
        else:
            conn.exec_driver_sql("BEGIN")

    _refuse_nul(engine)
    return engine


def _is_sqlite_file(url: str) -> bool:
    return url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:")


def make_engine(url: str, busy_wait: float = BUSY_WAIT_SECONDS) -> Engine:
    """The engine for reads and migrations (and, on PostgreSQL or in-memory SQLite, for writes too)."""
    if url.startswith("sqlite"):
        if _is_sqlite_file(url):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_engine(url, READ_BUSY_TIMEOUT_MS, write=False, busy_wait=busy_wait)

    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    _psycopg_wait_for_green_threads()
    # LIFO: the connection used last is taken first, so the busy ones stay warm and the rest age in the pool.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_use_lifo=True)
    _ping_after_idle(engine)
    _refuse_nul(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_after_idle(engine: Engine) -> None:
    """pool_pre_ping, but only for a connection that sat in the pool for a while: a ping is a round trip (two
    autocommit switches and a SELECT 1), and most calls take a connection another call gave back a moment ago.
    One idle for longer (a PostgreSQL restart, a dropped TCP connection) is pinged on checkout, and a dead one is
    replaced before the call uses it: the pool retries with a fresh connection on DisconnectionError."""
    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _back(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _maybe_ping(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as e:
            raise exc.DisconnectionError(str(e)) from e
        if alive is False:
            raise exc.DisconnectionError("ping failed")


def make_write_engine(engine: Engine, busy_wait: float = BUSY_WAIT_SECONDS) -> Engine:
    """The engine writes go through. For an SQLite file: its own single connection (SQLite has one writer at a
    time anyway), so writers waiting for a lock queue on the pool, cooperatively and in order, and never take the
    connections readers (/healthz, the public screens) need. Waiting for it is bounded by `busy_wait` too."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite" and _is_sqlite_file(url):
        return _sqlite_engine(url, 0, write=True, busy_wait=busy_wait, pool_size=1, max_overflow=0,
                              pool_timeout=busy_wait)
    return engine.execution_options(moderator_write=True)


def make_startup_engine(engine: Engine, busy_wait: float = BUSY_WAIT_SECONDS) -> Engine:
    """For migrations on start, before anyone is served: an SQLite file's lock held by another process (a backup)
    is waited for, up to `busy_wait`, rather than failing the start after the readers' 100 ms."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite" and _is_sqlite_file(url):
        return _sqlite_engine(url, int(busy_wait * 1000), write=True, busy_wait=busy_wait, poolclass=NullPool)
    return engine


def _psycopg_wait_for_green_threads() -> None:
    """psycopg 3 detects only gevent: under eventlet it would block the whole loop while it waits."""
    os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")
    import psycopg.waiting  # noqa: PLC0415  (imported late: only PostgreSQL deployments need it)

    # psycopg reads the variable at import; if it was imported earlier, set the function directly
    # (connection.py looks it up as waiting.wait on every call).
    psycopg.waiting.wait = psycopg.waiting.wait_select


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)

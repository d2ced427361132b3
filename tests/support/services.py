"""PostgreSQL and Redis for the service tests: skipped with a clear reason when absent, unless
MODERATOR_REQUIRE_SERVICES=1 (as in .ci/run), which turns the skip into a failure."""
from __future__ import annotations

import os
import uuid

import pytest

PG_ADMIN_URL = os.environ.get("MODERATOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MODERATOR_TEST_REDIS", "redis://127.0.0.1:6379/0")


def required() -> bool:
    return os.environ.get("MODERATOR_REQUIRE_SERVICES") == "1"


def _missing(what: str, why: Exception):
    msg = f"{what} is not reachable ({type(why).__name__}: {why}); set it up or unset MODERATOR_REQUIRE_SERVICES"
    if required():
        pytest.fail(msg)
    pytest.skip(msg)


def fresh_pg_database(migrated: bool = False) -> str:
    """Create a database for one test and return its URL: empty, or `migrated` (a copy of this session's migrated
    template, tests/support/templates.py)."""
    import psycopg
    name = "moderator_t_" + uuid.uuid4().hex[:12]
    template = ""
    if migrated:
        from .templates import migrated_pg_template
        template = f' TEMPLATE "{migrated_pg_template()}"'
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{template}')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg
    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except Exception:  # noqa: BLE001 - cleanup must not hide the test's own result
        pass


def pg_url_or_skip(migrated: bool = True) -> str:
    """A database of its own for one test, migrated unless the test is about the migrations."""
    try:
        return fresh_pg_database(migrated)
    except Exception as e:  # noqa: BLE001
        _missing("PostgreSQL", e)


def redis_url_or_skip() -> str:
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
        return REDIS_URL
    except Exception as e:  # noqa: BLE001
        _missing("Redis", e)

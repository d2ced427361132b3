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


def fresh_pg_database() -> str:
    """Create an empty database for one test and return its URL."""
    import psycopg
    name = "moderator_t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
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


def pg_url_or_skip() -> str:
    try:
        return fresh_pg_database()
    except Exception as e:  # noqa: BLE001
        _missing("PostgreSQL", e)


def redis_url_or_skip() -> str:
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
        return REDIS_URL
    except Exception as e:  # noqa: BLE001
        _missing("Redis", e)

"""The Alembic migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from moderator.db.engine import make_engine
from moderator.db.migrate import upgrade
from moderator.db.models import Base


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_the_models(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else request.getfixturevalue("empty_pg_url")
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff
    finally:
        engine.dispose()


def test_only_a_database_missing_a_migration_needs_one(tmp_path):
    """db/migrate.py needs_upgrade decides whether a start runs Alembic at all: an empty database and one a
    migration behind need it; a migrated one does not; an unreadable file is left to the migration to report."""
    from moderator.db.migrate import head_revisions, needs_upgrade
    assert head_revisions() == {"0005_setup_stamp"}     # the newest file in migrations/versions
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert needs_upgrade(engine)
        upgrade(engine, "0004_beyond")
        assert needs_upgrade(engine)
        upgrade(engine)
        assert not needs_upgrade(engine)
    finally:
        engine.dispose()
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    junk = make_engine(f"sqlite:///{tmp_path / 'junk.db'}")
    assert needs_upgrade(junk)
    junk.dispose()


def test_the_server_migrates_a_database_one_migration_behind(tmp_path):
    """The start-up check must not skip a migration: a database at the previous revision gets the newest one."""
    import sqlite3

    from tests.support.server import ServerProcess
    instance = tmp_path / "instance"
    instance.mkdir()
    engine = make_engine(f"sqlite:///{instance / 'moderator.db'}")
    upgrade(engine, "0004_beyond")
    engine.dispose()
    srv = ServerProcess(instance, demo=True).start()
    try:
        assert srv.api("GET", "/meetings/DEMO/public").status_code == 200
    finally:
        srv.stop()
    con = sqlite3.connect(instance / "moderator.db")
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("0005_setup_stamp",)]
    assert "setup_stamp" in [row[1] for row in con.execute("PRAGMA table_info(meeting)")]

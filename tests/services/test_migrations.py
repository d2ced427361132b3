"""The Alembic migrations build exactly the schema the models describe (SQLite and PostgreSQL)."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from moderator.db.engine import make_engine
from moderator.db.migrate import upgrade
from moderator.db.models import Base


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_match_the_models(backend, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff
    finally:
        engine.dispose()

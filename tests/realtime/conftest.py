import pytest

from moderator.services.runtime import Runtime
from tests.support.server import ServerProcess


@pytest.fixture(params=["sqlite", "postgresql"])
def hall(request, tmp_path):
    """The real server (every change broadcast at once, no coalescing) and another process's runtime on the same
    database, as a second worker or the CLI would be: SQLite, then PostgreSQL."""
    env = {"MODERATOR_PUBLIC_COALESCE_MS": "0"}
    url = f"sqlite:///{tmp_path / 'instance' / 'moderator.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        env["DATABASE_URL"] = url
    srv = ServerProcess(tmp_path / "instance", demo=True, env=env).start()
    other_process = Runtime.from_url(url)
    yield srv, other_process
    srv.stop()
    other_process.engine.dispose()

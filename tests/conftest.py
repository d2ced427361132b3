"""Root fixtures. In-process tests run the app with async_mode="threading" and never import eventlet, so
nothing in this process is monkey-patched (STACK.md: a patched app imported mid-collection hangs clients).
Live behaviour is tested against the real server, `python run.py` under eventlet, in a subprocess."""
import os

os.environ.setdefault("MODERATOR_ASYNC_MODE", "threading")

import pytest  # noqa: E402

from tests.support.services import drop_pg_database, pg_url_or_skip, redis_url_or_skip  # noqa: E402
from tests.support.server import ONE_ADDRESS_HALL_CONFIG, ServerProcess  # noqa: E402
from tests.support.templates import copy_migrated_sqlite  # noqa: E402

pytest_plugins = ["tests.support.browser"]


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The app in-process on a fresh SQLite database (Flask's tutorial pattern)."""
    monkeypatch.setenv("MODERATOR_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    copy_migrated_sqlite(tmp_path / "moderator.db")     # nothing left to migrate (tests/support/templates.py)
    from moderator import create_app
    from moderator.config import Config
    # The test client always comes from 127.0.0.1: a hall behind one NAT address, where the organiser raises the
    # per-address limits (as tests/support/server.py does for the real server).
    app = create_app(Config(TESTING=True, ASYNC_MODE="threading", **ONE_ADDRESS_HALL_CONFIG))
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def rt(app):
    return app.extensions["moderator"]


@pytest.fixture
def demo(app, tmp_path):
    """The demo meeting in the in-process app; returns its role keys."""
    from moderator.demo import ensure_demo
    return ensure_demo(app.extensions["moderator"], str(tmp_path))


@pytest.fixture
def pg_url():
    """A migrated PostgreSQL database of this test's own."""
    url = pg_url_or_skip()
    yield url
    drop_pg_database(url)


@pytest.fixture
def empty_pg_url():
    """An empty PostgreSQL database of this test's own (for the tests of the migrations)."""
    url = pg_url_or_skip(migrated=False)
    yield url
    drop_pg_database(url)


@pytest.fixture
def redis_url():
    return redis_url_or_skip()


@pytest.fixture
def server(tmp_path):
    """The real server (eventlet) in a subprocess with the demo meeting, on a free port."""
    srv = ServerProcess(tmp_path / "instance", demo=True)
    srv.start()
    yield srv
    srv.stop()

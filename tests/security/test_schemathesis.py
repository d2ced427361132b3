"""schemathesis against /api/openapi.json over every operation, on the real server: 0 server errors.

Runs as the chair (the role that reaches the most code) and as an anonymous phone, on SQLite and on PostgreSQL
(which refuses what SQLite stores: integers past 32 bits, NUL characters; schemathesis' negative cases send both).
The full run is `MODERATOR_FUZZ_EXAMPLES=100 pytest tests/security/test_schemathesis.py`."""
import os
import subprocess
import sys

import pytest

from tests.support.server import ServerProcess
from tests.support.services import drop_pg_database, pg_url_or_skip

# One worker: hypothesis parses lambdas with ast in each thread, which trips a CPython 3.11 bug
# ("AST constructor recursion depth mismatch") when two workers do it at once.
EXAMPLES = os.environ.get("MODERATOR_FUZZ_EXAMPLES", "6")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_server(request, tmp_path_factory):
    env = {"MODERATOR_RATE_DEVICE": "1000000", "MODERATOR_RATE_IP": "1000000"}
    pg = pg_url_or_skip() if request.param == "postgresql" else None
    if pg:
        env["DATABASE_URL"] = pg
    srv = ServerProcess(tmp_path_factory.mktemp("fuzz") / "instance", demo=True, env=env).start()
    yield srv
    srv.stop()
    if pg:
        drop_pg_database(pg)


WHO = ["chair", "anonymous"] if int(EXAMPLES) > 6 else ["chair"]   # the quick run: the role reaching most code


@pytest.mark.parametrize("who", WHO)
def test_no_server_error_on_any_operation(fuzz_server, tmp_path, who):
    config = tmp_path / "schemathesis.toml"
    headers = f'headers = {{ "X-Role-Key" = "{fuzz_server.keys["chair"]}" }}\n' if who == "chair" else ""
    config.write_text(headers + '[parameters]\ncode = "DEMO"\n')
    out = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
         fuzz_server.url + "/api/openapi.json", "--checks", "not_a_server_error", "--max-examples", EXAMPLES,
         "--phases", "coverage,fuzzing", "--workers", "1", "--seed", "20261121", "--no-color"],
        capture_output=True, text=True, timeout=400)
    tail = out.stdout[-3000:]
    assert "Server error" not in out.stdout, tail + fuzz_server.log_path.read_text()[-4000:]
    assert out.returncode == 0, tail

"""What a hall server holds in memory once started (issue 14: ≤ 300 MB with 2,000 phones, docs/performance.md).

The document libraries (python-docx, lxml, openpyxl and its PIL) are imported by the first export or spreadsheet
import, not at start-up; the migration runs in a child process, so Alembic (with Mako and Pygments) never enters
the server. Each is ~3-12 MB a server that never exports would otherwise carry for its whole life."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.services import drop_pg_database, pg_url_or_skip

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"openpyxl", "docx", "lxml", "PIL", "alembic", "mako", "pygments"}

# `python run.py --demo`, except that where the server would start serving it prints what the process holds.
SERVE_AND_REPORT = """
import gc, json, sys
import moderator.cli as cli

_patch = cli.patch_process

def patch_then_hook(mode):
    _patch(mode)   # eventlet first, as the real command does
    import flask_socketio

    def report(*args, **kwargs):
        print("REPORT " + json.dumps({"modules": sorted({m.split(".")[0] for m in sys.modules}),
                                      "frozen": gc.get_freeze_count(), "thresholds": gc.get_threshold()}),
              flush=True)

    flask_socketio.SocketIO.run = report
    cli._serve_eventlet = report   # what eventlet serves through (moderator/cli.py)

cli.patch_process = patch_then_hook
sys.exit(cli.main(["serve", "--demo", "--port", "0", "--async-mode", "eventlet"]))
"""


def serve_and_report(tmp_path, env=None) -> dict:
    e = {**os.environ, "MODERATOR_INSTANCE": str(tmp_path)}
    e.pop("DATABASE_URL", None)
    e.update(env or {})
    out = subprocess.run([sys.executable, "-c", SERVE_AND_REPORT], cwd=ROOT, env=e, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line for line in out.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, out.stdout[-2000:]
    assert "DEMO" in out.stdout   # the demo meeting was created: the child migrated the database first
    return json.loads(lines[-1].removeprefix("REPORT "))


def test_started_server_holds_no_document_library_and_no_alembic(tmp_path):
    held = serve_and_report(tmp_path)
    assert HEAVY.isdisjoint(held["modules"]), HEAVY & set(held["modules"])
    assert {"flask", "sqlalchemy", "moderator"} <= set(held["modules"])   # the report saw the real process
    assert held["frozen"] > 10_000   # gc.freeze() still runs after start-up, with everything the server loaded
    assert held["thresholds"] == [20_000, 10, 10]   # young garbage dies young (docs/performance.md, scale-out)
    con = sqlite3.connect(tmp_path / "moderator.db")
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_started_server_on_postgresql_is_migrated_without_alembic_in_it(tmp_path):
    url = pg_url_or_skip(migrated=False)   # the server migrates it
    try:
        held = serve_and_report(tmp_path, {"DATABASE_URL": url})
        assert HEAVY.isdisjoint(held["modules"]), HEAVY & set(held["modules"])
        assert "psycopg" in held["modules"]
    finally:
        drop_pg_database(url)


def test_a_failed_migration_stops_the_start(tmp_path):
    # A database file that is not SQLite: the child's migration fails, and the server does not start on it.
    (tmp_path / "moderator.db").write_bytes(b"not a database" * 100)
    e = {**os.environ, "MODERATOR_INSTANCE": str(tmp_path)}
    e.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", SERVE_AND_REPORT], cwd=ROOT, env=e, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode != 0
    assert "database migration failed" in out.stderr
    assert "REPORT " not in out.stdout


CREATE_APP = """
import json, sys
from moderator import create_app
from moderator.config import Config
create_app(Config(ASYNC_MODE="threading"))
before = set(sys.modules)
from moderator.services import importer
importer.read_table("Nội dung\\nĐường làng bị ngập\\n".encode(), "kien-nghi.csv")
csv_only = sorted({m.split(".")[0] for m in set(sys.modules) - before})
from moderator import documents
documents.build_xlsx_table("T", ["a"], [["b"]])
print(json.dumps({"at_start": sorted({m.split(".")[0] for m in before}), "csv_import": csv_only,
                  "after_xlsx": "openpyxl" in sys.modules}))
"""


def test_the_app_and_a_csv_import_do_not_import_openpyxl_a_spreadsheet_does(tmp_path):
    e = {**os.environ, "MODERATOR_INSTANCE": str(tmp_path)}
    e.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", CREATE_APP], cwd=ROOT, env=e, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # create_app itself still migrates in-process (tests, scripts): Alembic may be there, the documents not.
    assert {"openpyxl", "docx", "lxml", "PIL"}.isdisjoint(got["at_start"])
    assert "openpyxl" not in got["csv_import"]
    assert got["after_xlsx"] is True


def test_documents_names_resolve_on_use():
    from moderator import documents
    from moderator.documents.conclusion import build_conclusion_docx
    from moderator.documents.summary import build_summary_xlsx

    assert documents.build_conclusion_docx is build_conclusion_docx
    assert documents.build_summary_xlsx is build_summary_xlsx
    with pytest.raises(AttributeError):
        documents.no_such_builder  # noqa: B018


def test_column_letter_names_columns_as_spreadsheets_do():
    from openpyxl.utils import get_column_letter

    from moderator.services.importer import column_letter

    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
    assert all(column_letter(n) == get_column_letter(n) for n in range(1, 2000))

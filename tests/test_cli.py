"""The `moderator` command: migrations, organiser accounts (non-interactive form for scripts), purge."""
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(tmp_path, *args, env=None):
    import os
    e = {**os.environ, "MODERATOR_INSTANCE": str(tmp_path)}
    e.pop("DATABASE_URL", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "moderator.cli", *args], cwd=ROOT, env=e, capture_output=True,
                          text=True, timeout=60)


def test_db_upgrade_creates_sqlite_with_wal_and_foreign_keys(tmp_path):
    out = run(tmp_path, "db", "upgrade")
    assert out.returncode == 0, out.stderr
    db = tmp_path / "moderator.db"
    assert db.exists()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meeting", "request", "audit_log", "role_key", "admin"} <= tables


def test_create_admin_stores_a_hash_not_the_password(tmp_path):
    out = run(tmp_path, "create-admin", "--username", "bantochuc", "--password", "mật-khẩu-dài-123")
    assert out.returncode == 0, out.stderr
    con = sqlite3.connect(tmp_path / "moderator.db")
    (h,) = con.execute("SELECT password_hash FROM admin WHERE username='bantochuc'").fetchone()
    assert "mật-khẩu" not in h and len(h) > 40
    short = run(tmp_path, "create-admin", "--username", "x", "--password", "123")
    assert short.returncode == 2 and "8" in short.stderr


def test_purge_dry_run_reports(tmp_path):
    out = run(tmp_path, "purge", "--dry-run")
    assert out.returncode == 0 and "0" in out.stdout

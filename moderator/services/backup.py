"""Online backups of the hall laptop's SQLite database, and restoring one.

SQLite's backup API copies a consistent snapshot while the server keeps writing (WAL: readers never block the
writer). The copy is written beside its final name and renamed into place only after an integrity check, so a
USB stick pulled out mid-copy never holds a half file under a backup's name.
"""
from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

PREFIX = "moderator-"
SUFFIX = ".db"


class BackupError(Exception):
    """Why a backup or restore cannot be done, in Vietnamese and English (the CLI prints it)."""


@dataclass
class BackupResult:
    path: Path
    seconds: float
    size: int
    meetings: int
    requests: int


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("Sao lưu trực tiếp chỉ dùng cho cơ sở dữ liệu SQLite; với PostgreSQL hãy dùng pg_dump. / "
                          "Online backup is for SQLite only; use pg_dump for PostgreSQL.")
    return Path(url.database)


def _check(path: Path) -> tuple[int, int]:
    """Integrity and that it is a Moderator database; returns (meetings, requests)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"Tệp {path} bị hỏng (integrity_check). / {path} is damaged.")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"meeting", "request", "alembic_version"} <= tables:
                raise BackupError(f"Tệp {path} không phải cơ sở dữ liệu Moderator. / {path} is not a Moderator "
                                  "database.")
            return (con.execute("SELECT count(*) FROM meeting").fetchone()[0],
                    con.execute("SELECT count(*) FROM request").fetchone()[0])
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise BackupError(f"Không đọc được {path}: {e} / cannot read {path}") from e


def _copy(src: Path, dest: Path) -> None:
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)          # one step: a consistent snapshot of the whole database
    finally:
        target.close()
        source.close()


def backup(database_url: str, to: Path, now: datetime | None = None) -> BackupResult:
    """Copy the live database to `to`: a file if its name ends in .db/.sqlite, else a folder (created if
    needed) that gets a time-stamped file."""
    src = sqlite_path(database_url)
    if not src.exists():
        raise BackupError(f"Không có cơ sở dữ liệu tại {src}. / No database at {src}.")
    to = Path(to)
    if to.is_dir() or to.suffix.lower() not in (".db", ".sqlite", ".sqlite3"):
        to.mkdir(parents=True, exist_ok=True)
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S-%f")[:-3]
        dest = to / f"{PREFIX}{stamp}{SUFFIX}"
    else:
        to.parent.mkdir(parents=True, exist_ok=True)
        dest = to
    partial = dest.with_name(dest.name + ".partial")
    t0 = time.perf_counter()
    try:
        _copy(src, partial)
        meetings, requests = _check(partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(dest, time.perf_counter() - t0, dest.stat().st_size, meetings, requests)


def backups_in(folder: Path) -> list[Path]:
    """This folder's backups, oldest first (the names sort by time)."""
    return sorted(p for p in Path(folder).glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def prune(folder: Path, keep: int) -> list[Path]:
    old = backups_in(folder)[:-keep] if keep > 0 else []
    for p in old:
        p.unlink(missing_ok=True)
    return old


def latest(path: Path) -> Path:
    """A backup file itself, or the newest backup in a folder."""
    path = Path(path)
    if path.is_dir():
        found = backups_in(path)
        if not found:
            raise BackupError(f"Thư mục {path} không có bản sao lưu nào. / No backup in {path}.")
        return found[-1]
    if not path.exists():
        raise BackupError(f"Không có tệp {path}. / No file {path}.")
    return path


def restore(backup_file: Path, database_url: str, force: bool = False) -> BackupResult:
    """Bring a backup back as the database of this installation (the server must be stopped)."""
    src = latest(backup_file)
    dest = sqlite_path(database_url)
    meetings, requests = _check(src)
    if dest.exists() and not force:
        raise BackupError(f"Đã có cơ sở dữ liệu tại {dest}; thêm --force để thay bằng bản sao lưu (hãy dừng máy chủ "
                          f"trước). / A database exists at {dest}; add --force to replace it (stop the server first).")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".restoring")
    t0 = time.perf_counter()
    try:
        _copy(src, partial)
        for stale in (Path(f"{dest}-wal"), Path(f"{dest}-shm")):   # the old database's journal must not replay
            stale.unlink(missing_ok=True)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(dest, time.perf_counter() - t0, dest.stat().st_size, meetings, requests)

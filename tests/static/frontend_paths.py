"""Paths shared by the front-end tests (a uniquely named module: `conftest` is ambiguous across test folders)."""

from __future__ import annotations

import functools
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "static"
PAGES = Path(__file__).resolve().parent / "pages"


@functools.lru_cache(maxsize=None)
def read_static(rel: str) -> str:
    return (STATIC / rel).read_text(encoding="utf-8")

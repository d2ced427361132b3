"""Helpers for the organiser tests: log in a Flask test client, read CSRF tokens, build spreadsheets."""
from __future__ import annotations

import io
import re

from openpyxl import Workbook

PASSWORD = "mat-khau-rat-dai"


def token(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client, rt, username: str = "vanphong") -> str:
    from moderator.services.meetings import create_admin
    create_admin(rt, username, PASSWORD)
    page = client.get("/admin/login").get_data(as_text=True)
    r = client.post("/admin/login", data={"username": username, "password": PASSWORD, "csrf_token": token(page)})
    assert r.status_code == 303, r.get_data(as_text=True)
    return token(client.get("/admin/").get_data(as_text=True))


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    import csv
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")

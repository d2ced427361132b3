"""Hostile bytes against the real server, on SQLite and on PostgreSQL: ids beyond 64 bits (PostgreSQL raises past
32), JSON nested 20,000 deep, bytes that are not UTF-8 (body, query string, path, headers, form fields) and
garbage cookies. Each gets a 4xx with the usual JSON error (a stable code, a message in Vietnamese), changes
nothing, and leaves no traceback in the server's log. Sent over a raw socket: HTTP libraries refuse to send most of
these."""
from __future__ import annotations

import json
import re
import socket

import pytest

from tests.support.server import ServerProcess
from tests.support.services import drop_pg_database, pg_url_or_skip

BIG = str(2**64).encode()           # beyond 64 bits: SQLite's driver overflows
INT4 = str(2**31).encode()          # beyond PostgreSQL's integer: "integer out of range"
NESTED_LISTS = b"[" * 20000 + b"]" * 20000
NESTED_OBJECTS = b'{"a":' * 20000 + b"1" + b"}" * 20000
JSON = [(b"Content-Type", b"application/json")]
WANTS_JSON = [(b"Accept", b"application/json")]
FORM = [(b"Content-Type", b"application/x-www-form-urlencoded"), *WANTS_JSON]
DEVICE = [(b"X-Device-Token", b"bad-input-phone-0001")]
CHAIR = "chair"      # replaced by the chair's key header
SUBMIT = (b'{"kind":"citizen","full_name":"Nguy\xe1\xbb\x85n V\xc4\x83n An","phone":"0912345678","address":"X\xc3\xb3m 2",'
          b'"consent":true,"content":"%s"}')

# (label, method, path, body, headers, status, error code or None when only the status is stable)
CASES = [
    ("id 2^64 in a chair's path", "POST", b"/api/v1/meetings/DEMO/requests/" + BIG + b"/accept", b"{}",
     [CHAIR, *JSON], 404, "not_found"),
    ("id 2^31 in a chair's path", "POST", b"/api/v1/meetings/DEMO/requests/" + INT4 + b"/accept", b"{}",
     [CHAIR, *JSON], 404, "not_found"),
    ("id of 40 digits in a path", "POST", b"/api/v1/meetings/DEMO/queue/" + b"9" * 40 + b"/move", b'{"to":"top"}',
     [CHAIR, *JSON], 404, "not_found"),
    ("id 2^64 in the minutes", "GET", b"/api/v1/meetings/DEMO/minutes/entries/" + BIG + b"/revisions", b"",
     [CHAIR], 404, "not_found"),
    ("id 2^64 in a phone's path", "PATCH", b"/api/v1/meetings/DEMO/mine/" + BIG, b'{"content":"x"}',
     [*DEVICE, *JSON], 404, "not_found"),
    ("id 2^31 in a phone's withdrawal", "POST", b"/api/v1/meetings/DEMO/mine/" + INT4 + b"/withdraw", b"{}",
     [*DEVICE, *JSON], 404, "not_found"),
    ("id 2^64 in a ticket page", "GET", b"/j/DEMO/t/" + BIG, b"", WANTS_JSON, 404, "not_found"),
    ("id 2^64 in an organiser's form action", "POST", b"/admin/meetings/DEMO/keys/" + BIG + b"/revoke", b"",
     FORM, 404, "not_found"),
    ("id 2^64 in a body", "POST", b"/api/v1/meetings/DEMO/floor/call", b'{"request_id":' + BIG + b"}",
     [CHAIR, *JSON], 422, "invalid"),
    ("id 2^31 in a list", "PUT", b"/api/v1/meetings/DEMO/queue", b'{"order":[' + INT4 + b'],"version":1}',
     [CHAIR, *JSON], 422, "invalid"),
    ("version 2^64", "POST", b"/api/v1/meetings/DEMO/floor/call", b'{"version":' + BIG + b"}",
     [CHAIR, *JSON], 422, "invalid"),
    ("a number of 5,000 digits", "PUT", b"/api/v1/meetings/DEMO/queue",
     b'{"order":[1],"version":' + b"9" * 5000 + b"}", [CHAIR, *JSON], 400, "bad_json"),
    ("lists nested 20,000 deep, chair", "POST", b"/api/v1/meetings/DEMO/floor/call", NESTED_LISTS,
     [CHAIR, *JSON], 400, "bad_json"),
    ("lists nested 20,000 deep, phone", "POST", b"/api/v1/meetings/DEMO/requests", NESTED_LISTS,
     [*DEVICE, *JSON], 400, "bad_json"),
    ("objects nested 20,000 deep (100 kB)", "POST", b"/api/v1/meetings/DEMO/requests", NESTED_OBJECTS,
     [*DEVICE, *JSON], 413, "too_large"),
    ("objects nested 5,000 deep", "POST", b"/api/v1/meetings/DEMO/requests", b'{"a":' * 5000 + b"1" + b"}" * 5000,
     [*DEVICE, *JSON], 400, "bad_json"),
    ("not UTF-8 in a JSON body", "POST", b"/api/v1/meetings/DEMO/requests", SUBMIT % b"\xff\xfe\xc3(",
     [*DEVICE, *JSON], 400, "bad_json"),
    ("NUL in a submission", "POST", b"/api/v1/meetings/DEMO/requests", SUBMIT % b"a\\u0000b",
     [*DEVICE, *JSON], 400, "nul_character"),
    ("NUL in the chair's message", "PUT", b"/api/v1/meetings/DEMO/message", b'{"text":"h\\u0000i"}',
     [CHAIR, *JSON], 400, "nul_character"),
    ("raw bytes not UTF-8 in a query", "GET", b"/api/v1/meetings/DEMO/audit?limit=\xff\xfe", b"", [CHAIR],
     400, "bad_encoding"),
    ("%-escaped bytes not UTF-8 in a query", "GET", b"/api/v1/meetings/DEMO/public?lang=%ff%fe", b"", [],
     400, "bad_encoding"),
    ("raw bytes not UTF-8 in a path", "GET", b"/api/v1/meetings/DE\xffMO/public", b"", [], 400, "bad_encoding"),
    ("%-escaped bytes not UTF-8 in a path", "GET", b"/api/v1/meetings/%ff%fe/public", b"", [],
     400, "bad_encoding"),
    ("bytes not UTF-8 in a page's path", "GET", b"/j/%c3%28", b"", WANTS_JSON, 400, "bad_encoding"),
    ("bytes not UTF-8 in a role key header", "GET", b"/api/v1/meetings/DEMO/staff", b"",
     [(b"X-Role-Key", b"\xff\xfe\xc3(key")], 403, "key_invalid"),
    ("bytes not UTF-8 in the CSRF header", "POST", b"/api/v1/meetings/DEMO/requests", SUBMIT % b"x",
     [(b"Cookie", b"mdev=bad-input-phone-0002"), (b"X-CSRF-Token", b"\xc3\xa9\xff"), *JSON], 403, "csrf"),
    ("bytes not UTF-8 in a device header", "GET", b"/api/v1/meetings/DEMO/mine", b"",
     [(b"X-Device-Token", b"\xff\xfe\xc3(device")], 403, None),
    ("bytes not UTF-8 in a phone's form", "POST", b"/j/DEMO/form",
     b"full_name=%ff%fe&phone=0912345678&address=x&content=y&consent=on", FORM, 400, "bad_encoding"),
    ("raw bytes not UTF-8 in a phone's form", "POST", b"/j/DEMO/form",
     b"full_name=A&phone=0912345678&address=x&content=\xff\xc3(&consent=on", FORM, 400, "bad_encoding"),
    ("bytes not UTF-8 in the login form", "POST", b"/admin/login", b"username=%ff&password=\xfe", FORM,
     400, "bad_encoding"),
    ("garbage session cookie", "GET", b"/api/v1/meetings/DEMO/staff", b"",
     [(b"Cookie", b"session=.eJyrVkpUslIqSyxKLAUAJu8FBw.garbage.sig")], 403, None),
    ("session cookie of bytes not UTF-8", "GET", b"/api/v1/meetings/DEMO/staff", b"",
     [(b"Cookie", b"session=\xff\xfe\xc3(")], 403, None),
    ("session cookie of 4 kB", "GET", b"/api/v1/meetings/DEMO/staff", b"",
     [(b"Cookie", b"session=" + b"A" * 4000)], 403, None),
    ("garbage session cookie on a write", "PUT", b"/api/v1/meetings/DEMO/message", b'{"text":"x"}',
     [(b"Cookie", b"session=not-a-session"), *JSON], 403, None),
    ("device cookie of bytes not UTF-8", "GET", b"/api/v1/meetings/DEMO/mine", b"",
     [(b"Cookie", b"mdev=\xff\xfe\xc3(")], 403, None),
    ("device cookie of 3 kB", "GET", b"/api/v1/meetings/DEMO/mine", b"", [(b"Cookie", b"mdev=" + b"a" * 3000)],
     403, None),
    ("garbage device cookie on a write", "POST", b"/api/v1/meetings/DEMO/requests", SUBMIT % b"x",
     [(b"Cookie", b"mdev=\x01\x02garbage"), *JSON], 403, "csrf"),
]


def send(port: int, method: str, path: bytes, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict,
                                                                                                          bytes]:
    head = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % (method.encode(), path)
    for name, value in headers:
        head += name + b": " + value + b"\r\n"
    if body or method in ("POST", "PUT", "PATCH"):
        head += b"Content-Length: %d\r\n" % len(body)
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(head + b"\r\n" + body)
        while chunk := s.recv(65536):
            data += chunk
    raw_head, _, payload = data.partition(b"\r\n\r\n")
    lines = raw_head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.decode("latin-1").partition(":") for ln in lines[1:])}
    return status, fields, payload


def _start(tmp_path_factory, backend: str):
    env = {"MODERATOR_RATE_DEVICE": "100000", "MODERATOR_RATE_IP": "100000"}
    url = None
    if backend == "postgresql":
        url = pg_url_or_skip()
        env["DATABASE_URL"] = url
    srv = ServerProcess(tmp_path_factory.mktemp(f"bad-{backend}") / "instance", demo=True, env=env).start()
    return srv, url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hostile(request, tmp_path_factory):
    srv, url = _start(tmp_path_factory, request.param)
    yield srv
    srv.stop()
    if url:
        drop_pg_database(url)


def state(srv: ServerProcess) -> tuple[int, int]:
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    return staff["v"], len(staff["requests"])


@pytest.mark.parametrize("label,method,path,body,headers,status,code", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_gets_a_clear_4xx_and_changes_nothing(hostile, label, method, path, body, headers, status,
                                                            code):
    srv = hostile
    headers = [(b"X-Role-Key", srv.keys["chair"].encode()) if h == CHAIR else h for h in headers]
    before = state(srv)
    log_start = srv.log_path.stat().st_size
    got, fields, payload = send(srv.port, method, path, body, headers)
    assert got == status, (got, payload[:300])
    assert fields.get("content-type", "").startswith("application/json"), (fields, payload[:300])
    err = json.loads(payload)["error"]
    assert code is None or err["code"] == code, err
    assert err["code"] and re.search("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]",
                                     err["message"].lower()), err   # Vietnamese, with its diacritics
    assert state(srv) == before
    with open(srv.log_path, "rb") as log:
        log.seek(log_start)
        new_log = log.read().decode("utf-8", "replace")
    assert "Traceback" not in new_log and "unexpected error" not in new_log, new_log[-3000:]


def test_the_server_still_serves_a_phone_after_the_hostile_input(hostile):
    """The same server, after every case above: a normal submission goes through and the language still works."""
    status, _, payload = send(hostile.port, "POST", b"/api/v1/meetings/DEMO/requests",
                              SUBMIT % "Đề nghị sửa đường.".encode(), [*DEVICE, *JSON])
    assert status == 201, payload[:300]
    status, _, payload = send(hostile.port, "GET", b"/api/v1/meetings/%C4%90EMO/public?lang=en", b"", [])
    assert status == 404 and b"meeting" in payload.lower()
    status, _, payload = send(hostile.port, "GET", b"/api/v1/meetings/DEMO/public?x=%ff", b"",
                              [(b"Cookie", b"lang=en")])
    assert status == 400 and json.loads(payload)["error"]["message"] == "The data sent is not valid UTF-8 text."

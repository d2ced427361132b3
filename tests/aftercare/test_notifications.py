"""The citizen hears back: a written answer posted (or a deadline passed) reaches the citizen by e-mail (a real
SMTP server, aiosmtpd) and SMS (a real HTTP webhook), queued and sent by the server's background task, retried,
recorded for the organiser; consent and opt-out are honoured; sending never blocks a request."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
import requests

from tests.support.server import ROOT, ServerProcess

from .gateways import BlackHoleSmtp, SmsGateway, SmtpSink

PASSWORD = "mat-khau-rat-dai"
TODAY = date.today()


def _env(smtp_port: int, sms_url: str | None, **extra) -> dict:
    env = {"MODERATOR_SMTP_HOST": "127.0.0.1", "MODERATOR_SMTP_PORT": str(smtp_port),
           "MODERATOR_SMTP_FROM": "hoinghi@xa-giaominh.vn", "MODERATOR_NOTIFY_INTERVAL": "0.2",
           "MODERATOR_NOTIFY_RETRY_SECONDS": "0.3", "MODERATOR_NOTIFY_MAX_ATTEMPTS": "3",
           "MODERATOR_NOTIFY_TIMEOUT": "3", "MODERATOR_RATE_FOLLOW": "10000"}
    if sms_url:
        env.update({"MODERATOR_SMS_WEBHOOK_URL": sms_url, "MODERATOR_SMS_WEBHOOK_TOKEN": "gateway-secret"})
    env.update(extra)
    return env


def _start(tmp, env, organiser: bool = True) -> ServerProcess:
    srv = ServerProcess(tmp / "instance", demo=True, env=env)
    srv.env["PUBLIC_BASE_URL"] = srv.url
    srv.start()
    if not organiser:
        return srv
    cli_env = {**os.environ, "MODERATOR_INSTANCE": str(srv.instance)}
    cli_env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "moderator.cli", "create-admin", "--username", "vanphong",
                          "--password", PASSWORD], cwd=str(ROOT), env=cli_env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return srv


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    smtp, sms = SmtpSink().start(), SmsGateway().start()
    srv = _start(tmp_path_factory.mktemp("aftercare"), _env(smtp.port, sms.url))
    yield srv, smtp, sms
    srv.stop()
    sms.stop()
    smtp.stop()


def submit(srv, phone: str, device: str, content: str = "Đề nghị nâng cấp đường liên thôn xóm 3.") -> dict:
    r = srv.api("POST", "/meetings/DEMO/requests", headers={"X-Device-Token": device}, json={
        "kind": "citizen", "full_name": "Trần Thị Bình", "phone": phone, "address": "Số 5, xóm 3",
        "locality": "Xóm 3", "content": content, "consent": True})
    assert r.status_code == 201, r.text
    mine = srv.api("GET", "/meetings/DEMO/mine", headers={"X-Device-Token": device}).json()["requests"]
    return next(x for x in mine if x["id"] == r.json()["request"]["id"])


def unit_id(srv) -> int:
    staff = srv.api("GET", "/meetings/DEMO/staff", role="chair").json()
    return next(u["id"] for u in staff["meeting"]["units"] if u["name"] == "Phòng Kinh tế")


def assign_writing(srv, rid: int, deadline: date) -> None:
    r = srv.api("POST", "/meetings/DEMO/answers", role="chair", json={
        "request_ids": [rid], "unit_id": unit_id(srv), "mode": "writing", "deadline": deadline.isoformat(),
        "answerer": "Trưởng phòng Kinh tế"})
    assert r.status_code == 200, r.text


def post_answer(srv, rid: int, text: str) -> float:
    t0 = time.perf_counter()
    r = srv.api("POST", f"/meetings/DEMO/unit/requests/{rid}/answer", role="unit", json={"summary": text})
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200, r.text
    return elapsed


def admin(srv) -> requests.Session:
    s = requests.Session()
    page = s.get(srv.url + "/admin/login", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = s.post(srv.url + "/admin/login", data={"username": "vanphong", "password": PASSWORD, "csrf_token": csrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303
    return s


def notification_rows(srv, ticket: int) -> list[dict]:
    html = admin(srv).get(srv.url + "/admin/meetings/DEMO/notifications", timeout=10).text
    rows = re.findall(r'<tr data-status="(\w+)" data-channel="(\w+)" data-ticket="(\d+)">(.*?)</tr>', html, re.S)
    return [{"status": st, "channel": ch, "html": body} for st, ch, t, body in rows if int(t) == ticket]


def wait_rows(srv, ticket: int, predicate, timeout: float = 15.0) -> list[dict]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = notification_rows(srv, ticket)
        if predicate(rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"notification rows for ticket {ticket}: {notification_rows(srv, ticket)}")


def test_written_answer_reaches_the_citizen_by_email_and_sms(hall):
    srv, smtp, sms = hall
    mine = submit(srv, "0912 000 111", "dev-binh")
    code = mine["follow_code"]
    r = requests.post(f"{srv.url}/k/{code}/email", data={"email": "binh.tran@example.vn", "consent": "1"},
                      allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assign_writing(srv, mine["id"], TODAY + timedelta(days=10))
    assert not [m for m in smtp.messages if m["To"] == "binh.tran@example.vn"]   # assignment alone tells nothing
    post_answer(srv, mine["id"], "Đường liên thôn xóm 3 được đưa vào kế hoạch đầu tư công năm 2026.")

    mail = smtp.wait_for(lambda m: m["To"] == "binh.tran@example.vn")
    body = mail.get_content()
    assert f"phiếu số {mine['ticket']}" in mail["Subject"]
    assert "kế hoạch đầu tư công năm 2026" in body and "Phòng Kinh tế" in body
    assert f"{srv.url}/k/{code}" in body
    assert "0912000111" not in body and "Số 5, xóm 3" not in body and "Trần Thị Bình" not in body

    text = sms.wait_for("0912000111")
    assert f"{srv.url}/k/{code}" in text["text"] and text["auth"] == "Bearer gateway-secret"
    assert "Số 5, xóm 3" not in text["text"]

    rows = wait_rows(srv, mine["ticket"], lambda rows: len(rows) == 2 and all(r["status"] == "sent" for r in rows))
    assert {r["channel"] for r in rows} == {"email", "sms"}
    html = " ".join(r["html"] for r in rows)
    assert "0912000111" not in html and "binh.tran@example.vn" not in html   # masked for the organiser too
    assert "b•••@example.vn" in html


def test_a_failing_gateway_is_retried_then_recorded_as_failed(hall):
    srv, _smtp, sms = hall
    flaky, dead = submit(srv, "0913 000 222", "dev-flaky"), submit(srv, "0914 000 333", "dev-dead")
    sms.fail["0913000222"], sms.fail["0914000333"] = 2, -1
    for mine in (flaky, dead):
        assign_writing(srv, mine["id"], TODAY + timedelta(days=5))
        post_answer(srv, mine["id"], "Đã giao Phòng Kinh tế kiểm tra thực địa.")
    sms.wait_for("0913000222")
    assert [r["status"] for r in sms.received if r["to"] == "0913000222"] == [500, 500, 200]
    rows = wait_rows(srv, flaky["ticket"], lambda rows: rows and rows[0]["status"] == "sent")
    assert re.search(r'class="text-right attempts">3<', rows[0]["html"])

    rows = wait_rows(srv, dead["ticket"], lambda rows: rows and rows[0]["status"] == "failed")
    assert "HTTP 500" in rows[0]["html"] and 'class="text-right attempts">3<' in rows[0]["html"]
    assert len([r for r in sms.received if r["to"] == "0914000333"]) == 3      # MAX_ATTEMPTS, then it stops

    # The organiser sends it again once the gateway works.
    sms.fail["0914000333"] = 0
    s = admin(srv)
    page = s.get(srv.url + "/admin/meetings/DEMO/notifications", timeout=10).text
    action = re.search(r'action="(/admin/meetings/DEMO/notifications/\d+/retry)"', page).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert s.post(srv.url + action, data={"csrf_token": csrf}, allow_redirects=False, timeout=10).status_code == 303
    sms.wait_for("0914000333")
    wait_rows(srv, dead["ticket"], lambda rows: rows and rows[0]["status"] == "sent")


def test_opt_out_stops_notifications(hall):
    srv, _smtp, sms = hall
    quiet, other = submit(srv, "0915 000 444", "dev-quiet"), submit(srv, "0916 000 555", "dev-other")
    r = requests.post(f"{srv.url}/k/{quiet['follow_code']}/opt-out", allow_redirects=False, timeout=10)
    assert r.status_code == 303
    page = requests.get(f"{srv.url}/k/{quiet['follow_code']}", timeout=10).text
    assert 'id="opted-out"' in page
    for mine in (quiet, other):
        assign_writing(srv, mine["id"], TODAY + timedelta(days=5))
        post_answer(srv, mine["id"], "Đã có văn bản trả lời.")
    sms.wait_for("0916000555")          # the other one was sent: the worker has been past the opted-out one
    time.sleep(0.5)
    assert not [r for r in sms.received if r["to"] == "0915000444"]
    assert notification_rows(srv, quiet["ticket"]) == []


def test_no_consent_no_notification(hall):
    """A paper request typed in by the secretary carries no consent: nothing is sent for it."""
    srv, _smtp, sms = hall
    r = srv.api("POST", "/meetings/DEMO/paper", role="secretary", json={
        "kind": "citizen", "full_name": "Lê Văn Cường", "phone": "0917 000 666", "address": "Xóm 1",
        "content": "Đề nghị lắp đèn đường xóm 1.", "source": "paper"})
    assert r.status_code == 201, r.text
    rid, ticket = r.json()["id"], r.json()["ticket"]
    marker = submit(srv, "0918 000 777", "dev-marker")
    for x in (rid, marker["id"]):
        assign_writing(srv, x, TODAY + timedelta(days=5))
        post_answer(srv, x, "Đã có văn bản trả lời.")
    sms.wait_for("0918000777")
    time.sleep(0.5)
    assert not [r for r in sms.received if r["to"] == "0917000666"]
    assert notification_rows(srv, ticket) == []


def test_passed_deadline_tells_the_citizen(tmp_path):
    """The overdue scan: a request still awaiting its written answer after the deadline gets one notice."""
    smtp, sms = SmtpSink().start(), SmsGateway().start()
    srv = _start(tmp_path, _env(smtp.port, sms.url, MODERATOR_NOTIFY_SCAN_SECONDS="0.5"), organiser=False)
    try:
        late = submit(srv, "0919 000 888", "dev-late")
        on_time = submit(srv, "0919 000 999", "dev-ontime")
        assign_writing(srv, late["id"], TODAY - timedelta(days=1))
        assign_writing(srv, on_time["id"], TODAY + timedelta(days=3))
        text = sms.wait_for("0919000888")
        assert "quá thời hạn" in text["text"] and f"/k/{late['follow_code']}" in text["text"]
        time.sleep(1.5)     # three more scans: still one notice, and none for the one still within its deadline
        assert len(sms.delivered("0919000888")) == 1
        assert sms.delivered("0919000999") == []
    finally:
        srv.stop()
        sms.stop()
        smtp.stop()


def test_a_hanging_smtp_server_blocks_no_request(tmp_path):
    """The SMTP server accepts and never answers: posting the answer returns at once and every screen keeps
    answering while the worker waits (measured here: answer 9 ms, worst of 20 public reads 9 ms; bound 1 s)."""
    hole = BlackHoleSmtp().start()
    srv = _start(tmp_path, _env(hole.port, None, MODERATOR_NOTIFY_TIMEOUT="4"))
    try:
        mine = submit(srv, "0911 222 333", "dev-hang")
        requests.post(f"{srv.url}/k/{mine['follow_code']}/email", data={"email": "an@example.vn", "consent": "1"},
                      timeout=10)
        assign_writing(srv, mine["id"], TODAY + timedelta(days=5))
        elapsed = post_answer(srv, mine["id"], "Đã có văn bản trả lời.")
        assert elapsed < 1.0
        deadline = time.time() + 5
        while hole.connections == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert hole.connections >= 1          # the worker is now stuck talking to the black hole
        worst = 0.0
        for _ in range(20):
            t0 = time.perf_counter()
            assert requests.get(srv.url + "/api/v1/meetings/DEMO/public", timeout=5).status_code == 200
            worst = max(worst, time.perf_counter() - t0)
            time.sleep(0.05)
        assert worst < 1.0, worst
        print(f"answer posted in {elapsed * 1000:.0f} ms; worst of 20 public reads during the hang {worst * 1000:.0f} ms")
        # The attempt times out and is recorded; the notice waits for its next try.
        rows = wait_rows(srv, mine["ticket"], lambda rows: rows and "SMTP" in rows[0]["html"], timeout=20)
        assert rows[0]["status"] in ("queued", "failed") and "timed out" in rows[0]["html"]
    finally:
        srv.stop()
        hole.stop()

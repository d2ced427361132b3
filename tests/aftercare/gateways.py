"""Real local gateways for the notification tests: an SMTP server (aiosmtpd) and an SMS webhook (http.server),
both on 127.0.0.1, recording what they receive; the webhook can be told to fail for given numbers."""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.support.server import free_port


class _Collect:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


class SmtpSink:
    def __init__(self):
        self.port = free_port()
        self._handler = _Collect()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self._handler.messages

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, predicate, timeout: float = 15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for m in self.messages if predicate(m)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no matching e-mail within {timeout}s; got {[m['Subject'] for m in self.messages]}")


class SmsGateway:
    """POST /send with JSON {"to", "text", "reference"}. `fail[to] = n` answers 500 to the next n posts for `to`
    (-1: always)."""

    def __init__(self):
        self.port = free_port()
        self.received: list[dict] = []     # every POST, failed or not, with the status answered
        self.fail: dict[str, int] = {}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                left = gateway.fail.get(body.get("to"), 0)
                status = 500 if left else 200
                if left > 0:
                    gateway.fail[body["to"]] = left - 1
                gateway.received.append({**body, "status": status, "auth": self.headers.get("Authorization")})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": %s}' % (b"true" if status == 200 else b"false"))

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    def start(self) -> "SmsGateway":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def delivered(self, to: str) -> list[dict]:
        return [r for r in self.received if r["to"] == to and r["status"] == 200]

    def wait_for(self, to: str, timeout: float = 15.0) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.delivered(to)
            if got:
                return got[0]
            time.sleep(0.05)
        raise AssertionError(f"no SMS delivered to {to} within {timeout}s; got {self.received}")


class BlackHoleSmtp:
    """Accepts connections and never says a word: an SMTP server that hangs."""

    def __init__(self):
        self.port = free_port()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(16)
        self._held: list[socket.socket] = []
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self._sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
                self._held.append(conn)
            except OSError:
                continue

    def start(self) -> "BlackHoleSmtp":
        self._thread.start()
        return self

    @property
    def connections(self) -> int:
        return len(self._held)

    def stop(self) -> None:
        self._stop = True
        self._thread.join(2)
        for c in self._held:
            c.close()
        self._sock.close()

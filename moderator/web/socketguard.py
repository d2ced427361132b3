"""Socket floods, refused cheaply: a cap on the open Socket.IO connections of one address, and a packet budget
per connection.

* The cap is checked by a WSGI middleware in front of Engine.IO: a new connection (a handshake, no `sid`) from an
  address that already holds its cap gets a short 429 before Engine.IO creates anything (429, not 503: nginx
  retries a 503 on the next worker). Open connections are counted on Engine.IO's own connect and disconnect
  events, so polling and WebSocket sessions count alike; the connect event checks the cap again under a lock, so
  handshakes racing past the middleware cannot overshoot it.
* New connections per address are also rate-limited (twice the cap per 10 s: a whole NAT hall reconnecting after
  a Wi-Fi drop fits), so a script that connects, gets cut off and reconnects in a loop is refused with a 429.
* Clients send nothing over the socket but the Socket.IO connect, the upgrade probe and a pong every
  `ping_interval`: every Engine.IO packet (messages, pongs, anything) spends from a token bucket, and a connection
  that empties it is closed on the spot.

Per process: behind nginx each worker sees a share of an address's connections (docs/security.md).
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

from ..domain.labels import N_
from .ratelimit import RateLimiter, TooMany

SOCKET_PATH = "/socket.io"

# Read by no one in the hall (the Socket.IO client only sees a failed connect and retries), but it says why.
REFUSED_MESSAGE = N_("Có quá nhiều kết nối từ cùng một địa chỉ mạng; vui lòng thử lại sau.")
REFUSED_BODY = json.dumps({"error": {"code": "too_many_sockets", "message": REFUSED_MESSAGE}},
                          ensure_ascii=False).encode()
HANDSHAKE_WINDOW_SECONDS = 10.0


def _session_of(environ) -> str | None:
    """The Engine.IO session a request belongs to, read as Engine.IO reads it; None for a new connection."""
    return parse_qs(environ.get("QUERY_STRING", "")).get("sid", [None])[0]


def _refuse(start_response, status: str, retry_after: int):
    start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Retry-After", str(retry_after)),
                            ("Content-Length", str(len(REFUSED_BODY))), ("Connection", "close")])
    return [REFUSED_BODY]


class PacketBudget:
    """A token bucket: `burst` packets at once, refilled at `rate` per second."""
    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()

    def spend(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class SocketGuard:
    def __init__(self, per_address: int, packets_per_second: float, packet_burst: int):
        self.per_address = per_address
        self.packets_per_second = packets_per_second
        self.packet_burst = packet_burst
        self.open_by_address: Counter[str] = Counter()
        self.address_of: dict[str, str] = {}     # engine.io sid -> address
        self.handshakes = RateLimiter(HANDSHAKE_WINDOW_SECONDS)
        self._lock = threading.Lock()

    # -- the WSGI side: refuse before Engine.IO does any work ----------------------------------------------------
    def middleware(self, wsgi_app):
        def guarded(environ, start_response):
            if environ.get("PATH_INFO", "").startswith(SOCKET_PATH) and not _session_of(environ):
                address = environ.get("REMOTE_ADDR") or "?"
                if self.open_by_address[address] >= self.per_address:
                    return _refuse(start_response, "429 Too Many Requests", 30)
                try:
                    self.handshakes.hit(address, 2 * self.per_address)
                except TooMany:
                    return _refuse(start_response, "429 Too Many Requests", int(HANDSHAKE_WINDOW_SECONDS))
            return wsgi_app(environ, start_response)
        return guarded

    # -- the Engine.IO side: count connections, meter packets ----------------------------------------------------
    def install(self, eio) -> None:
        """Wrap the Engine.IO server's connect and disconnect handlers (python-socketio's own stay in charge)."""
        on_connect, on_disconnect = eio.handlers["connect"], eio.handlers["disconnect"]

        def connect(sid, environ):
            address = environ.get("REMOTE_ADDR") or "?"
            with self._lock:      # the middleware's check, again, counted at once: racing handshakes cannot overshoot
                if self.open_by_address[address] >= self.per_address:
                    return False
                self.open_by_address[address] += 1
                self.address_of[sid] = address
            try:
                accepted = on_connect(sid, environ)
            except BaseException:
                self._forget(sid)
                raise
            if accepted is None or accepted is True:
                engine_socket = eio.sockets.get(sid)
                if engine_socket is not None:
                    self._meter(engine_socket)
            else:
                self._forget(sid)
            return accepted

        def disconnect(sid, reason=None):
            self._forget(sid)
            return on_disconnect(sid, reason)

        eio.handlers["connect"], eio.handlers["disconnect"] = connect, disconnect

    def _forget(self, sid: str) -> None:
        with self._lock:
            address = self.address_of.pop(sid, None)
            if address is not None:
                self.open_by_address[address] -= 1
                if self.open_by_address[address] <= 0:
                    del self.open_by_address[address]

    def _meter(self, engine_socket) -> None:
        """Every packet the client sends goes through Socket.receive: spend from this connection's budget first."""
        from engineio import exceptions
        receive = engine_socket.receive
        budget = PacketBudget(self.packets_per_second, self.packet_burst)

        def metered_receive(pkt):
            if not budget.spend():
                engine_socket.close(wait=False, abort=True)
                raise exceptions.SocketIsClosedError()   # ends the WebSocket read loop / the polling POST
            return receive(pkt)

        engine_socket.receive = metered_receive


class _Refused:
    """What AddressCappedPool.spawn returns for a refused connection: link() runs the server's clean-up at once."""

    def link(self, fn, *args):
        fn(self, *args)


class AddressCappedPool:
    """eventlet.wsgi's pool of connection greenlets, with a cap per client address (eventlet serves `size`
    connections in all and makes the next one wait: one address holding idle TCP connections, without a word of
    HTTP, would otherwise lock every phone out). A connection over the cap is closed as soon as it is accepted.
    Only without a proxy: behind nginx every connection comes from nginx (there, nginx's limit_conn does this)."""

    def __init__(self, size: int, per_address: int):
        import eventlet
        self.pool = eventlet.GreenPool(size)
        self.per_address = per_address
        self.open_by_address: Counter[str] = Counter()

    def spawn(self, handle, connection):
        peer = connection[0]
        address = peer[0] if isinstance(peer, tuple) else str(peer)
        if self.open_by_address[address] >= self.per_address:
            return _Refused()          # wsgi.server's link() callback closes the socket
        self.open_by_address[address] += 1
        greenlet = self.pool.spawn(handle, connection)
        greenlet.link(self._release, address)
        return greenlet

    def _release(self, _greenlet, address: str) -> None:
        self.open_by_address[address] -= 1
        if self.open_by_address[address] <= 0:
            del self.open_by_address[address]

    def waitall(self):
        return self.pool.waitall()

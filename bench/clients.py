"""Phones: many python-socketio AsyncClients (websocket only) per process, driven by the benchmark over a pipe.

Each client records (v, receipt time) for every `public` message, and, like static/js/live.js, fetches the public
snapshot over HTTP after every (re)connect, recorded the same way. Commands (tuples sent on the pipe):

    ("connect", rate, within)   connect all clients (`rate` per second, None: all at once; a failed handshake is
                   retried until `within` s)  -> {"ok": n, "failed": n, "seconds": s, "attempts_failed": n, "errors"}
    ("records",)   return and clear the records  -> {client index: [(v, t, kind), ...]}
    ("drop",)      cut every websocket at once (shutdown of its TCP socket, no close handshake, as when the
                   Wi-Fi drops); the clients notice, reconnect by themselves                -> {"dropped": n}
    ("status",)    how many are connected, and how many `public` messages of another meeting than the phone's
                   own arrived (a cross-meeting leak)                          -> {"connected": n, "leaks": n}
    ("stop",)      disconnect and exit
"""
from __future__ import annotations

import asyncio
import logging
import random
import socket
import time


def worker_main(conn, url: str, first: int, count: int, meeting, tag: str, concurrency: int = 40) -> None:
    """`meeting`: one join code, or a list of them (phone i joins meeting[i % len(meeting)])."""
    logging.basicConfig(level=logging.CRITICAL)
    asyncio.run(_Worker(conn, url, first, count, meeting, tag, concurrency).serve())


class _Worker:
    def __init__(self, conn, url, first, count, meeting, tag, concurrency):
        self.conn, self.url, self.first, self.count = conn, url, first, count
        self.meetings = [meeting] if isinstance(meeting, str) else list(meeting)
        self.tag, self.concurrency = tag, concurrency
        self.leaks = 0
        self.records: dict[int, list] = {i: [] for i in range(first, first + count)}
        self.clients: dict[int, object] = {}
        self.http = None

    async def serve(self) -> None:
        import aiohttp
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50),
                                          timeout=aiohttp.ClientTimeout(total=30))
        loop = asyncio.get_running_loop()
        try:
            while True:
                cmd = await loop.run_in_executor(None, self.conn.recv)
                name = cmd[0]
                if name == "connect":
                    self.conn.send(await self.connect_all(*cmd[1:]))
                elif name == "records":
                    recs, self.records = self.records, {i: [] for i in self.records}
                    self.conn.send(recs)
                elif name == "drop":
                    self.conn.send(await self.drop_all())
                elif name == "status":
                    self.conn.send({"connected": sum(1 for c in self.clients.values() if c.connected),
                                    "leaks": self.leaks})
                elif name == "stop":
                    await asyncio.gather(*(c.disconnect() for c in self.clients.values()),
                                         return_exceptions=True)
                    self.conn.send({"stopped": True})
                    return
        finally:
            await self.http.close()

    def meeting_of(self, i: int) -> str:
        return self.meetings[i % len(self.meetings)]

    def _make(self, i: int):
        import socketio
        sio = socketio.AsyncClient(reconnection=True, reconnection_attempts=0, reconnection_delay=0.5,
                                   reconnection_delay_max=2, randomization_factor=0.5)
        own = self.meeting_of(i)

        @sio.on("public")
        async def _public(data):
            self.records[i].append((data.get("v"), time.time(), "m"))
            if ((data.get("state") or {}).get("meeting") or {}).get("code") != own:
                self.leaks += 1

        @sio.on("connect")
        async def _connect():
            # live.js: on every (re)connect, fetch the snapshot; messages held meanwhile are applied after it.
            asyncio.get_running_loop().create_task(self._snapshot(i))

        return sio

    async def _snapshot(self, i: int) -> None:
        for _ in range(5):
            try:
                async with self.http.get(f"{self.url}/api/v1/meetings/{self.meeting_of(i)}/public") as r:
                    if r.status == 200:
                        data = await r.json()
                        self.records[i].append((data.get("v"), time.time(), "s"))
                        return
            except Exception:  # noqa: BLE001 - a phone retries
                pass
            await asyncio.sleep(0.3)

    async def connect_all(self, rate: float | None = None, within: float = 60.0) -> dict:
        """Connect every phone. `rate`: phones started per second by this process (None: all at once, at most
        `concurrency` handshakes in flight); a hall's phones arrive over minutes, not in one second. A phone whose
        handshake fails tries again after a back-off, as a real phone's Socket.IO client does, until `within` s
        after the start; only then is it counted as failed. Every failed attempt is counted by its error."""
        sem = asyncio.Semaphore(self.concurrency)
        t0 = time.time()
        deadline = t0 + within
        failed, errors = 0, {}

        async def one(k, i):
            nonlocal failed
            if rate:
                await asyncio.sleep(k / rate)
            sio = self._make(i)
            attempt = 0
            while True:
                async with sem:
                    try:
                        await sio.connect(self.url, transports=["websocket"], wait_timeout=20,
                                          auth={"meeting": self.meeting_of(i), "device": f"{self.tag}-phone-{i}"})
                        self.clients[i] = sio
                        return
                    except Exception as e:  # noqa: BLE001 - counted by kind, and the phone tries again
                        kind = f"{type(e).__name__}: {str(e)[:80]}"
                        errors[kind] = errors.get(kind, 0) + 1
                attempt += 1
                pause = min(5.0, 0.5 * 2 ** attempt) * (0.5 + random.random())
                if time.time() + pause > deadline:
                    failed += 1
                    return
                await asyncio.sleep(pause)

        await asyncio.gather(*(one(k, i) for k, i in enumerate(range(self.first, self.first + self.count))))
        return {"ok": len(self.clients), "failed": failed, "seconds": time.time() - t0,
                "attempts_failed": sum(errors.values()), "errors": errors}

    async def drop_all(self) -> dict:
        n = 0
        for sio in self.clients.values():
            ws = getattr(sio.eio, "ws", None)
            if ws is not None and sio.connected:
                n += 1
                sock = ws.get_extra_info("socket")
                if sock is not None:
                    # the link dies under the websocket: both ends read EOF, nobody says goodbye
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                else:
                    asyncio.get_running_loop().create_task(ws.close())
        return {"dropped": n, "t": time.time()}

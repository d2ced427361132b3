"""The real server (`python run.py`) in a subprocess, on a free port, with its own instance folder."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Every test client connects from 127.0.0.1, like a whole hall behind one NAT address: the organiser raises the
# per-address flood limits there (README), and so do the tests, except those that test the limits themselves.
ONE_ADDRESS_HALL = {"MODERATOR_SOCKETS_PER_ADDRESS": "100000", "MODERATOR_DEVICES_PER_ADDRESS": "100000",
                    "MODERATOR_OPEN_PER_ADDRESS": "100000", "MODERATOR_CONNECTIONS_PER_ADDRESS": "100000"}
ONE_ADDRESS_HALL_CONFIG = {"DEVICES_PER_ADDRESS": 100_000, "OPEN_PER_ADDRESS": 100_000}   # the in-process app's


def wait_healthy(url: str, deadline: float) -> bool:
    """Poll `url`/healthz until it answers 200 or time.time() passes `deadline`; whether it did."""
    while time.time() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


class ServerProcess:
    def __init__(self, instance: Path, demo: bool = True, env: dict | None = None, port: int | None = None,
                 async_mode: str = "eventlet", address_limits: bool = False):
        self.instance = Path(instance)
        self.demo = demo
        self.port = port or free_port()
        self.async_mode = async_mode
        self.env = {**os.environ, "MODERATOR_INSTANCE": str(self.instance), "PYTHONUNBUFFERED": "1",
                    "MODERATOR_ASYNC_MODE": async_mode}
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        if not address_limits:
            self.env.update(ONE_ADDRESS_HALL)
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        self.keys: dict[str, str] = {}
        self.lines: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "ServerProcess":
        self.instance.mkdir(parents=True, exist_ok=True)
        database = self.instance / "moderator.db"
        if "DATABASE_URL" not in self.env and not database.exists():
            # A fresh SQLite instance starts from a migrated copy: no migration child (~1 s). A test about the
            # migrations creates its database file before the start.
            from .templates import copy_migrated_sqlite
            copy_migrated_sqlite(database)
        cmd = [sys.executable, str(ROOT / "run.py"), "--host", "127.0.0.1", "--port", str(self.port),
               "--async-mode", self.async_mode]
        if self.demo:
            cmd.append("--demo")
        self.log_path = self.instance / f"server-{self.port}.log"
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(cmd, cwd=str(ROOT), env=self.env, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited: {self.proc.returncode}\n{self.log_path.read_text()[-3000:]}")
                continue
            self.lines.append(line.rstrip())
            m = re.match(r"^(\w+): (http\S+)$", line.strip())
            if m and "key=" in m.group(2):
                self.keys[m.group(1)] = m.group(2).split("key=", 1)[1]
            if "running at" in line:
                break
        self._wait_healthy(deadline)
        return self

    def _wait_healthy(self, deadline: float) -> None:
        if not wait_healthy(self.url, deadline):
            raise RuntimeError("server did not become healthy:\n" + self.log_path.read_text()[-3000:])

    def screen_url(self, role: str, code: str = "DEMO") -> str:
        screen = "chair" if role.startswith("chair") else role
        return f"{self.url}/m/{code}/{screen}?key={self.keys[role]}"

    def api(self, method: str, path: str, role: str | None = None, **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        if role:
            headers["X-Role-Key"] = self.keys[role]
        return requests.request(method, self.url + "/api/v1" + path, headers=headers, timeout=10, **kw)

    def kill(self) -> None:
        """kill -9: no shutdown handlers run (crash-safety tests)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "_log", None):
            self._log.close()

    def restart(self) -> "ServerProcess":
        self.stop()
        self.lines.clear()
        keys = dict(self.keys)
        self.start()
        self.keys = self.keys or keys
        return self

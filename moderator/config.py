"""Settings from the environment. Everything has a default that works on a laptop in a hall with no internet."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_dir() -> Path:
    return Path(os.environ.get("MODERATOR_INSTANCE", Path.cwd() / "instance"))


def _secret_key(instance: Path) -> str:
    """A stable secret per installation, so sessions survive a restart (and are shared by workers)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        return key


class Config:
    def __init__(self, **overrides):
        instance = _instance_dir()
        self.INSTANCE_DIR = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'moderator.db'}"
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.ASYNC_MODE = os.environ.get("MODERATOR_ASYNC_MODE", "eventlet")
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MODERATOR_MAX_BODY", 64 * 1024))
        self.BABEL_DEFAULT_LOCALE = "vi"
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_HTTPONLY = True
        self.PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
        self.AUTO_MIGRATE = os.environ.get("MODERATOR_AUTO_MIGRATE", "1") == "1"
        # Flood limits: per device and (generous: a whole hall shares one NAT address) per IP.
        self.RATE_DEVICE_PER_MINUTE = int(os.environ.get("MODERATOR_RATE_DEVICE", 20))
        self.RATE_IP_PER_MINUTE = int(os.environ.get("MODERATOR_RATE_IP", 3000))
        # Socket floods (web/socketguard.py): open Socket.IO connections per address, and the packets a connection
        # may send (clients send almost nothing: 4 packets to connect, then a pong every 20 s) before it is cut off.
        self.SOCKETS_PER_ADDRESS = int(os.environ.get("MODERATOR_SOCKETS_PER_ADDRESS", 50))
        # TCP connections the eventlet server holds in all, and per address (without a proxy; behind nginx,
        # nginx's limit_conn does it): a phone needs its socket and a few keep-alive connections.
        self.MAX_CONNECTIONS = int(os.environ.get("MODERATOR_MAX_CONNECTIONS", 5000))
        self.CONNECTIONS_PER_ADDRESS = int(os.environ.get("MODERATOR_CONNECTIONS_PER_ADDRESS", 200))
        # Connections the kernel queues for the server while it is busy (eventlet's own default is 50: in a connect
        # storm the 51st waited, nginx's connect timed out and it took the worker out of its upstream; the kernel
        # caps the value at net.core.somaxconn).
        self.LISTEN_BACKLOG = int(os.environ.get("MODERATOR_LISTEN_BACKLOG", 2048))
        # The server's garbage-collector thresholds (moderator/cli.py; Python's default is 700,10,10).
        self.GC_THRESHOLDS = tuple(int(x) for x in os.environ.get("MODERATOR_GC_THRESHOLD", "20000,10,10").split(","))
        self.SOCKET_PACKETS_PER_SECOND = float(os.environ.get("MODERATOR_SOCKET_RATE", 5))
        self.SOCKET_PACKET_BURST = int(os.environ.get("MODERATOR_SOCKET_BURST", 100))
        # Inbox floods (domain/floods.py): devices that may file requests from one address, and open requests
        # from one address, per meeting (the organiser may set other values per meeting; behind NAT, raise them).
        self.DEVICES_PER_ADDRESS = int(os.environ.get("MODERATOR_DEVICES_PER_ADDRESS", 10))
        self.OPEN_PER_ADDRESS = int(os.environ.get("MODERATOR_OPEN_PER_ADDRESS", 20))
        # How long a write waits for SQLite's write lock held by another connection (a backup, a second process)
        # before it is refused with a 503 and Retry-After; the loop keeps serving everyone meanwhile.
        self.DB_BUSY_WAIT = float(os.environ.get("MODERATOR_DB_BUSY_WAIT", 15))
        # Follow-up code lookups per IP (/k/<code>): far too few to guess a code, plenty for a family at home.
        self.RATE_FOLLOW_PER_MINUTE = int(os.environ.get("MODERATOR_RATE_FOLLOW", 30))
        self.PUBLIC_COALESCE_MS = int(os.environ.get("MODERATOR_PUBLIC_COALESCE_MS", 100))
        self.PUBLIC_COALESCE_DELEGATE_MS = int(os.environ.get("MODERATOR_PUBLIC_COALESCE_DELEGATE_MS", 1000))
        # Behind nginx (docs/deployment.md): how many proxies to trust for X-Forwarded-For/-Proto (0 = none),
        # and the Redis pub/sub channel (one per installation: channels ignore Redis's database number).
        self.PROXIES = int(os.environ.get("MODERATOR_PROXIES", 0))
        self.SOCKETIO_CHANNEL = os.environ.get("MODERATOR_SOCKETIO_CHANNEL", "flask-socketio")
        # Staff sessions (organiser login, opened role links) end after this long without a request or an open
        # socket; the organiser sees each one's expiry on the role-links page and can end it.
        self.SESSION_IDLE_MINUTES = float(os.environ.get("MODERATOR_SESSION_IDLE_MINUTES", 240))
        # Join codes: after this many unknown codes from one address in 10 minutes, it waits (2 s, doubling).
        self.JOIN_CODE_MISSES = int(os.environ.get("MODERATOR_JOIN_CODE_MISSES", 20))
        # Notifications after the meeting (services/notify.py): a channel is on when its address is set.
        env = os.environ.get
        self.SMTP_HOST = env("MODERATOR_SMTP_HOST", "")
        self.SMTP_PORT = int(env("MODERATOR_SMTP_PORT", 25))
        self.SMTP_FROM = env("MODERATOR_SMTP_FROM", "")
        self.SMTP_USER = env("MODERATOR_SMTP_USER", "")
        self.SMTP_PASSWORD = env("MODERATOR_SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = env("MODERATOR_SMTP_STARTTLS", "0") == "1"
        self.SMS_WEBHOOK_URL = env("MODERATOR_SMS_WEBHOOK_URL", "")
        self.SMS_WEBHOOK_TOKEN = env("MODERATOR_SMS_WEBHOOK_TOKEN", "")
        self.NOTIFY_INTERVAL = float(env("MODERATOR_NOTIFY_INTERVAL", 5))
        self.NOTIFY_RETRY_SECONDS = float(env("MODERATOR_NOTIFY_RETRY_SECONDS", 30))
        self.NOTIFY_MAX_ATTEMPTS = int(env("MODERATOR_NOTIFY_MAX_ATTEMPTS", 5))
        self.NOTIFY_TIMEOUT = float(env("MODERATOR_NOTIFY_TIMEOUT", 10))
        self.NOTIFY_SCAN_SECONDS = float(env("MODERATOR_NOTIFY_SCAN_SECONDS", 600))
        self.TESTING = False
        for k, v in overrides.items():
            setattr(self, k, v)

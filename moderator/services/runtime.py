"""The runtime the services need: database sessions and the publisher. Built once by the app factory;
tests build it directly."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..db.engine import BUSY_WAIT_SECONDS, make_engine, make_write_engine


class NullPublisher:
    """Publishes nothing; records what it was given (used where no socket server runs, e.g. the CLI)."""

    def __init__(self):
        self.published: list = []

    def publish(self, change) -> None:
        self.published.append(change)


@dataclass
class Runtime:
    engine: Engine
    write_session: sessionmaker
    read_session: sessionmaker
    publisher: Any
    config: Any = None
    clock: Callable[[], float] | None = None
    extras: dict = field(default_factory=dict)
    busy_wait: float = BUSY_WAIT_SECONDS    # how long a write may wait for the database's write lock
    # The web layer's session its caller was identified in, for the change to continue (web/auth.py), or None.
    adopt_session: Callable[[], Session | None] | None = None

    @classmethod
    def from_url(cls, url: str, publisher=None, config=None) -> "Runtime":
        busy_wait = float(getattr(config, "DB_BUSY_WAIT", BUSY_WAIT_SECONDS))
        engine = make_engine(url, busy_wait)
        write_engine = make_write_engine(engine, busy_wait)
        return cls(engine=engine,
                   write_session=sessionmaker(write_engine, expire_on_commit=False),
                   read_session=sessionmaker(engine, expire_on_commit=False),
                   publisher=publisher or NullPublisher(), config=config, busy_wait=busy_wait)

    def read(self) -> Session:
        return self.read_session()

"""A small pool of psycopg 3 connections to one PostgreSQL database, safe to share between threads.

A caller borrows a connection for one transaction (or one autocommit statement) and gives it back;
idle connections are kept for the next caller up to a bound, so a server's thread pool reuses a
handful of connections, and a thread that ends leaves nothing open. A connection that comes back
broken or inside a transaction is closed, never reused.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

Connection = psycopg.Connection[tuple[Any, ...]]

_IDLE_LIMIT = 8
_DRIVER = re.compile(r"^postgres(?:ql)?\+\w+://")


def libpq_url(url: str) -> str:
    """``url`` as libpq reads it: a SQLAlchemy URL's driver (``postgresql+psycopg://``) is dropped."""
    return _DRIVER.sub("postgresql://", url)


class ConnectionPool:
    """Connections to ``url`` (a libpq URL or key=value string), opened on demand."""

    def __init__(self, url: str, *, idle_limit: int = _IDLE_LIMIT) -> None:
        self._url = libpq_url(url)
        self._idle: list[Connection] = []
        self._idle_limit = idle_limit
        self._lock = threading.Lock()
        self._closed = False

    def _open(self) -> Connection:
        # Autocommit: transactions are explicit (``transaction``), so an idle connection holds no snapshot.
        connection = psycopg.connect(self._url, autocommit=True)
        # The index's queries are short; once a plan's cost passes jit_above_cost (a scan of a large
        # dataset) compiling it took longer than running it.
        connection.execute("SET jit = off")
        return connection

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection in autocommit mode, returned to the pool afterwards."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the PostgreSQL chunk index is closed")
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = self._open()
        try:
            yield connection
        finally:
            self._give_back(connection)

    def _give_back(self, connection: Connection) -> None:
        reusable = not connection.closed and connection.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            if reusable and not self._closed and len(self._idle) < self._idle_limit:
                self._idle.append(connection)
                return
        connection.close()

    @contextmanager
    def transaction(self, *, read_only: bool = False, repeatable: bool = False) -> Iterator[Connection]:
        """A connection inside one transaction, committed when the block ends (rolled back on an
        error). ``repeatable``: every statement sees the same snapshot (REPEATABLE READ)."""
        with self.connection() as connection, connection.transaction():
            if read_only or repeatable:
                level = "REPEATABLE READ" if repeatable else "READ COMMITTED"
                connection.execute(f"SET TRANSACTION ISOLATION LEVEL {level}{' READ ONLY' if read_only else ''}")
            yield connection

    def close(self) -> None:
        """Close the idle connections; borrowed ones close when they come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

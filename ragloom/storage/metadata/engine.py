"""Engines for the metadata store.

SQLite gets WAL, foreign keys and full fsync. The stdlib driver's implicit transactions
are switched off and transactions are begun explicitly: ``BEGIN IMMEDIATE`` for a
connection opened for writing (execution option ``writing=True``), plain ``BEGIN``
otherwise. Taking the write lock up front means two writers queue on the busy timeout
instead of failing when one tries to upgrade a read lock (SQLITE_BUSY_SNAPSHOT).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url


def create_metadata_engine(url: str, *, busy_timeout_ms: int = 30_000) -> Engine:
    """An engine for ``url``, tuned for concurrent use when it is SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get("writing", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine

"""The databases the operator lets ExeSQL query (``[[agents.databases]]``), by name.

A DSL only names a database; where it is and how to log in is the operator's. Each run of
statements gets its own connection, and each statement its own transaction, so a failing
statement neither aborts the others nor leaves a transaction behind.

Read-only (the default) is enforced by the connection and the transaction, not by reading the
SQL: SQLite files are opened read-only by SQLite itself; PostgreSQL and MySQL/MariaDB sessions
default to read-only transactions and every statement runs in a transaction declared read-only
(PostgreSQL's pinned by a first query, so it cannot be switched back) that is always rolled back.
That holds only while each call sends one statement — several in one text could ``COMMIT`` and
switch the session back — so read-only is accepted only with drivers whose protocol refuses
several: psycopg 3 with every statement prepared (``postgresql+psycopg://``) and PyMySQL
(``mysql+pymysql://``, which does not enable multiple statements). Other drivers and dialects
are refused as read-only (configure ``read_only = false`` with an account without write
privileges). SQLite connections can attach no other database file, read-only or not.

The time limit covers the whole run: SQLite is interrupted, PostgreSQL and MySQL are told the
statement timeout the run has left; a run that goes past it fails.
"""

from __future__ import annotations

import datetime
import decimal
import logging
import math
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from ragloom.agents.toolbox import SqlQuery, StatementResult
from ragloom.errors import ConfigError, ProviderError
from ragloom.settings import AgentDatabase

log = logging.getLogger(__name__)

SETTING = "[[agents.databases]]"
READ_ONLY_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
"""The driver each dialect needs to be read-only: one that sends one statement per call."""


class ConfiguredDatabases:
    """The operator's databases; an engine is made on first use, all are closed together."""

    def __init__(self, databases: list[AgentDatabase]) -> None:
        self._settings = {database.name: database for database in databases}
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def usable_by(self, tenant_id: str) -> list[str]:
        """The names of the databases ``tenant_id`` may query."""
        return [
            name for name, database in self._settings.items() if not database.tenants or tenant_id in database.tenants
        ]

    def run(self, tenant_id: str, query: SqlQuery) -> list[StatementResult]:
        """Run ``query`` (see the module docstring) for ``tenant_id``."""
        database = self._chosen(tenant_id, query.database)
        engine = self._engine(database)
        limit = min(query.max_records, database.max_records)
        deadline = time.monotonic() + database.timeout_seconds
        results: list[StatementResult] = []
        with self._connected(database, engine) as connection:
            for statement in query.statements:
                if time.monotonic() >= deadline:
                    raise _too_slow(database)
                results.append(_statement(connection, database, statement, limit, deadline))
        return results

    def close(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def _chosen(self, tenant_id: str, name: str) -> AgentDatabase:
        usable = self.usable_by(tenant_id)
        name = name.strip()
        if not name and len(usable) == 1:
            return self._settings[usable[0]]
        if name in usable:
            return self._settings[name]
        offered = f" (this tenant may use: {', '.join(usable)})" if usable else ""
        named = f"no database named '{name}'" if name else "no database named"
        raise ConfigError(
            f"ExeSQL: {named} is configured for this tenant{offered}; the operator adds databases as "
            f"{SETTING} with a name and a SQLAlchemy url in ragloom's settings."
        )

    def _engine(self, database: AgentDatabase) -> Engine:
        with self._lock:
            engine = self._engines.get(database.name)
            if engine is None:
                engine = _engine_for(database)
                self._engines[database.name] = engine
            return engine

    @contextmanager
    def _connected(self, database: AgentDatabase, engine: Engine) -> Iterator[Connection]:
        try:
            connection = engine.connect()
        except SQLAlchemyError as error:
            log.warning("database %s cannot be reached: %s", database.name, error)
            raise ProviderError(f"ExeSQL: the database '{database.name}' cannot be reached") from None
        with connection:
            yield connection


def _engine_for(database: AgentDatabase) -> Engine:
    url = make_url(database.url.get_secret_value())
    dialect, driver = url.get_backend_name(), url.get_driver_name()
    if database.read_only and (READ_ONLY_DRIVERS.get(dialect) != driver or "client_flag" in url.query):
        raise ConfigError(
            f"ExeSQL: ragloom cannot keep the database '{database.name}' ({dialect}+{driver}) read-only: that needs "
            "sqlite://, postgresql+psycopg:// or mysql+pymysql://, whose drivers send one statement at a time; "
            f"or configure it with read_only = false and an account without write privileges ({SETTING})."
        )
    if dialect == "sqlite":
        path = url.database or ""
        return create_engine(
            "sqlite://", creator=lambda: _sqlite_connection(path, database.read_only), poolclass=NullPool
        )
    # psycopg prepares every statement: PostgreSQL refuses a prepared statement holding several
    connect_args = {"prepare_threshold": 0} if driver == "psycopg" else {}
    engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4, connect_args=connect_args)
    if database.read_only:
        event.listen(engine, "connect", _read_only_session(dialect))
    return engine


def _sqlite_connection(path: str, read_only: bool) -> sqlite3.Connection:
    if path and path != ":memory:" and read_only:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False)
    else:
        connection = sqlite3.connect(path or ":memory:", check_same_thread=False)
    connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)  # ATTACH would open (or create) any file
    if read_only:
        connection.execute("PRAGMA query_only = ON")
    return connection


def _read_only_session(dialect: str) -> Any:
    statement = (
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
        if dialect == "postgresql"
        else "SET SESSION TRANSACTION READ ONLY"
    )

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
        dbapi_connection.commit()

    return on_connect


def _statement(
    connection: Connection, database: AgentDatabase, statement: str, limit: int, deadline: float
) -> StatementResult:
    dialect = connection.dialect.name
    remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
    watchdog = _sqlite_watchdog(connection, deadline) if dialect == "sqlite" else None
    raw = connection.execution_options(no_parameters=True)
    try:
        with raw.begin() as transaction:
            _limit_transaction(raw, dialect, database.read_only, remaining_ms)
            result = raw.exec_driver_sql(statement)
            columns = list(result.keys()) if result.returns_rows else []
            rows = [[_plain(value) for value in row] for row in result.fetchmany(limit + 1)] if columns else []
            result.close()
            if database.read_only:
                transaction.rollback()
        return StatementResult(statement, columns, rows[:limit], truncated=len(rows) > limit)
    except DBAPIError as error:
        if _timed_out(error, deadline):
            raise _too_slow(database) from None
        reason = str(error.orig).strip() or type(error.orig).__name__
        if _is_read_only_refusal(reason) and database.read_only:
            reason += f" (the database '{database.name}' is read-only)"
        return StatementResult(statement, error=reason)
    finally:
        if watchdog is not None:
            watchdog.cancel()


def _limit_transaction(connection: Connection, dialect: str, read_only: bool, remaining_ms: int) -> None:
    if dialect == "postgresql":
        if read_only:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {remaining_ms}")
        connection.exec_driver_sql("SELECT 1")  # takes the snapshot: the mode can no longer change
    elif dialect in ("mysql", "mariadb"):
        connection.exec_driver_sql(f"SET SESSION max_execution_time = {remaining_ms}")


def _sqlite_watchdog(connection: Connection, deadline: float) -> threading.Timer:
    dbapi_connection: Any = connection.connection.dbapi_connection  # sqlite3's, behind SQLAlchemy's protocol
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), dbapi_connection.interrupt)
    timer.daemon = True
    timer.start()
    return timer


def _timed_out(error: DBAPIError, deadline: float) -> bool:
    """Whether the statement was stopped by the time limit: past the deadline, or cancelled by the
    statement timeout the run had left (PostgreSQL's ``57014``, MySQL's 3024)."""
    if time.monotonic() >= deadline:
        return True
    cause = error.orig
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    code = cause.args[0] if cause is not None and cause.args else None
    return state == "57014" or code == 3024


def _is_read_only_refusal(reason: str) -> bool:
    lowered = reason.lower()
    return "readonly" in lowered or "read-only" in lowered or "read only" in lowered


def _too_slow(database: AgentDatabase) -> ProviderError:
    return ProviderError(
        f"ExeSQL: the statements did not finish within {database.timeout_seconds:g} seconds, the time limit of "
        f"the database '{database.name}' ({SETTING} timeout_seconds)."
    )


def _plain(value: Any) -> Any:
    """A column value as JSON holds it (RAGFlow's conversions: decimals as numbers, NaN as null)."""
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value

"""The metadata store: transactions that hand out repositories."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ragloom.storage.metadata.agents import AgentRepository
from ragloom.storage.metadata.api_keys import ApiKeyRepository
from ragloom.storage.metadata.chats import ChatRepository
from ragloom.storage.metadata.datasets import DatasetRepository
from ragloom.storage.metadata.documents import DocumentRepository
from ragloom.storage.metadata.engine import create_metadata_engine
from ragloom.storage.metadata.enrichment import EnrichmentRepository
from ragloom.storage.metadata.evaluations import EvaluationRepository
from ragloom.storage.metadata.mcp_servers import McpServerRepository
from ragloom.storage.metadata.memories import MemoryRepository
from ragloom.storage.metadata.migrations import SCHEMA_HEAD
from ragloom.storage.metadata.search_apps import SearchAppRepository
from ragloom.storage.metadata.tasks import TaskRepository
from ragloom.storage.metadata.tenant_models import TenantModelRepository
from ragloom.storage.metadata.tenants import TenantRepository

MIGRATIONS = Path(__file__).parent / "migrations"


class Transaction:
    """One unit of work: every repository shares the same database transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tenants = TenantRepository(session)
        self.api_keys = ApiKeyRepository(session)
        self.datasets = DatasetRepository(session)
        self.documents = DocumentRepository(session)
        self.tasks = TaskRepository(session)
        self.chats = ChatRepository(session)
        self.tenant_models = TenantModelRepository(session)
        self.agents = AgentRepository(session)
        self.search_apps = SearchAppRepository(session)
        self.memories = MemoryRepository(session)
        self.mcp_servers = McpServerRepository(session)
        self.enrichment = EnrichmentRepository(session)
        self.evaluations = EvaluationRepository(session)


MIGRATION_LOCK = 0x7261676C6F6F6D  # "ragloom": the advisory lock PostgreSQL migrations hold
# SQLSTATEs of a transaction PostgreSQL aborted to let others go on: run it again and it succeeds.
_RETRYABLE = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
_ATTEMPTS = 5
P = ParamSpec("P")
R = TypeVar("R")


def retried(work: Callable[P, R]) -> Callable[P, R]:
    """Run ``work`` — one unit of work in a write transaction, safe to run again from the start —
    again when PostgreSQL aborted its transaction to break a deadlock (two transactions locking
    the same rows in opposite orders: a worker's task-then-document against a request's
    document-then-task) or a serialization failure; the fifth failure propagates. The aborted
    transaction was rolled back, so nothing of it remains. SQLite serializes writers: no retries."""

    @functools.wraps(work)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, _ATTEMPTS):
            try:
                return work(*args, **kwargs)
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", None) not in _RETRYABLE:
                    raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # apart, so that the two do not meet again
        return work(*args, **kwargs)

    return run


class MetadataStore:
    """Opens read and write transactions on the metadata database."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 30_000) -> None:
        self.url = url
        self.engine = create_metadata_engine(url, busy_timeout_ms=busy_timeout_ms)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self.engine.execution_options(writing=True), expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A read-only transaction (a consistent snapshot)."""
        with self._reader() as session, session.begin():
            yield Transaction(session)

    @contextmanager
    def writing(self) -> Iterator[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        with self._writer() as session, session.begin():
            yield Transaction(session)

    def schema_version(self) -> str | None:
        """The revision the database is at, or ``None`` before the first migration."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (safe to run from several processes)."""
        if self.schema_version() == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.execution_options(writing=True).begin() as connection:
            if connection.dialect.name == "postgresql":
                # servers starting together on one database migrate one after the other (SQLite's
                # writing transactions already do): the second finds the schema at head, does nothing
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

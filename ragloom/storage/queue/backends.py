"""The task queue's backends by name (``[queue] backend``; default: the ``[database] backend``).

The queue lives in the metadata database (see :mod:`ragloom.storage.queue.protocol`), so a
backend refuses a database of another engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragloom.errors import ConfigError
from ragloom.storage.queue.postgresql import PostgresTaskQueue
from ragloom.storage.queue.protocol import TaskQueue
from ragloom.storage.queue.sqlite import SqliteTaskQueue
from ragloom.storage.registry import Registry

if TYPE_CHECKING:
    from ragloom.settings import Settings


def _same_engine(settings: Settings, name: str) -> None:
    if settings.database.backend != name:
        raise ConfigError(
            f"queue.backend is {name!r} but database.backend is {settings.database.backend!r}: "
            "the task queue lives in the metadata database, so both must name the same engine"
        )


def sqlite_task_queue(settings: Settings) -> TaskQueue:
    """Tasks in the SQLite metadata database (one machine)."""
    _same_engine(settings, "sqlite")
    return SqliteTaskQueue()


def postgres_task_queue(settings: Settings) -> TaskQueue:
    """Tasks in the PostgreSQL metadata database, claimed ``FOR UPDATE SKIP LOCKED`` by workers on many hosts."""
    _same_engine(settings, "postgresql")
    return PostgresTaskQueue()


def builtin_task_queues() -> Registry[TaskQueue]:
    """A registry of the task queues ragloom ships."""
    registry: Registry[TaskQueue] = Registry("queue.backend")
    registry.register("sqlite", sqlite_task_queue)
    registry.register("postgresql", postgres_task_queue)
    return registry

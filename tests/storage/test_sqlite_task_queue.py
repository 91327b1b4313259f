"""The embedded task queue (SQLite) passes the task queue conformance suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ragloom.storage.metadata import MetadataStore
from ragloom.storage.queue import TaskQueue
from ragloom.storage.queue.sqlite import SqliteTaskQueue
from ragloom.testing.task_queue import TaskQueueConformance


class TestSqliteTaskQueue(TaskQueueConformance):
    @pytest.fixture
    def task_store(self, tmp_path: Path) -> Iterator[MetadataStore]:
        store = MetadataStore(f"sqlite:///{tmp_path / 'ragloom.db'}")
        store.migrate()
        yield store
        store.close()

    @pytest.fixture
    def task_queue(self) -> TaskQueue:
        return SqliteTaskQueue()

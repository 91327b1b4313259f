"""The scale-out task queue (PostgreSQL) passes the task queue conformance suite on a real server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ragloom.storage.metadata import MetadataStore
from ragloom.storage.queue import TaskQueue
from ragloom.storage.queue.postgresql import PostgresTaskQueue
from ragloom.testing.task_queue import TaskQueueConformance

pytestmark = pytest.mark.integration


class TestPostgresTaskQueue(TaskQueueConformance):
    @pytest.fixture
    def task_store(self, postgres_url: str) -> Iterator[MetadataStore]:
        store = MetadataStore(postgres_url)
        store.migrate()
        yield store
        store.close()

    @pytest.fixture
    def task_queue(self) -> TaskQueue:
        return PostgresTaskQueue()

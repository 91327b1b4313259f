"""A dataset's RAPTOR summaries on request (contract §13.3, ``/datasets/{id}/index?type=raptor``).

Starting queues a :attr:`~ragloom.services.task_ledger.TaskKind.RAPTOR` task that the workers run
(:mod:`ragloom.enrich.raptor_build`); its progress and log are the task's own, read back as the
task row. Removing cancels the build under way and removes every summary of the dataset.
"""

from __future__ import annotations

from typing import Any

from ragloom.clock import now_ms
from ragloom.enrich.raptor_build import remove_summaries
from ragloom.errors import DataError
from ragloom.services.dataset_access import no_authorization, owned_dataset
from ragloom.services.index_tasks import task_row
from ragloom.services.task_ledger import TaskKind, dataset_task
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tasks import ACTIVE
from ragloom.storage.queue import TaskQueue


class RaptorIndexService:
    """Starts, reads and removes the caller's datasets' RAPTOR builds."""

    def __init__(self, store: MetadataStore, index: ChunkIndex, queue: TaskQueue) -> None:
        self._store = store
        self._index = index
        self._queue = queue

    def start(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """Queue a build; refused while one is under way or when the dataset has no documents."""
        with self._store.writing() as tx:
            dataset = owned_dataset(tx, caller, dataset_id, no_authorization())
            if not tx.documents.of_dataset(dataset.id):
                raise DataError(f"No documents in Dataset {dataset.id}")
            for task in tx.tasks.of_dataset(dataset.id, TaskKind.RAPTOR.value):
                if task.status in ACTIVE:
                    raise DataError(
                        f"Task {task.id} in progress with status {task.progress}. A RAPTOR Task is already running."
                    )
            task = self._queue.enqueue(tx, dataset_task(dataset.id, dataset.tenant_id, TaskKind.RAPTOR))
            return {"task_id": task.id}

    def trace(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The newest build's task row, or ``{}`` when there was none."""
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            tasks = tx.tasks.of_dataset(dataset_id, TaskKind.RAPTOR.value)
            return task_row(tasks[0], TaskKind.RAPTOR.value) if tasks else {}

    def delete(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """Cancel the build under way (a running one stops at its next checkpoint and removes what it
        wrote) and remove every summary of the dataset."""
        with self._store.writing() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            now = now_ms()
            for task in tx.tasks.of_dataset(dataset_id, TaskKind.RAPTOR.value):
                if task.status in ACTIVE:
                    self._queue.cancel(tx, task.id, now=now)
        remove_summaries(self._store, self._index, dataset_id)
        return {}

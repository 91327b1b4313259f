"""A dataset's RAPTOR summaries on request (contract §13.3, ``/datasets/{id}/index?type=raptor``).

Starting queues a :attr:`~ragloom.services.task_ledger.TaskKind.RAPTOR` task that the workers run
(:mod:`ragloom.enrich.raptor_build`); its progress and log are the task's own, read back as the
task row. Removing cancels the build under way and removes every summary of the dataset.
"""

from __future__ import annotations

from typing import Any

from ragloom.clock import http_date, now_ms
from ragloom.enrich.raptor_build import DATASET_OWNER, remove_summaries
from ragloom.errors import DataError
from ragloom.services.dataset_access import no_authorization, owned_dataset
from ragloom.services.task_ledger import TaskKind, dataset_task
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Task
from ragloom.storage.metadata.tasks import ACTIVE

WHOLE_DOCUMENT = 100_000_000
"""RAGFlow's page bounds of a task over whole documents."""


def task_row(task: Task) -> dict[str, Any]:
    """A build task as RAGFlow's ``trace_raptor`` returns its task row."""
    ended = task.end_time or task.update_time
    return {
        "id": task.id,
        "doc_id": DATASET_OWNER,
        "from_page": WHOLE_DOCUMENT,
        "to_page": WHOLE_DOCUMENT,
        "task_type": TaskKind.RAPTOR.value,
        "priority": 0,
        "begin_at": http_date(task.begin_time),
        "process_duration": round((ended - task.begin_time) / 1000, 3) if task.begin_time else 0.0,
        "progress": task.progress,
        "progress_msg": task.progress_msg,
        "retry_count": max(task.attempts - 1, 0),
        "digest": "",
        "chunk_ids": "",
        "create_time": task.create_time,
        "create_date": http_date(task.create_time),
        "update_time": task.update_time,
        "update_date": http_date(task.update_time),
    }


class RaptorIndexService:
    """Starts, reads and removes the caller's datasets' RAPTOR builds."""

    def __init__(self, store: MetadataStore, index: ChunkIndex) -> None:
        self._store = store
        self._index = index

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
            task = tx.tasks.add(dataset_task(dataset.id, dataset.tenant_id, TaskKind.RAPTOR))
            return {"task_id": task.id}

    def trace(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The newest build's task row, or ``{}`` when there was none."""
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            tasks = tx.tasks.of_dataset(dataset_id, TaskKind.RAPTOR.value)
            return task_row(tasks[0]) if tasks else {}

    def delete(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """Cancel the build under way (a running one stops at its next checkpoint and removes what it
        wrote) and remove every summary of the dataset."""
        with self._store.writing() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            now = now_ms()
            for task in tx.tasks.of_dataset(dataset_id, TaskKind.RAPTOR.value):
                if task.status == "queued":
                    task.status, task.end_time, task.update_time = "cancelled", now, now
                elif task.status == "running":
                    task.status, task.update_time = "cancelling", now
        remove_summaries(self._store, self._index, dataset_id)
        return {}

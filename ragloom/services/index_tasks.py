"""The task row of a dataset-wide build (knowledge graph, RAPTOR, mind map), as RAGFlow's
``trace_graphrag`` / ``trace_raptor`` (``GET /datasets/{id}/index?type=…``) return it, with the
task's ``status`` and dataset beside RAGFlow's columns; and :class:`DatasetBuilds`, what starting,
reading and cancelling such a build does whatever it builds."""

from __future__ import annotations

from typing import Any

from ragloom.clock import http_date, now_ms
from ragloom.enrich.raptor_build import DATASET_OWNER
from ragloom.errors import DataError
from ragloom.services.dataset_access import no_authorization, owned_dataset
from ragloom.services.task_ledger import TaskKind, append_log, dataset_task
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.tables import Dataset, Task
from ragloom.storage.metadata.tasks import ACTIVE
from ragloom.storage.queue import TaskQueue

WHOLE_DOCUMENT = 100_000_000
"""RAGFlow's page bounds of a task over whole documents."""


def task_row(task: Task, task_type: str) -> dict[str, Any]:
    """``task`` as RAGFlow's task row; ``task_type`` is RAGFlow's name of the build (``graphrag``, ``raptor``)."""
    ended = task.end_time or task.update_time
    return {
        "id": task.id,
        "doc_id": DATASET_OWNER,
        "kb_id": task.dataset_id,
        "from_page": WHOLE_DOCUMENT,
        "to_page": WHOLE_DOCUMENT,
        "task_type": task_type,
        "priority": 0,
        "status": task.status,
        "begin_at": http_date(task.begin_time),
        "process_duration": round((ended - task.begin_time) / 1000, 3) if task.begin_time else 0.0,
        "progress": 1.0 if task.status == "done" else task.progress,
        "progress_msg": task.progress_msg,
        "retry_count": max(task.attempts - 1, 0),
        "digest": "",
        "chunk_ids": "",
        "create_time": task.create_time,
        "create_date": http_date(task.create_time),
        "update_time": task.update_time,
        "update_date": http_date(task.update_time),
    }


class DatasetBuilds:
    """The caller's datasets' builds of one ``kind`` (RAGFlow names it ``name`` in its refusals):
    one queued or running at a time per dataset, read back as the newest task's row."""

    def __init__(self, store: MetadataStore, queue: TaskQueue, kind: TaskKind, name: str) -> None:
        self._store = store
        self._queue = queue
        self._kind = kind
        self._name = name

    def start(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """Queue a build; refused while one is under way or when the dataset has no documents."""
        with self._store.writing() as tx:
            dataset = owned_dataset(tx, caller, dataset_id, no_authorization())
            if not tx.documents.of_dataset(dataset.id):
                raise DataError(f"No documents in Dataset {dataset.id}")
            for task in tx.tasks.of_dataset(dataset.id, self._kind.value):
                if task.status in ACTIVE:
                    raise DataError(
                        f"Task {task.id} in progress with status {task.progress}. "
                        f"A {self._name} Task is already running."
                    )
            task = self._queue.enqueue(tx, dataset_task(dataset.id, dataset.tenant_id, self._kind))
            return {"task_id": task.id}

    def trace(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The newest build's task row, or ``{}`` when there was none."""
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            tasks = tx.tasks.of_dataset(dataset_id, self._kind.value)
            return task_row(tasks[0], self._kind.value) if tasks else {}

    def cancel(self, tx: Transaction, caller: Caller, dataset_id: str) -> Dataset:
        """Cancel the caller's dataset's builds under way (in ``tx``); returns the dataset."""
        dataset = owned_dataset(tx, caller, dataset_id, no_authorization())
        now = now_ms()
        for task in tx.tasks.of_dataset(dataset_id, self._kind.value):
            if task.status in ACTIVE:
                self._queue.cancel(tx, task.id, now=now)
                append_log(task, "Cancelled by the user.")
                task.update_time = now
        return dataset

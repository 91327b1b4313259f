"""A dataset's RAPTOR summaries on request (contract §13.3, ``/datasets/{id}/index?type=raptor``).

Starting queues a :attr:`~ragloom.services.task_ledger.TaskKind.RAPTOR` task that the workers run
(:mod:`ragloom.enrich.raptor_build`); its progress and log are the task's own, read back as the
task row. Removing cancels the build under way and, unless ``wipe=false``, removes every summary
of the dataset (a cancelled build removes only what it wrote itself).
"""

from __future__ import annotations

from typing import Any

from ragloom.enrich.raptor_build import remove_summaries
from ragloom.services.index_tasks import DatasetBuilds
from ragloom.services.task_ledger import TaskKind
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.queue import TaskQueue


class RaptorIndexService:
    """Starts, reads and removes the caller's datasets' RAPTOR builds."""

    def __init__(self, store: MetadataStore, index: ChunkIndex, queue: TaskQueue) -> None:
        self._store = store
        self._index = index
        self._builds = DatasetBuilds(store, queue, TaskKind.RAPTOR, "RAPTOR")

    def start(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """Queue a build; refused while one is under way or when the dataset has no documents."""
        return self._builds.start(caller, dataset_id)

    def trace(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The newest build's task row, or ``{}`` when there was none."""
        return self._builds.trace(caller, dataset_id)

    def delete(self, caller: Caller, dataset_id: str, *, wipe: bool = True) -> dict[str, Any]:
        """Cancel the build under way (a running one stops at its next checkpoint and removes what it
        wrote) and, with ``wipe``, remove every summary of the dataset."""
        with self._store.writing() as tx:
            self._builds.cancel(tx, caller, dataset_id)
        if wipe:
            remove_summaries(self._store, self._index, dataset_id)
        return {}

"""A dataset's mind map on request (contract §13.3, ``/datasets/{id}/index?type=mindmap``).

Starting queues a :attr:`~ragloom.services.task_ledger.TaskKind.MINDMAP` task that the workers run
(:mod:`ragloom.enrich.mind_map_build`); its progress and log are the task's own, read back as the
task row. The tree is the dataset's ``mind_map`` (``GET /datasets/{id}/graph`` shows it). Removing
cancels the build under way and, unless ``wipe=false``, removes the tree.
"""

from __future__ import annotations

from typing import Any

from ragloom.services.index_tasks import DatasetBuilds
from ragloom.services.task_ledger import TaskKind
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.queue import TaskQueue


class MindMapIndexService:
    """Starts, reads and removes the caller's datasets' mind maps."""

    def __init__(self, store: MetadataStore, queue: TaskQueue) -> None:
        self._store = store
        self._builds = DatasetBuilds(store, queue, TaskKind.MINDMAP, "Mindmap")

    def start(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """Queue a build; refused while one is under way or when the dataset has no documents."""
        return self._builds.start(caller, dataset_id)

    def trace(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The newest build's task row, or ``{}`` when there was none."""
        return self._builds.trace(caller, dataset_id)

    def delete(self, caller: Caller, dataset_id: str, *, wipe: bool = True) -> dict[str, Any]:
        """Cancel the build under way (it writes nothing after that) and, with ``wipe``, remove the tree."""
        with self._store.writing() as tx:
            dataset = self._builds.cancel(tx, caller, dataset_id)
            if wipe:
                dataset.mind_map = None
        return {}

"""The worker side of a dataset's knowledge graph: one task builds it whole and writes it once.

1. :class:`~ragloom.enrich.graph.GraphBuilder` builds the graph in memory from the dataset's
   chunks (model answers are cached as they arrive, so a run that is cancelled, killed or taken
   back pays again only for what it had not been answered yet).
2. After a last cancellation check, :meth:`~ragloom.storage.index.ChunkIndex.replace_graph`
   writes it in one atomic step in place of the old one: a cancelled or killed run leaves the
   previous graph as it was, and a second run replaces the first's graph instead of adding to it,
   so entities are never duplicated.
"""

from __future__ import annotations

import time

from ragloom.enrich.graph import GraphBuilder
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.services.task_handling import TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore


class GraphHandler:
    """Runs knowledge-graph tasks (:class:`~ragloom.services.task_ledger.TaskKind` ``GRAPH``)."""

    def __init__(self, builder: GraphBuilder, index: ChunkIndex, store: MetadataStore) -> None:
        self._builder = builder
        self._index = index
        self._store = store

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        started = time.perf_counter()
        built = self._builder.build(task.dataset_id, context)
        context.check()
        self._index.replace_graph(task.dataset_id, built.records)
        if not self._dataset_exists(task.dataset_id):  # deleted while this task built: leave nothing
            self._index.delete_graph(task.dataset_id)
            raise IngestCancelledError
        usage = built.usage.get("graph")
        calls = f"{usage.calls} model calls, {usage.cached} from cache" if usage is not None else "no model calls"
        elapsed = time.perf_counter() - started
        return TaskResult(f"Knowledge graph built with {built.model_id}: {built.summary} ({calls}, {elapsed:.2f}s).")

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        """A cancelled build wrote nothing (the graph is written whole at its very end), so the
        previous graph stays; only a deleted dataset's graph is removed."""
        if not self._dataset_exists(task.dataset_id):
            self._index.delete_graph(task.dataset_id)

    def _dataset_exists(self, dataset_id: str) -> bool:
        with self._store.reading() as tx:
            return tx.datasets.get(dataset_id) is not None

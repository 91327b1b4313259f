"""Dataset-wide enrichment indexes (contract §13.3): the knowledge graph, RAPTOR summaries
(:class:`~ragloom.services.raptor_index.RaptorIndexService`) and the dataset's mind map
(:class:`~ragloom.services.mind_map_index.MindMapIndexService`), each built by a task on the queue.

- ``POST /index?type=graph`` queues a graph task on the durable queue (one at a time per dataset);
  the workers build and write the graph (:mod:`ragloom.workers.graph_handler`).
- ``GET /index?type=graph`` is the dataset's latest graph task, as RAGFlow's task row (``{}``: none).
- ``DELETE /index?type=graph`` stops the dataset's graph tasks and, unless ``wipe=false``, removes
  its graph; ``DELETE /graph`` does both.
- ``GET /graph``: at most :data:`NODE_LIMIT` entities by PageRank and :data:`EDGE_LIMIT` relations
  between them by weight (:func:`ragloom.rag.knowledge_graph.graph_view`), and the mind map.
- ``DELETE /index?type=raptor|mindmap`` likewise stops the builds and, unless ``wipe=false``,
  removes the summaries or the tree.
- After a parse (:func:`refresh_after_parse`) of a document chunked by ``knowledge_graph`` the
  dataset's graph is queued for a rebuild, as is that of a dataset with ``graphrag.use_graphrag``
  that has a graph already (not before: ``use_graphrag`` is on in RAGFlow's default config, and a
  first build costs a model call per batch of chunks, so it is started by ``/index?type=graph``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ragloom.clock import now_ms
from ragloom.enrich.errors import EnrichmentFailedError
from ragloom.enrich.graph import graph_requested, uses_graphrag
from ragloom.enrich.model_choice import enrichment_model_id
from ragloom.errors import ArgumentError, AuthorizationError, DataError, RagloomError
from ragloom.providers.catalog import ModelCatalog
from ragloom.rag.knowledge_graph import EDGE_LIMIT, NODE_LIMIT, graph_view
from ragloom.services.dataset_access import no_authorization, owned_dataset
from ragloom.services.index_tasks import task_row
from ragloom.services.mind_map_index import MindMapIndexService
from ragloom.services.raptor_index import RaptorIndexService
from ragloom.services.task_ledger import append_log, graph_task
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.tables import Dataset, Task
from ragloom.storage.queue import TaskQueue

INDEX_NAMES = {"graph": "knowledge graph", "mindmap": "mind map", "raptor": "RAPTOR summary tree"}
TASK_NAMES = {"graph": "Graph", "mindmap": "Mindmap", "raptor": "RAPTOR"}
ACTIVE = ("queued", "running", "cancelling")

__all__ = ["EDGE_LIMIT", "NODE_LIMIT", "EnrichmentService", "graph_refresh_wanted", "refresh_after_parse"]


def invalid_index_type(index_type: str) -> DataError:
    return DataError(f"Invalid index type '{index_type}'. Must be one of {sorted(INDEX_NAMES)}")


def _active(tx: Transaction, dataset_id: str) -> list[Task]:
    return [task for task in tx.tasks.graph_tasks(dataset_id) if task.status in ACTIVE]


def _queue(tx: Transaction, queue: TaskQueue, dataset: Dataset) -> Task:
    return queue.enqueue(tx, graph_task(dataset.id, dataset.tenant_id))


def graph_refresh_wanted(dataset: Dataset, chunk_method: str, has_graph: Callable[[], bool]) -> bool:
    """Whether parsing a document (chunked by ``chunk_method``) of ``dataset`` calls for a rebuild of
    its graph (see the module docstring); ``has_graph`` is asked only when the answer hangs on it."""
    if graph_requested(chunk_method):
        return True
    return uses_graphrag(dict(dataset.parser_config or {})) and has_graph()


def refresh_after_parse(
    tx: Transaction, queue: TaskQueue, dataset: Dataset, chunk_method: str, has_graph: bool
) -> Task | None:
    """Queue a rebuild of the dataset's graph after one of its documents (chunked by
    ``chunk_method``) was parsed, when the document or the dataset asks for one (see the module
    docstring) and none is queued already."""
    if not graph_refresh_wanted(dataset, chunk_method, lambda: has_graph) or any(
        task.status == "queued" for task in tx.tasks.graph_tasks(dataset.id)
    ):
        return None
    return _queue(tx, queue, dataset)


class EnrichmentService:
    """Answers the enrichment routes for the caller's datasets."""

    def __init__(
        self,
        store: MetadataStore,
        index: ChunkIndex,
        models: ModelCatalog,
        queue: TaskQueue,
        raptor: RaptorIndexService,
        mind_map: MindMapIndexService,
    ) -> None:
        self._store = store
        self._index = index
        self._models = models
        self._queue = queue
        self._raptor = raptor
        self._mind_map = mind_map

    def _require(self, caller: Caller, dataset_id: str, refusal: RagloomError) -> Dataset:
        with self._store.reading() as tx:
            return owned_dataset(tx, caller, dataset_id, refusal)

    def run(self, caller: Caller, dataset_id: str, index_type: str) -> dict[str, Any]:
        """Queue a build of the index (the knowledge graph, RAPTOR's summaries or the mind map)."""
        if index_type not in INDEX_NAMES:
            raise invalid_index_type(index_type)
        if index_type == "raptor":
            return self._raptor.start(caller, dataset_id)
        if index_type == "mindmap":
            return self._mind_map.start(caller, dataset_id)
        dataset = self._require(caller, dataset_id, no_authorization())
        with self._store.writing() as tx:
            if not tx.documents.of_dataset(dataset_id):
                raise DataError(f"No documents in Dataset {dataset_id}")
            running = _active(tx, dataset_id)
            if running:
                task = running[0]
                raise DataError(
                    f"Task {task.id} in progress with status {task.progress}. "
                    f"A {TASK_NAMES[index_type]} Task is already running."
                )
            tenant = tx.tenants.get(dataset.tenant_id)
            try:
                config = dict(dataset.parser_config or {})
                enrichment_model_id(
                    self._models, config, tenant.chat_model if tenant else "", dataset.tenant_id, "graphrag"
                )
            except EnrichmentFailedError as error:
                raise DataError(error.message) from None
            task = _queue(tx, self._queue, dataset)
            return {"task_id": task.id}

    def trace(self, caller: Caller, dataset_id: str, index_type: str) -> dict[str, Any]:
        """The latest task building the index (``{}`` when there is none)."""
        if index_type not in INDEX_NAMES:
            raise invalid_index_type(index_type)
        if index_type == "raptor":
            return self._raptor.trace(caller, dataset_id)
        if index_type == "mindmap":
            return self._mind_map.trace(caller, dataset_id)
        self._require(caller, dataset_id, no_authorization())
        with self._store.reading() as tx:
            tasks = tx.tasks.graph_tasks(dataset_id)
            return task_row(tasks[0], "graphrag") if tasks else {}

    def delete(self, caller: Caller, dataset_id: str, index_type: str, *, wipe: bool = True) -> dict[str, Any]:
        """Stop the index's tasks and, with ``wipe``, remove the index."""
        if index_type not in INDEX_NAMES:
            raise ArgumentError(f"Invalid index type '{index_type}'")
        if index_type == "raptor":
            return self._raptor.delete(caller, dataset_id, wipe=wipe)
        if index_type == "mindmap":
            return self._mind_map.delete(caller, dataset_id, wipe=wipe)
        self._require(caller, dataset_id, no_authorization())
        with self._store.writing() as tx:
            now = now_ms()
            for task in _active(tx, dataset_id):
                self._queue.cancel(tx, task.id, now=now)
                append_log(task, "Cancelled by the user.")
                task.update_time = now
        if wipe:
            self._index.delete_graph(dataset_id)
        return {}

    def graph(self, caller: Caller, dataset_id: str) -> dict[str, Any]:
        """The dataset's knowledge graph in RAGFlow's shape, and its mind map (``{}``: none built)."""
        dataset = self._require(caller, dataset_id, AuthorizationError("No authorization."))
        records = self._index.graph_records(dataset_id)
        return {"graph": graph_view(records) if records else {}, "mind_map": dict(dataset.mind_map or {})}

    def has_graph(self, dataset_id: str) -> bool:
        return bool(self._index.graph_records(dataset_id))

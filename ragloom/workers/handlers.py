"""The handler of each kind of task the workers run (see :mod:`ragloom.services.task_handling`):
parsing is :class:`ParseHandler`, memory extraction :class:`~ragloom.memory.extraction.ExtractionHandler`,
a dataset's knowledge graph :class:`~ragloom.workers.graph_handler.GraphHandler`, a dataset's
RAPTOR build :class:`~ragloom.enrich.raptor_build.RaptorBuildHandler`, a dataset's mind map
:class:`~ragloom.enrich.mind_map_build.MindMapBuildHandler`, a retrieval evaluation
:class:`~ragloom.services.evaluation_runs.EvaluationHandler`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ragloom.enrich import EnrichmentModels, EnrichmentStage
from ragloom.enrich.graph import GraphBuilder
from ragloom.enrich.mind_map_build import MindMapBuildHandler
from ragloom.enrich.raptor_build import RaptorBuildHandler
from ragloom.ingest.context import IngestContext
from ragloom.ingest.pipeline import IngestPipeline, PipelineResult
from ragloom.ingest.pipeline_batch import run_many
from ragloom.memory.extraction import ExtractionHandler
from ragloom.services.enrichment import graph_refresh_wanted, refresh_after_parse
from ragloom.services.evaluation_runs import EvaluationHandler
from ragloom.services.task_handling import TaskHandler, TaskHandlers, TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask, TaskKind
from ragloom.storage.index import ChunkIndex, GraphPart
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.queue import TaskQueue
from ragloom.workers.graph_handler import GraphHandler

if TYPE_CHECKING:
    from ragloom.services.container import Services

__all__ = ["ParseHandler", "TaskHandlers", "task_handlers"]


class ParseHandler:
    """Parse tasks: the ingest pipeline over one document.

    A failed enrichment does not fail the task: the document's chunks are indexed and searchable,
    so it ends done (``run`` DONE) with each failed enrichment, and why, in its log and last line.
    """

    def __init__(self, pipeline: IngestPipeline, index: ChunkIndex, store: MetadataStore, queue: TaskQueue) -> None:
        self._pipeline = pipeline
        self._index = index
        self._store = store
        self._queue = queue

    def _refresh_graph(self, dataset_id: str, document_id: str) -> bool:
        """Queue the dataset's graph for a rebuild when it builds one after parsing; says whether.

        Decided on a read first (most datasets build no graph), and the dataset's graph is looked
        for only when ``graphrag.use_graphrag`` makes it count: the write, and the read of the
        graph, are for the datasets that need them."""
        found: list[bool] = []

        def has_graph() -> bool:
            if not found:
                found.append(bool(self._index.graph_records(dataset_id, [GraphPart.ENTITY])))
            return found[0]

        with self._store.reading() as tx:
            dataset, document = tx.datasets.get(dataset_id), tx.documents.get(document_id)
            if (
                dataset is None
                or document is None
                or not graph_refresh_wanted(dataset, document.chunk_method, has_graph)
            ):
                return False
        with self._store.writing() as tx:
            dataset, document = tx.datasets.get(dataset_id), tx.documents.get(document_id)
            if dataset is None or document is None:
                return False
            return refresh_after_parse(tx, self._queue, dataset, document.chunk_method, has_graph()) is not None

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        started = time.perf_counter()
        return self._outcome(task, context, self._pipeline.run(task.document_id, context), started)

    def run_many(self, tasks: Sequence[ClaimedTask], contexts: Sequence[IngestContext]) -> list[TaskResult | Exception]:
        """Small documents' tasks together (:func:`~ragloom.ingest.pipeline_batch.run_many`)."""
        started = time.perf_counter()
        results = run_many(self._pipeline, [task.document_id for task in tasks], contexts)
        outcomes: list[TaskResult | Exception] = []
        for task, context, result in zip(tasks, contexts, results, strict=True):
            if isinstance(result, Exception):
                outcomes.append(result)
                continue
            try:
                outcomes.append(self._outcome(task, context, result, started))
            except Exception as error:  # the task's own outcome, told by the runner
                outcomes.append(error)
        return outcomes

    def _outcome(self, task: ClaimedTask, context: IngestContext, result: PipelineResult, started: float) -> TaskResult:
        context.check()
        if self._refresh_graph(task.dataset_id, task.document_id):
            context.progress(0.99, "The dataset's knowledge graph is queued for a rebuild.")
        timings = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in result.seconds.items())
        message = f"Task done ({time.perf_counter() - started:.2f}s: {timings})."
        if result.enrichment_failures:
            message += f" Done without {len(result.enrichment_failures)} enrichment(s): " + " ".join(
                result.enrichment_failures
            )
        return TaskResult(message, result.chunk_count, result.token_count)

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        self._index.delete(task.dataset_id, document_ids=[task.document_id])
        with self._store.writing() as tx:
            tx.enrichment.drop_toc(task.document_id)


def task_handlers(services: Services) -> dict[TaskKind, TaskHandler]:
    """A handler for every kind of task, on ``services``' stores and models."""
    models = EnrichmentModels(services.models, services.chat_models, services.store, services.settings.enrichment)
    enrichment = EnrichmentStage(services.enrichers, models)
    pipeline = IngestPipeline(
        services.store, services.blobs, services.index, services.embeddings, services.analyzer, enrichment
    )
    return {
        TaskKind.PARSE: ParseHandler(pipeline, services.index, services.store, services.queue),
        TaskKind.MEMORY_EXTRACTION: ExtractionHandler(
            services.store, services.index, services.chat_models, services.memories.messages.writer
        ),
        TaskKind.GRAPH: GraphHandler(
            GraphBuilder(services.store, services.index, services.embeddings, services.analyzer, models),
            services.index,
            services.store,
        ),
        TaskKind.RAPTOR: RaptorBuildHandler(
            services.store, services.index, services.embeddings, services.analyzer, models
        ),
        TaskKind.MINDMAP: MindMapBuildHandler(services.store, services.index, services.queue, models),
        TaskKind.EVALUATION: EvaluationHandler(services.store, services.queue, services.retrieval),
    }

"""The handler of each kind of task the workers run (see :mod:`ragloom.services.task_handling`):
parsing is :class:`ParseHandler`, memory extraction :class:`~ragloom.memory.extraction.ExtractionHandler`,
a dataset's RAPTOR build :class:`~ragloom.enrich.raptor_build.RaptorBuildHandler`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ragloom.enrich import EnrichmentModels, EnrichmentStage
from ragloom.enrich.raptor_build import RaptorBuildHandler
from ragloom.ingest.context import IngestContext
from ragloom.ingest.pipeline import IngestPipeline
from ragloom.memory.extraction import ExtractionHandler
from ragloom.services.task_handling import TaskHandler, TaskHandlers, TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask, TaskKind
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore

if TYPE_CHECKING:
    from ragloom.services.container import Services

__all__ = ["ParseHandler", "TaskHandlers", "task_handlers"]


class ParseHandler:
    """Parse tasks: the ingest pipeline over one document.

    A failed enrichment does not fail the task: the document's chunks are indexed and searchable,
    so it ends done (``run`` DONE) with each failed enrichment, and why, in its log and last line.
    """

    def __init__(self, pipeline: IngestPipeline, index: ChunkIndex, store: MetadataStore) -> None:
        self._pipeline = pipeline
        self._index = index
        self._store = store

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        started = time.perf_counter()
        result = self._pipeline.run(task.document_id, context)
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
        TaskKind.PARSE: ParseHandler(pipeline, services.index, services.store),
        TaskKind.MEMORY_EXTRACTION: ExtractionHandler(
            services.store, services.index, services.chat_models, services.memories.messages.writer
        ),
        TaskKind.RAPTOR: RaptorBuildHandler(
            services.store, services.index, services.embeddings, services.analyzer, models
        ),
    }

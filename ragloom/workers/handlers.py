"""The handler of each kind of task the workers run (see :mod:`ragloom.services.task_handling`):
parsing is :class:`ParseHandler`, memory extraction :class:`~ragloom.memory.extraction.ExtractionHandler`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ragloom.ingest.context import IngestContext
from ragloom.ingest.pipeline import IngestPipeline
from ragloom.memory.extraction import ExtractionHandler
from ragloom.services.task_handling import TaskHandler, TaskHandlers, TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask, TaskKind
from ragloom.storage.index import ChunkIndex

if TYPE_CHECKING:
    from ragloom.services.container import Services

__all__ = ["ParseHandler", "TaskHandlers", "task_handlers"]


class ParseHandler:
    """Parse tasks: the ingest pipeline over one document."""

    def __init__(self, pipeline: IngestPipeline, index: ChunkIndex) -> None:
        self._pipeline = pipeline
        self._index = index

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        started = time.perf_counter()
        result = self._pipeline.run(task.document_id, context)
        timings = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in result.seconds.items())
        message = f"Task done ({time.perf_counter() - started:.2f}s: {timings})."
        return TaskResult(message, result.chunk_count, result.token_count)

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        self._index.delete(task.dataset_id, document_ids=[task.document_id])


def task_handlers(services: Services) -> dict[TaskKind, TaskHandler]:
    """A handler for every kind of task, on ``services``' stores and models."""
    pipeline = IngestPipeline(services.store, services.blobs, services.index, services.embeddings, services.analyzer)
    return {
        TaskKind.PARSE: ParseHandler(pipeline, services.index),
        TaskKind.MEMORY_EXTRACTION: ExtractionHandler(
            services.store, services.index, services.chat_models, services.memories.messages.writer
        ),
    }

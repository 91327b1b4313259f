"""A dataset's mind map built on request (``POST /datasets/{id}/index?type=mindmap``): the handler
of :attr:`~ragloom.services.task_ledger.TaskKind.MINDMAP` tasks on the durable queue.

1. What the map is drawn from (:func:`mind_map_texts`) is bounded, so a build costs one model call
   whatever the dataset's size (:func:`~ragloom.enrich.mind_map.build_mind_map` asks once, and
   fits what it is given into a few chunks' worth of tokens):

   - when the dataset has RAPTOR summaries, those, highest level first: they already condense
     the documents, the top of each tree covering a whole document (or the whole dataset);
   - otherwise the first :data:`FIRST_CHUNKS` available chunks of each document, taken a rank at
     a time (every document's first chunk, then every second one, …): a document's opening is
     what best says what it is about, and taking ranks in turn lets every document in before the
     input runs out.

   At most :data:`MAX_TEXTS` texts either way. The dataset's name is the map's topic.
2. The tree is written in one step, as the dataset's ``mind_map`` column, in a transaction that
   holds the task's lease (:meth:`~ragloom.storage.queue.TaskQueue.hold`): a build cancelled or
   taken back before it writes leaves the previous tree as it was; one cancelled after it wrote
   has finished, and its (whole) tree stays. A build that runs again (at-least-once delivery)
   asks nothing twice: the model helper keeps answers by content.
"""

from __future__ import annotations

import time
from typing import Any

from ragloom.enrich.errors import EnrichmentFailedError
from ragloom.enrich.mind_map import ENRICHER, build_mind_map
from ragloom.enrich.models import EnrichmentModels
from ragloom.enrich.raptor import is_summary
from ragloom.enrich.raptor_build import build_inputs, dataset_summaries
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.services.task_handling import TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask, Standing
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.queue import TaskQueue

FIRST_CHUNKS = 4
"""Chunks taken from the start of each document when the dataset has no RAPTOR summaries."""
MAX_TEXTS = 32
"""Texts a mind map is drawn from, at most."""


def mind_map_texts(index: ChunkIndex, dataset_id: str, document_ids: list[str]) -> tuple[str, list[str]]:
    """What the dataset's mind map is drawn from (see the module docstring), and its source's name."""
    summaries = dataset_summaries(index, dataset_id, document_ids)
    if summaries:
        ranked = sorted(summaries, key=lambda record: -int(record.extra.get("raptor_layer_int", 0)))
        return "RAPTOR summaries", [record.content for record in ranked[:MAX_TEXTS]]
    openings: list[list[str]] = []
    for document_id in document_ids:
        listed, _total = index.page(dataset_id, document_id, available=True, limit=FIRST_CHUNKS)
        openings.append([chunk.content for chunk in listed if not is_summary(chunk)])
    texts = [opening[rank] for rank in range(FIRST_CHUNKS) for opening in openings if rank < len(opening)]
    return "the documents' first chunks", texts[:MAX_TEXTS]


class MindMapBuildHandler:
    """Runs mind-map build tasks; see the module docstring."""

    def __init__(self, store: MetadataStore, index: ChunkIndex, queue: TaskQueue, models: EnrichmentModels) -> None:
        self._store = store
        self._index = index
        self._queue = queue
        self._models = models

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        started = time.perf_counter()
        inputs = build_inputs(self._store, self._models, task.dataset_id, "mind map")
        dataset, model_id, model = inputs.dataset, inputs.model_id, inputs.model
        source, texts = mind_map_texts(self._index, dataset.id, [document_id for document_id, _ in inputs.documents])
        context.progress(0.05, f"Mind map of {len(texts)} text(s) ({source}) asking {model_id}.")
        try:
            tree = build_mind_map(model, texts, context, topic=dataset.name)
        except EnrichmentFailedError as error:
            raise EnrichmentFailedError(f"Mind map failed: {error.message}") from None
        context.check()
        self._write(task, tree)
        usage = model.usage(ENRICHER)
        return TaskResult(
            f"Mind map built from {len(texts)} text(s) ({source}) with {model_id} "
            f"({usage.calls} model calls, {usage.cached} from cache, {time.perf_counter() - started:.2f}s)."
        )

    def _write(self, task: ClaimedTask, tree: dict[str, Any]) -> None:
        """The tree in place of the dataset's, only while this run still holds the task."""
        with self._store.writing() as tx:
            standing, _row = self._queue.hold(tx, task.lease)
            dataset = tx.datasets.get(task.dataset_id)
            if standing is not Standing.HELD or dataset is None:
                raise IngestCancelledError
            dataset.mind_map = tree

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        """A cancelled build wrote nothing (the tree is written at its very end, under its lease);
        the dataset's tree, if any, stays."""

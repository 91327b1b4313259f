"""A dataset's RAPTOR summaries built on request (``POST /datasets/{id}/index?type=raptor``): the
handler of :attr:`~ragloom.services.task_ledger.TaskKind.RAPTOR` tasks on the durable queue.

1. The dataset's ``parser_config.raptor`` decides (:class:`~ragloom.enrich.raptor.RaptorSettings`):
   ``scope: "file"`` (the default) builds a tree per document over its listed chunks, whose
   summaries are chunks of that document; ``"dataset"`` builds one tree over every chunk of the
   dataset, whose summaries belong to no document (their document id is :data:`DATASET_OWNER`,
   RAGFlow's placeholder for dataset-wide records). Summaries are never leaves of a new tree.
2. Every summary is computed first. Answers are kept by the model helper as they arrive, so a
   build that resumes after a crash asks the model only what was not answered yet.
3. Then the new layer is written in one upsert, and only after it the summaries of earlier builds
   (of parses, or of other builds) are removed. A summary's id hashes the build's task id with what
   it holds, and it records the task (``extra["raptor_task"]``): a build that runs again after a
   kill -9 writes the same ids again (no duplicates) and sweeps what the crash left; a build
   cancelled after writing removes its own summaries (:meth:`RaptorBuildHandler.discard`), leaving
   the layer before it if it had not swept yet. At every moment the dataset holds whole layers only.
4. The documents' chunk and token counts are refreshed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ragloom.enrich.errors import EnrichmentFailedError
from ragloom.enrich.model_calls import EnrichmentModel
from ragloom.enrich.models import EnrichmentModels
from ragloom.enrich.raptor import (
    RaptorSettings,
    Summary,
    TreeBuilder,
    is_summary,
    leaves_of,
    summary_id,
    summary_record,
)
from ragloom.enrich.stage import enrichment_config
from ragloom.errors import DataError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.records import analysed
from ragloom.nlp import TextAnalyzer
from ragloom.providers.embedding import EmbeddingModels
from ragloom.services.task_handling import TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask
from ragloom.storage.index import ChunkIndex, ChunkRecord
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Dataset

if TYPE_CHECKING:
    from ragloom.providers.embedding import Vectors

DATASET_OWNER = "graph_raptor_x"
"""The document id of dataset-wide summaries (RAGFlow's ``GRAPH_RAPTOR_FAKE_DOC_ID``)."""
EMBED_BATCH = 32


def dataset_summaries(index: ChunkIndex, dataset_id: str, document_ids: Sequence[str]) -> list[ChunkRecord]:
    """Every summary of the dataset: of its documents, and dataset-wide."""
    found: list[ChunkRecord] = []
    for document_id in [*document_ids, DATASET_OWNER]:
        listed, _total = index.page(dataset_id, document_id)
        found.extend(chunk for chunk in listed if is_summary(chunk))
    return found


def recount(store: MetadataStore, index: ChunkIndex, dataset_id: str, document_ids: Sequence[str]) -> None:
    """Set the parsed documents' chunk and token counts to what the index holds (summaries included)."""
    with store.writing() as tx:
        for document_id in document_ids:
            document = tx.documents.get(document_id)
            if document is not None and document.run == "3":
                stats = index.document_stats(dataset_id, document_id)
                document.chunk_count, document.token_count = stats.chunk_count, stats.token_count


def remove_summaries(store: MetadataStore, index: ChunkIndex, dataset_id: str) -> int:
    """Remove the dataset's whole summary layer; returns how many summaries went."""
    with store.reading() as tx:
        document_ids = [document.id for document in tx.documents.of_dataset(dataset_id)]
    doomed = [record.id for record in dataset_summaries(index, dataset_id, document_ids)]
    if doomed:
        index.delete(dataset_id, chunk_ids=doomed)
        recount(store, index, dataset_id, document_ids)
    return len(doomed)


@dataclass(frozen=True)
class BuildInputs:
    """What a dataset-wide build starts from: the dataset, its documents (id, name), its enrichment
    config, and the chat model it asks (chosen by the config, else the tenant's)."""

    dataset: Dataset
    documents: list[tuple[str, str]]
    config: dict[str, Any]
    model_id: str
    model: EnrichmentModel


def build_inputs(store: MetadataStore, models: EnrichmentModels, dataset_id: str, asked: str) -> BuildInputs:
    """The :class:`BuildInputs` of a build of the dataset (``asked`` names it when there is no model)."""
    with store.reading() as tx:
        dataset = tx.datasets.get(dataset_id)
        if dataset is None:
            raise DataError(f"The dataset {dataset_id} no longer exists.")
        tenant = tx.tenants.get(dataset.tenant_id)
        documents = [(document.id, document.name) for document in tx.documents.of_dataset(dataset.id)]
    config = enrichment_config(dict(dataset.parser_config or {}), dict(dataset.parser_config or {}))
    model_id = models.model_id(config, tenant.chat_model if tenant else "", dataset.tenant_id, asked)
    return BuildInputs(dataset, documents, config, model_id, models.get(model_id, dataset.tenant_id))


@dataclass(frozen=True)
class Owner:
    """Whose summaries a tree makes: a document, or the dataset."""

    document_id: str
    name: str


class RaptorBuildHandler:
    """Runs RAPTOR build tasks; see the module docstring."""

    def __init__(
        self,
        store: MetadataStore,
        index: ChunkIndex,
        embeddings: EmbeddingModels,
        analyzer: TextAnalyzer,
        models: EnrichmentModels,
    ) -> None:
        self._store = store
        self._index = index
        self._embeddings = embeddings
        self._analyzer = analyzer
        self._models = models

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        import numpy as np

        started = time.perf_counter()
        inputs = build_inputs(self._store, self._models, task.dataset_id, "RAPTOR")
        dataset, documents, model_id, model = inputs.dataset, inputs.documents, inputs.model_id, inputs.model
        settings = RaptorSettings.from_config(inputs.config)
        embedder = self._embeddings.get(dataset.embedding_model, dataset.tenant_id)

        def embed(texts: list[str]) -> Vectors:
            batches = [
                embedder.embed_documents(texts[at : at + EMBED_BATCH]) for at in range(0, len(texts), EMBED_BATCH)
            ]
            return np.vstack(batches)

        trees: list[tuple[Owner, list[ChunkRecord]]] = []
        if settings.scope == "dataset":
            every = [chunk for document_id, _name in documents for chunk in self._chunks(dataset.id, document_id)]
            trees.append((Owner(DATASET_OWNER, dataset.name), every))
        else:
            skipped = [name for _id, name in documents if settings.skips(name)]
            if skipped:
                context.progress(0.0, f"Skipped as structured data: {', '.join(skipped)}.")
            trees.extend(
                (Owner(document_id, name), self._chunks(dataset.id, document_id))
                for document_id, name in documents
                if not settings.skips(name)
            )
        context.progress(0.01, f"RAPTOR ({settings.scope}) asking {model_id}, {len(trees)} tree(s).")

        layer: list[ChunkRecord] = []
        for number, (owner, chunks) in enumerate(trees):
            part = context.stage(0.01 + 0.97 * number / len(trees), 0.01 + 0.97 * (number + 1) / len(trees))

            def identify(level: int, text: str, covers: tuple[str, ...], owner: Owner = owner) -> str:
                return summary_id(f"{task.id}\x00{owner.document_id}", level, text, covers)

            try:
                summaries = TreeBuilder(settings, model, embed, identify).build(leaves_of(chunks), part)
            except EnrichmentFailedError as error:
                raise EnrichmentFailedError(f"RAPTOR failed: {error.message}") from None
            layer.extend(self._records(task, owner, chunks, summaries))
        context.check()
        self._write(task, layer, [document_id for document_id, _name in documents])
        usage = model.usage("raptor")
        levels = max((int(record.extra["raptor_layer_int"]) for record in layer), default=0)
        return TaskResult(
            f"RAPTOR done: {len(layer)} summaries in {levels} level(s) over {len(trees)} tree(s) "
            f"({usage.calls} model calls, {usage.cached} from cache, {time.perf_counter() - started:.2f}s)."
        )

    def _chunks(self, dataset_id: str, document_id: str) -> list[ChunkRecord]:
        """The document's listed chunks that are not summaries, with their vectors."""
        listed, _total = self._index.page(dataset_id, document_id)
        found = [self._index.get(dataset_id, chunk.id, with_vector=True) for chunk in listed if not is_summary(chunk)]
        return [chunk for chunk in found if chunk is not None]

    def _records(
        self, task: ClaimedTask, owner: Owner, chunks: Sequence[ChunkRecord], summaries: Sequence[Summary]
    ) -> list[ChunkRecord]:
        last = max((chunk.order for chunk in chunks if chunk.document_id == owner.document_id), default=-1)
        records = []
        for number, summary in enumerate(summaries):
            record = summary_record(
                summary,
                dataset_id=task.dataset_id,
                document_id=owner.document_id,
                document_name=owner.name,
                order=last + 1 + number,
                raptor_task=task.id,
            )
            records.append(analysed(record, self._analyzer))
        return records

    def _write(self, task: ClaimedTask, layer: list[ChunkRecord], document_ids: list[str]) -> None:
        """The new layer in one upsert, then earlier summaries swept, then the documents' counts."""
        if layer:
            self._index.upsert(layer)
        kept = {record.id for record in layer}
        stale = [
            record.id
            for record in dataset_summaries(self._index, task.dataset_id, document_ids)
            if record.id not in kept
        ]
        if stale:
            self._index.delete(task.dataset_id, chunk_ids=stale)
        recount(self._store, self._index, task.dataset_id, document_ids)

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        """A cancelled build: remove the summaries it wrote, if it got that far."""
        task_id = task.id if isinstance(task, ClaimedTask) else task.task_id
        with self._store.reading() as tx:
            document_ids = [document.id for document in tx.documents.of_dataset(task.dataset_id)]
        own = [
            record.id
            for record in dataset_summaries(self._index, task.dataset_id, document_ids)
            if record.extra.get("raptor_task") == task_id
        ]
        if own:
            self._index.delete(task.dataset_id, chunk_ids=own)
            recount(self._store, self._index, task.dataset_id, document_ids)

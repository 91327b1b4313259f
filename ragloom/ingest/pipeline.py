"""One parse task end to end: read the file, parse, chunk, analyse, enrich, embed, index.

Progress is reported through the :class:`IngestContext` (which is also where a cancelled
task stops); the result says what was indexed and how long each stage took. The
document's old chunks are removed just before the new ones are written, so a task that
runs again after a crash leaves no duplicates.

Enrichment (:mod:`ragloom.enrich`) runs after chunking (and, for enrichers that need vectors,
after embedding); what it adds is held in memory and written with the chunks: the document's
extracted metadata and table of contents are stored once the chunks are indexed. A failed
enrichment is reported in the document's log and the chunks are indexed without it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ragloom.clock import now_ms
from ragloom.enrich import EnricherUsage, EnrichmentJob, EnrichmentStage, Phase, StageReport, enrichment_config
from ragloom.errors import DataError, IngestError
from ragloom.ingest.chunkers.registry import chunker_for
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.ingest.parsers.registry import parser_for
from ragloom.ingest.records import (
    Target,
    analysed,
    analysed_additions,
    blend_title,
    build_records,
    embedding_text,
    title_weight,
)
from ragloom.ingest.source import SourceFile
from ragloom.nlp import TextAnalyzer
from ragloom.providers.embedding import EmbeddingModel, EmbeddingModels
from ragloom.rag.tags import Tagger, tag_dataset_ids, top_tags
from ragloom.services.names import split_extension
from ragloom.storage.blobs import BlobStore
from ragloom.storage.index import ChunkIndex, ChunkRecord
from ragloom.storage.metadata import MetadataStore

if TYPE_CHECKING:
    from ragloom.providers.embedding import Vectors

EMBED_BATCH = 32
SALIENT_TERMS = 32


def salient_terms(terms: str) -> list[str]:
    """A chunk's most repeated longer terms, the ones that say what it is about."""
    counts = Counter(term for term in terms.split() if len(term) > 2)
    return [term for term, _count in counts.most_common(SALIENT_TERMS)]


INDEX_BATCH = 256


@dataclass
class PipelineResult:
    """What one run indexed."""

    chunk_count: int
    token_count: int
    seconds: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    enrichment: dict[str, EnricherUsage] = field(default_factory=dict)
    enrichment_failures: list[str] = field(default_factory=list)


@dataclass
class PreparedDocument:
    """A document between :meth:`IngestPipeline.prepare` and its :meth:`IngestPipeline.result`:
    its records (vectors to come), enrichment job and report, the context of its task."""

    dataset_id: str
    document_id: str
    tenant_id: str
    embedding_model: str
    chat_model: str
    config: dict[str, object]
    records: list[ChunkRecord]
    job: EnrichmentJob
    report: StageReport
    context: IngestContext
    seconds: dict[str, float]
    pages: int
    enriching_seconds: float


class IngestPipeline:
    """Runs parse tasks against the stores it is given."""

    def __init__(
        self,
        store: MetadataStore,
        blobs: BlobStore,
        index: ChunkIndex,
        embeddings: EmbeddingModels,
        analyzer: TextAnalyzer,
        enrichment: EnrichmentStage | None = None,
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._index = index
        self._embeddings = embeddings
        self._analyzer = analyzer
        self._enrichment = enrichment

    def run(self, document_id: str, context: IngestContext) -> PipelineResult:
        """Parse and index one document; raises :class:`IngestError` with a user-facing reason."""
        prepared = self.prepare(document_id, context)
        embedded = time.perf_counter()
        self._embed(
            prepared.records,
            prepared.embedding_model,
            prepared.tenant_id,
            prepared.config,
            context.stage(0.75, 0.9),
        )
        self.embedded(prepared, time.perf_counter() - embedded)
        self.enrich_embedded(prepared)
        mark = time.perf_counter()
        self._index.delete(prepared.dataset_id, document_ids=[prepared.document_id])
        writing = context.stage(0.9, 0.99)
        records = prepared.records
        for start in range(0, len(records), INDEX_BATCH):
            writing.check()
            self._index.upsert(records[start : start + INDEX_BATCH])
            writing.progress((start + INDEX_BATCH) / max(len(records), 1))
        writing.check()
        return self.result(prepared, time.perf_counter() - mark)

    def prepare(self, document_id: str, context: IngestContext) -> PreparedDocument:
        """The steps before embedding: read, parse, chunk, analyse, tag, and enrichment that needs
        no vectors. ``run`` goes on with :meth:`embedded` (once the records have vectors),
        :meth:`enrich_embedded`, writing the records to the index and :meth:`result`;
        :mod:`ragloom.ingest.pipeline_batch` takes several documents through them together."""
        with self._store.reading() as tx:
            document = tx.documents.get(document_id)
            dataset = tx.datasets.get(document.dataset_id) if document is not None else None
            tenant = tx.tenants.get(dataset.tenant_id) if dataset is not None else None
        if document is None or dataset is None:
            raise IngestCancelledError
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        data = self._blobs.get(document.location) if document.size else b""
        if not data:
            raise IngestError(f"{document.name} is empty: there is nothing to parse.")
        source = SourceFile(document.name, data)
        config = dict(document.parser_config or {})
        enriching = enrichment_config(config, dict(dataset.parser_config or {}))
        chat_model = tenant.chat_model if tenant is not None else ""
        parser = parser_for(source)
        context.progress(0.01, f"Parsing {document.name} ({len(data)} bytes).")
        problem = self._enrichment.problem(enriching, chat_model, dataset.tenant_id) if self._enrichment else None
        if problem:  # said at once; the chunks are still made and indexed
            context.progress(0.01, f"Enrichment will be skipped: {problem}")
        parsed = parser(source, config, context.stage(0.01, 0.45))
        del data, source
        seconds["parse"] = time.perf_counter() - started

        mark = time.perf_counter()
        drafts = chunker_for(document.chunk_method)(parsed, config, context.stage(0.45, 0.5))
        target = Target(dataset.id, document.id, document.name)
        records = build_records(target, drafts, self._analyzer)
        self._tag(records, [dict(dataset.parser_config or {}), config], dataset.tenant_id)
        seconds["chunk"] = time.perf_counter() - mark
        listed = sum(1 for record in records if not record.parent_id)
        context.progress(0.5, f"{listed} chunks from {parsed.pages or 1} page(s) ({seconds['parse']:.2f}s parsing).")

        job = EnrichmentJob(
            dataset.id,
            document.id,
            document.name,
            dataset.tenant_id,
            enriching,
            [record for record in records if not record.parent_id],
        )
        mark = time.perf_counter()
        report = self._enrich(job, Phase.BEFORE_EMBEDDING, chat_model, context.stage(0.5, 0.75))
        for record in job.chunks:
            analysed_additions(record, self._analyzer)
        enriching_seconds = time.perf_counter() - mark
        return PreparedDocument(
            dataset.id,
            document.id,
            dataset.tenant_id,
            dataset.embedding_model,
            chat_model,
            config,
            records,
            job,
            report,
            context,
            seconds,
            parsed.pages,
            enriching_seconds,
        )

    def embedded(self, prepared: PreparedDocument, seconds: float) -> None:
        """The records of ``prepared`` have their vectors, which took ``seconds``."""
        prepared.seconds["embed"] = seconds
        prepared.context.progress(0.9, f"Embedded with {prepared.embedding_model} ({seconds:.2f}s).")

    def enrich_embedded(self, prepared: PreparedDocument) -> None:
        """Enrichment that needs the chunks' vectors; what it adds joins the records to index."""
        job = prepared.job
        mark = time.perf_counter()
        job.embed = self._embedder(prepared.embedding_model, prepared.tenant_id)
        context = prepared.context.stage(0.9, 0.9)
        prepared.report.add(self._enrich(job, Phase.AFTER_EMBEDDING, prepared.chat_model, context))
        for record in job.added:
            if not record.content_terms:  # e.g. RAPTOR summaries: searchable like the chunks
                analysed(record, self._analyzer)
        prepared.records.extend(job.added)
        if prepared.report.usage:
            prepared.seconds["enrich"] = prepared.enriching_seconds + time.perf_counter() - mark

    def result(self, prepared: PreparedDocument, index_seconds: float) -> PipelineResult:
        """Once the records are in the index (which took ``index_seconds``): the document's
        extracted metadata and table of contents are stored, and what it now holds is counted."""
        mark = time.perf_counter()
        self._store_enrichment(prepared.job)
        prepared.seconds["index"] = index_seconds + time.perf_counter() - mark
        stats = self._index.document_stats(prepared.dataset_id, prepared.document_id)
        report = prepared.report
        return PipelineResult(
            stats.chunk_count, stats.token_count, prepared.seconds, prepared.pages, report.usage, report.failures
        )

    @property
    def index(self) -> ChunkIndex:
        """The chunk index the pipeline writes to."""
        return self._index

    def embedding_model(self, model_id: str, tenant_id: str) -> EmbeddingModel:
        """The embedding model of a dataset; :class:`IngestError` when it cannot be used."""
        return self._embedding_model(model_id, tenant_id)

    def _enrich(self, job: EnrichmentJob, phase: Phase, chat_model: str, context: IngestContext) -> StageReport:
        if self._enrichment is None:
            return StageReport()
        return self._enrichment.run(job, phase, chat_model, context)

    def _store_enrichment(self, job: EnrichmentJob) -> None:
        """The document's extracted metadata and table of contents, in one transaction. Every parse
        replaces the table of contents: one left from an earlier parse may name chunks now gone.
        With nothing to store and no table left to drop (a read: most documents never have one),
        nothing is written."""
        if not job.metadata and not job.toc:
            with self._store.reading() as tx:
                if not tx.enrichment.has_toc(job.document_id):
                    return
        with self._store.writing() as tx:
            if job.metadata:
                document = tx.documents.get(job.document_id)
                if document is not None:
                    document.meta_fields = {**(document.meta_fields or {}), **job.metadata}
            tx.enrichment.drop_toc(job.document_id)
            if job.toc:
                entries = [entry.as_json() for entry in job.toc]
                tx.enrichment.set_toc(job.document_id, job.dataset_id, job.model_id, entries, now_ms())

    def _tag(self, records: list[ChunkRecord], configs: list[dict[str, object]], tenant_id: str) -> None:
        """Give chunks ``tag_features`` when the dataset names tag datasets (RAGFlow's auto-tagging)."""
        tag_datasets = tag_dataset_ids(configs)
        if not tag_datasets:
            return
        tagger = Tagger(self._store, self._index, tag_datasets, tenant_id=tenant_id)
        if not tagger.usable:
            return
        limit = top_tags(configs)
        for record in records:
            if not record.parent_id:
                record.tag_features = tagger.tags(salient_terms(record.content_terms), limit)

    def _embedding_model(self, model_id: str, tenant_id: str) -> EmbeddingModel:
        try:
            return self._embeddings.get(model_id, tenant_id)
        except DataError as error:
            raise IngestError(f"The dataset's embedding model cannot be used: {error.message}") from None

    def _embedder(self, model_id: str, tenant_id: str) -> Callable[[list[str]], Vectors]:
        """Embeds texts for enrichers (loaded at the first call: most parses never make one)."""

        import numpy as np

        def embed(texts: list[str]) -> Vectors:
            model = self._embedding_model(model_id, tenant_id)
            return np.vstack(
                [
                    model.embed_documents(texts[start : start + EMBED_BATCH])
                    for start in range(0, len(texts), EMBED_BATCH)
                ]
            )

        return embed

    def _embed(
        self,
        records: list[ChunkRecord],
        model_id: str,
        tenant_id: str,
        config: dict[str, object],
        context: IngestContext,
    ) -> None:
        import numpy as np

        if not records:
            return
        model = self._embedding_model(model_id, tenant_id)
        weight = title_weight(config)
        title = split_extension(records[0].document_name)[0]
        title_vector = None
        for start in range(0, len(records), EMBED_BATCH):
            context.check()
            batch = records[start : start + EMBED_BATCH]
            texts = [embedding_text(record) for record in batch]
            if weight and title_vector is None:
                # the title rides with the first batch: one model call fewer per document
                embedded = model.embed_documents([title, *texts])
                title_vector, vectors = embedded[0], embedded[1:]
            else:
                vectors = model.embed_documents(texts)
            if title_vector is not None:
                vectors = blend_title(title_vector, vectors, weight)
            for record, vector in zip(batch, vectors, strict=True):
                record.vector = np.asarray(vector, dtype=np.float32)
            context.progress((start + len(batch)) / len(records))

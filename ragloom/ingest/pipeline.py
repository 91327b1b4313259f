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
from collections.abc import Callable, Sequence
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
        self.embed([prepared])
        self.enrich_embedded(prepared)
        return self.result(prepared, self.write([prepared]))

    def prepare(self, document_id: str, context: IngestContext) -> PreparedDocument:
        """The steps before embedding: read, parse, chunk, analyse, tag, and enrichment that needs
        no vectors. ``run`` goes on with :meth:`embed`, :meth:`enrich_embedded`, :meth:`write` and
        :meth:`result`; :mod:`ragloom.ingest.pipeline_batch` takes several documents through them
        together."""
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

    def embed(self, documents: Sequence[PreparedDocument]) -> None:
        """Vectors for every record of ``documents`` (of one embedding model and tenant), in model
        calls of up to :data:`EMBED_BATCH` texts shared by the documents; each document's title rides
        along with its first texts and is blended into its vectors. Before each call the tasks of the
        documents it holds are checked for cancellation; a document the call leaves unfinished
        reports its progress."""
        import numpy as np

        if not documents:
            return
        started = time.perf_counter()
        texts: list[str] = []
        owners: list[int] = []  # which document each text belongs to
        spans: list[tuple[int, bool]] = []  # where each document's texts start, and whether a title leads them
        for position, document in enumerate(documents):
            titled = bool(title_weight(document.config)) and bool(document.records)
            spans.append((len(texts), titled))
            if titled:
                texts.append(split_extension(document.records[0].document_name)[0])
            texts.extend(embedding_text(record) for record in document.records)
            owners.extend([position] * (len(texts) - len(owners)))
        for document in documents:
            document.context.stage(0.75, 0.9).check()
        vectors = self._vectors(documents, texts, owners, spans) if texts else np.zeros((0, 0), dtype=np.float32)
        seconds = time.perf_counter() - started
        for document, (start, titled) in zip(documents, spans, strict=True):
            weight = title_weight(document.config)
            first = start + 1 if titled else start
            rows = vectors[first : first + len(document.records)]
            if titled:
                rows = blend_title(vectors[start], rows, weight)
            for record, vector in zip(document.records, rows, strict=True):
                record.vector = np.asarray(vector, dtype=np.float32)
            share = (len(document.records) + titled) / max(len(texts), 1)
            self.embedded(document, seconds * share)

    def embedded(self, prepared: PreparedDocument, seconds: float) -> None:
        """The records of ``prepared`` have their vectors, which took ``seconds``."""
        prepared.seconds["embed"] = seconds
        prepared.context.progress(0.9, f"Embedded with {prepared.embedding_model} ({seconds:.2f}s).")

    def _vectors(
        self, documents: Sequence[PreparedDocument], texts: list[str], owners: list[int], spans: list[tuple[int, bool]]
    ) -> Vectors:
        """The vectors of ``texts`` (``owners`` says whose each is, ``spans`` where each document's
        start), in model calls of up to :data:`EMBED_BATCH`, each after its documents' cancellation
        check; a document a call leaves unfinished reports how far it got."""
        import numpy as np

        model = self._embedding_model(documents[0].embedding_model, documents[0].tenant_id)
        parts: list[Vectors] = []
        for start in range(0, len(texts), EMBED_BATCH):
            end = min(start + EMBED_BATCH, len(texts))
            held = sorted(set(owners[start:end]))
            for position in held:
                documents[position].context.stage(0.75, 0.9).check()
            parts.append(model.embed_documents(texts[start:end]))
            for position in held:
                first = spans[position][0]
                last = spans[position + 1][0] if position + 1 < len(spans) else len(texts)
                if end < last:
                    documents[position].context.stage(0.75, 0.9).progress((end - first) / (last - first))
        return np.vstack(parts)

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

    def write(self, documents: Sequence[PreparedDocument]) -> float:
        """Each document's records in place of what the index held of it: one delete per dataset,
        then writes of up to :data:`INDEX_BATCH` records, each preceded by a cancellation check of the
        documents it holds. The seconds it took, per document."""
        if not documents:
            return 0.0
        started = time.perf_counter()
        datasets: dict[str, list[str]] = {}
        for document in documents:
            datasets.setdefault(document.dataset_id, []).append(document.document_id)
        for dataset_id, document_ids in datasets.items():
            self._index.delete(dataset_id, document_ids=document_ids)
        records = [(position, record) for position, document in enumerate(documents) for record in document.records]
        contexts = [document.context.stage(0.9, 0.99) for document in documents]
        written = [0] * len(documents)
        for start in range(0, len(records), INDEX_BATCH):
            batch = records[start : start + INDEX_BATCH]
            held = sorted({position for position, _record in batch})
            for position in held:
                contexts[position].check()
            self._index.upsert([record for _position, record in batch])
            for position, _record in batch:
                written[position] += 1
            for position in held:  # a document left unfinished says how far it got
                if written[position] < len(documents[position].records):
                    contexts[position].progress(written[position] / len(documents[position].records))
        for context in contexts:
            context.check()
        return (time.perf_counter() - started) / len(documents)

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

"""Several small documents through the ingest pipeline together: each is parsed, chunked and
enriched on its own, their chunks are embedded in shared model calls (a short note is one chunk:
one model call each would cost more in calls than in text), and their records are written to the
index in one transaction.

Each document keeps its own outcome: one that fails, or whose task is cancelled, fails or stops
alone. When a shared step fails, its documents go through it again one by one, so that the one
that broke it fails alone. A document's vectors are those :meth:`IngestPipeline.run` gives it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from ragloom.ingest.context import IngestContext
from ragloom.ingest.pipeline import EMBED_BATCH, IngestPipeline, PipelineResult, PreparedDocument
from ragloom.ingest.records import blend_title, embedding_text, title_weight
from ragloom.services.names import split_extension

log = logging.getLogger(__name__)

Outcome = PipelineResult | Exception


def run_many(pipeline: IngestPipeline, document_ids: Sequence[str], contexts: Sequence[IngestContext]) -> list[Outcome]:
    """:meth:`IngestPipeline.run` of each document (with its own context), together; each
    document's result, or the exception that ended it (as ``run`` would have raised it)."""
    outcomes: dict[int, Outcome] = {}
    prepared: dict[int, PreparedDocument] = {}
    for position, (document_id, context) in enumerate(zip(document_ids, contexts, strict=True)):
        try:
            prepared[position] = pipeline.prepare(document_id, context)
        except Exception as error:  # the document's own outcome, told by the caller
            outcomes[position] = error
    groups: dict[tuple[str, str], list[int]] = {}
    for position, document in prepared.items():
        groups.setdefault((document.embedding_model, document.tenant_id), []).append(position)
    for positions in groups.values():
        _together(prepared, outcomes, positions, lambda documents: _embed(pipeline, documents))
    for position in list(prepared):
        try:
            pipeline.enrich_embedded(prepared[position])
            prepared[position].context.stage(0.9, 0.99).check()
        except Exception as error:
            outcomes[position] = error
            del prepared[position]
    written: dict[int, float] = {}

    def write(documents: list[PreparedDocument]) -> None:
        started = time.perf_counter()
        _write(pipeline, documents)
        for document in documents:
            written[id(document)] = (time.perf_counter() - started) / len(documents)

    _together(prepared, outcomes, list(prepared), write)
    for position, document in prepared.items():
        try:
            outcomes[position] = pipeline.result(document, written[id(document)])
        except Exception as error:
            outcomes[position] = error
    return [outcomes[position] for position in range(len(document_ids))]


def _together(
    prepared: dict[int, PreparedDocument],
    outcomes: dict[int, Outcome],
    positions: list[int],
    step: Callable[[list[PreparedDocument]], None],
) -> None:
    """Run ``step`` on the documents at ``positions`` at once; if it fails, on each alone. A
    document it fails on alone leaves ``prepared``, with that failure as its outcome."""
    if not positions:
        return
    if len(positions) > 1:
        try:
            step([prepared[position] for position in positions])
            return
        except Exception:  # found out below, document by document
            log.debug("a step shared by %d documents failed; each goes again alone", len(positions), exc_info=True)
    for position in positions:
        try:
            step([prepared[position]])
        except Exception as error:
            outcomes[position] = error
            del prepared[position]


def _embed(pipeline: IngestPipeline, documents: list[PreparedDocument]) -> None:
    """Vectors for every record of ``documents`` (of one embedding model and tenant), in model
    calls of up to :data:`EMBED_BATCH` texts; each document's title rides along, as in ``run``."""
    import numpy as np

    for document in documents:
        document.context.stage(0.75, 0.9).check()
    started = time.perf_counter()
    model = pipeline.embedding_model(documents[0].embedding_model, documents[0].tenant_id)
    texts: list[str] = []
    spans: list[tuple[int, bool]] = []  # where each document's texts start, and whether a title leads them
    for document in documents:
        titled = bool(title_weight(document.config)) and bool(document.records)
        spans.append((len(texts), titled))
        if titled:
            texts.append(split_extension(document.records[0].document_name)[0])
        texts.extend(embedding_text(record) for record in document.records)
    vectors = (
        np.vstack(
            [model.embed_documents(texts[start : start + EMBED_BATCH]) for start in range(0, len(texts), EMBED_BATCH)]
        )
        if texts
        else np.zeros((0, 0), dtype=np.float32)
    )
    seconds = time.perf_counter() - started
    for document, (start, titled) in zip(documents, spans, strict=True):
        first = start + 1 if titled else start
        rows = vectors[first : first + len(document.records)]
        if titled:
            rows = blend_title(vectors[start], rows, title_weight(document.config))
        for record, vector in zip(document.records, rows, strict=True):
            record.vector = np.asarray(vector, dtype=np.float32)
        share = (len(document.records) + titled) / max(len(texts), 1)
        pipeline.embedded(document, seconds * share)


def _write(pipeline: IngestPipeline, documents: list[PreparedDocument]) -> None:
    """Each document's records in place of what the index held of it, in one transaction per
    dataset to delete and one to write."""
    index = pipeline.index
    datasets: dict[str, list[PreparedDocument]] = {}
    for document in documents:
        datasets.setdefault(document.dataset_id, []).append(document)
    for dataset_id, members in datasets.items():
        index.delete(dataset_id, document_ids=[document.document_id for document in members])
    for document in documents:
        document.context.stage(0.9, 0.99).check()
    index.upsert([record for document in documents for record in document.records])

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
from collections.abc import Callable, Sequence

from ragloom.ingest.context import IngestContext
from ragloom.ingest.pipeline import IngestPipeline, PipelineResult, PreparedDocument

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
        _together(prepared, outcomes, positions, pipeline.embed)
    for position in list(prepared):
        try:
            pipeline.enrich_embedded(prepared[position])
            prepared[position].context.stage(0.9, 0.99).check()
        except Exception as error:
            outcomes[position] = error
            del prepared[position]
    written: dict[int, float] = {}

    def write(documents: list[PreparedDocument]) -> None:
        seconds = pipeline.write(documents)
        for document in documents:
            written[id(document)] = seconds

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

"""The enricher role: one kind of model-made addition to a document being parsed.

An enricher says whether a parser config asks for it (:meth:`Enricher.requested`), how many
model calls it needs at the least (:meth:`Enricher.planned_calls`, the floor benchmarks compare
against), and does its work on an :class:`~ragloom.enrich.job.EnrichmentJob` through an
:class:`~ragloom.enrich.model_calls.EnrichmentModel`.

Semantics every enricher keeps:

- It changes only the job, in memory: the pipeline writes the results once the chunks are
  indexed, so nothing is half-written when a task stops.
- It computes everything first and applies it last: when it raises, the job is as it found it.
- It reaches the model only through the :class:`EnrichmentModel` (cache, concurrency, counts)
  and passes :meth:`IngestContext.check` between steps.
- It raises :class:`~ragloom.enrich.errors.EnrichmentFailedError` with a user-facing reason when
  its work cannot be done; other enrichers still run and the chunks are indexed regardless.
- ``phase`` says when it runs: before embedding (its results may change what is embedded, e.g.
  questions) or after (it needs the chunks' vectors, e.g. clustering for summaries).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.model_calls import EnrichmentModel
from ragloom.ingest.context import IngestContext


class Phase(StrEnum):
    """When in the parse an enricher runs."""

    BEFORE_EMBEDDING = "before_embedding"
    AFTER_EMBEDDING = "after_embedding"


class Enricher(Protocol):
    """Adds one kind of model-made content to a document's chunks or metadata."""

    @property
    def name(self) -> str:
        """The registry name, also the parser-config setting it answers (e.g. ``auto_keywords``)."""
        ...

    @property
    def phase(self) -> Phase:
        """Before or after embedding."""
        ...

    def requested(self, config: Mapping[str, Any]) -> bool:
        """Whether a document parsed with ``config`` asks for this enrichment."""
        ...

    def planned_calls(self, job: EnrichmentJob) -> int:
        """The fewest model calls the job needs with an empty cache."""
        ...

    def run(self, job: EnrichmentJob, model: EnrichmentModel, context: IngestContext) -> str:
        """Enrich the job; returns the line the document's log shows (e.g. ``12 chunks got keywords``)."""
        ...

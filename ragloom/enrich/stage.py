"""The enrichment stage of a parse: the requested enrichers of one phase, run one after another.

1. The enrichers the document's config asks for are chosen (in registry order); none: nothing
   happens and no model is resolved.
2. The chat model is resolved and loaded once (:class:`~ragloom.enrich.models.EnrichmentModels`);
   when there is none or it cannot be loaded, each requested enricher fails with that reason.
3. Each enricher runs in its share of the stage's progress; a line per enricher goes to the
   document's log, naming the model. A failed enricher leaves the job as it was and the next
   one still runs: the document's chunks are indexed in any case.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ragloom.enrich.errors import EnrichmentFailedError
from ragloom.enrich.job import EnrichmentJob
from ragloom.enrich.models import EnrichmentModels
from ragloom.enrich.protocol import Enricher, Phase
from ragloom.enrich.registry import EnricherRegistry
from ragloom.enrich.usage import EnricherUsage
from ragloom.errors import ProviderError
from ragloom.ingest.context import IngestContext

DATASET_KEYS = ("llm_id", "metadata", "enable_metadata")
"""What the dataset decides for its documents unless a document's own config says otherwise."""


def enrichment_config(document_config: Mapping[str, Any], dataset_config: Mapping[str, Any]) -> dict[str, Any]:
    """A document's config with the dataset's chat model and metadata fields where it has none."""
    config = dict(document_config)
    for key in DATASET_KEYS:
        if config.get(key) in (None, "", []) and key in dataset_config:
            config[key] = dataset_config[key]
    return config


@dataclass
class StageReport:
    """What a stage did: per enricher its usage, and the failures (one line each)."""

    usage: dict[str, EnricherUsage] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, other: StageReport) -> None:
        for name, usage in other.usage.items():
            self.usage.setdefault(name, EnricherUsage()).add(usage)
        self.failures.extend(other.failures)


class EnrichmentStage:
    """Runs enrichers on jobs with the models, cache and limits it is given."""

    def __init__(self, registry: EnricherRegistry, models: EnrichmentModels) -> None:
        self._registry = registry
        self._models = models

    def requested(self, config: Mapping[str, Any], phase: Phase | None = None) -> list[Enricher]:
        """The enrichers ``config`` asks for (of ``phase`` when given), in running order."""
        return [
            enricher
            for enricher in self._registry
            if (phase is None or enricher.phase is phase) and enricher.requested(config)
        ]

    def problem(self, config: Mapping[str, Any], tenant_chat_model: str, tenant_id: str) -> str | None:
        """Why the enrichments ``config`` asks for cannot run (no usable chat model), or ``None``."""
        enrichers = self.requested(config)
        if not enrichers:
            return None
        asked = ", ".join(enricher.name for enricher in enrichers)
        try:
            self._models.model_id(config, tenant_chat_model, tenant_id, asked)
        except EnrichmentFailedError as error:
            return error.message
        return None

    def run(self, job: EnrichmentJob, phase: Phase, tenant_chat_model: str, context: IngestContext) -> StageReport:
        """Run the job's requested enrichers of ``phase``; see the module docstring."""
        report = StageReport()
        enrichers = self.requested(job.config, phase)
        if not enrichers:
            return report
        asked = ", ".join(enricher.name for enricher in enrichers)
        try:
            model_id = self._models.model_id(job.config, tenant_chat_model, job.tenant_id, asked)
            model = self._models.get(model_id, job.tenant_id)
        except ProviderError as error:  # no usable model, or one that cannot be loaded
            return self._all_failed(enrichers, error.message, report, context)
        job.model_id = model_id
        share = 1.0 / len(enrichers)
        for place, enricher in enumerate(enrichers):
            context.progress(place * share, f"{enricher.name}: asking {model_id}.")
            started = time.perf_counter()
            try:
                line = f"{enricher.name}: " + enricher.run(
                    job, model, context.stage(place * share, (place + 1) * share)
                )
            except EnrichmentFailedError as error:
                line = f"{enricher.name} failed: {error.message}"
                report.failures.append(line)
            usage = model.usage(enricher.name)
            usage.wall_seconds = time.perf_counter() - started
            report.usage[enricher.name] = usage
            cost = f"{usage.calls} model calls, {usage.cached} from cache, {usage.wall_seconds:.2f}s"
            context.progress((place + 1) * share, f"{line} ({cost}).")
        return report

    @staticmethod
    def _all_failed(enrichers: list[Enricher], reason: str, report: StageReport, context: IngestContext) -> StageReport:
        for enricher in enrichers:
            line = f"{enricher.name} failed: {reason}"
            report.failures.append(line)
            report.usage[enricher.name] = EnricherUsage()
        context.progress(1.0, " ".join(report.failures))
        return report

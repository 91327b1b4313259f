"""Enrichment: what chat models add to documents while they are parsed (no HTTP in here).

See :mod:`ragloom.enrich.protocol` for the enricher role, :mod:`ragloom.enrich.stage` for how
the parse runs them, :mod:`ragloom.enrich.model_calls` for caching, concurrency and counting.
"""

from ragloom.enrich.errors import EnrichmentFailedError, UnreadableReplyError
from ragloom.enrich.job import EnrichmentJob, TocEntry
from ragloom.enrich.model_calls import Ask, EnrichmentModel, Prompting
from ragloom.enrich.models import EnrichmentModels
from ragloom.enrich.protocol import Enricher, Phase
from ragloom.enrich.registry import EnricherRegistry, builtin_enrichers
from ragloom.enrich.stage import EnrichmentStage, StageReport, enrichment_config
from ragloom.enrich.usage import EnricherUsage

__all__ = [
    "Ask",
    "Enricher",
    "EnricherRegistry",
    "EnricherUsage",
    "EnrichmentFailedError",
    "EnrichmentJob",
    "EnrichmentModel",
    "EnrichmentModels",
    "EnrichmentStage",
    "Phase",
    "Prompting",
    "StageReport",
    "TocEntry",
    "UnreadableReplyError",
    "builtin_enrichers",
    "enrichment_config",
]

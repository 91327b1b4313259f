"""The models a tenant uses when a request names none: chat, embedding and rerank.

New datasets take the tenant's embedding model, new chats its chat model, and a chat's
``rerank_id`` defaults to nothing (model-free ranking) unless the tenant sets one. An
empty chat default falls back to the server's (``models.default_chat_model``, else the
built-in local model when it is installed).
"""

from __future__ import annotations

from dataclasses import dataclass

from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, DataError, NotFoundError
from ragloom.providers.catalog import ModelCatalog, ModelEntry, ModelKind
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore

FIELDS = {"llm_id": ModelKind.CHAT, "embd_id": ModelKind.EMBEDDING, "rerank_id": ModelKind.RERANK}


@dataclass(frozen=True)
class ModelDefaults:
    """A tenant's default model ids (RAGFlow's tenant fields ``llm_id``, ``embd_id``, ``rerank_id``)."""

    llm_id: str
    embd_id: str
    rerank_id: str


class ModelDefaultsService:
    """Reads and changes a tenant's default models; lists the models the server offers."""

    def __init__(self, store: MetadataStore, catalog: ModelCatalog) -> None:
        self._store = store
        self._catalog = catalog

    def available(self, caller: Caller, kind: ModelKind | None = None) -> list[ModelEntry]:
        """Every model the caller can use (built in, configured on the server or by the tenant), by kind then id."""
        return sorted(
            self._catalog.entries(kind, caller.tenant_id), key=lambda entry: (entry.kind.value, str(entry.id).lower())
        )

    def get(self, caller: Caller) -> ModelDefaults:
        with self._store.reading() as tx:
            tenant = tx.tenants.get(caller.tenant_id)
        if tenant is None:
            raise NotFoundError("Tenant not found!")
        return ModelDefaults(
            llm_id=self._catalog.chat_model_for(tenant.chat_model),
            embd_id=tenant.embedding_model,
            rerank_id=tenant.rerank_model,
        )

    def update(self, caller: Caller, changes: dict[str, object]) -> ModelDefaults:
        """Set some of ``llm_id``, ``embd_id``, ``rerank_id``; each must name a usable model of its kind.

        ``rerank_id`` and ``llm_id`` may be ``""`` (no rerank model; the server's chat default).
        """
        unknown = sorted(set(changes) - set(FIELDS))
        if unknown:
            raise ArgumentError(f"Unknown fields: {', '.join(unknown)}; expected some of llm_id, embd_id, rerank_id")
        for field, value in changes.items():
            if not isinstance(value, str):
                raise ArgumentError(f"`{field}` must be a string.")
            if value == "" and field != "embd_id":
                continue
            if self._catalog.find(value, FIELDS[field], caller.tenant_id) is None:
                raise DataError(f"`{field}` {value} doesn't exist")
        with self._store.writing() as tx:
            tenant = tx.tenants.get(caller.tenant_id)
            if tenant is None:
                raise NotFoundError("Tenant not found!")
            if "llm_id" in changes:
                tenant.chat_model = str(changes["llm_id"])
            if "embd_id" in changes:
                tenant.embedding_model = str(changes["embd_id"])
            if "rerank_id" in changes:
                tenant.rerank_model = str(changes["rerank_id"])
            tenant.update_time = now_ms()
        return self.get(caller)

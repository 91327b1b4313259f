"""Embedding models by id: each is built on first use and shared by the process."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ragloom.providers.catalog import ModelCatalog, ModelEntry, ModelKind, model_key
from ragloom.providers.embedding.protocol import EmbeddingModel

BUILTIN_E5 = "multilingual-e5-small@Builtin"
BUILTIN_USE = "universal-sentence-encoder-multilingual@Builtin"


class EmbeddingModels:
    """Hands out embedding models named by ``name@factory`` ids."""

    def __init__(self, catalog: ModelCatalog, *, threads: int = 2) -> None:
        self._catalog = catalog
        self._threads = threads
        self._loaded: dict[tuple[str, str], EmbeddingModel] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str, tenant_id: str | None = None) -> EmbeddingModel:
        """The model for ``model_id`` as ``tenant_id`` sees it (the catalog's error if it is unknown
        or unauthorised). Remote models are shared per configuration, so a tenant's own model
        never stands in for another's of the same id."""
        entry = self._catalog.require(model_id, ModelKind.EMBEDDING, tenant_id)
        key = model_key(entry)
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = self._build(entry)
            return self._loaded[key]

    def _build(self, entry: ModelEntry) -> EmbeddingModel:
        if entry.remote is None:
            return self._builtin(str(entry.id))()
        from ragloom.providers.embedding.remote import RemoteEmbedding

        ollama = entry.remote.factory.lower() == "ollama"
        return RemoteEmbedding(str(entry.id), entry.remote, ollama=ollama, guard=self._catalog.guard_for(entry))

    def _builtin(self, model_id: str) -> Callable[[], EmbeddingModel]:
        if model_id.lower() == BUILTIN_E5.lower():
            from ragloom.providers.embedding.builtin_e5 import MultilingualE5

            return lambda: MultilingualE5(model_id, threads=self._threads)
        from ragloom.providers.embedding.builtin_use import UniversalSentenceEncoder

        return lambda: UniversalSentenceEncoder(model_id, threads=self._threads)

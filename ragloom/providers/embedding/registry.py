"""Embedding models by id: each is built on first use and shared by the process.

Built-in models run in a supervised model process of their own when ``isolate`` is set (the
API server), else in this process (parse workers, which are disposable themselves). Every model's
questions are cached and batched (:mod:`ragloom.providers.embedding.questions`), the cache shared
by all models and keyed by each one's configuration.
"""

from __future__ import annotations

from ragloom.providers.catalog import ModelCatalog, ModelEntry, ModelKind, model_key
from ragloom.providers.embedding.builtin import load_builtin_embedding
from ragloom.providers.embedding.protocol import EmbeddingModel
from ragloom.providers.embedding.questions import (
    DEFAULT_CACHE_SIZE,
    DEFAULT_WAIT_SECONDS,
    QuestionBatches,
    QuestionCache,
)
from ragloom.providers.loaded import LoadedModels


class EmbeddingModels:
    """Hands out embedding models named by ``name@factory`` ids."""

    def __init__(
        self,
        catalog: ModelCatalog,
        *,
        threads: int = 2,
        isolate: bool = False,
        stall_seconds: float = 300.0,
        question_cache_size: int = DEFAULT_CACHE_SIZE,
        question_wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self._catalog = catalog
        self._threads = threads
        self._isolate = isolate
        self._stall_seconds = stall_seconds
        self._questions = QuestionCache(question_cache_size)
        self._question_wait_seconds = question_wait_seconds
        self._loaded: LoadedModels[EmbeddingModel] = LoadedModels(self._build)

    def get(self, model_id: str, tenant_id: str | None = None) -> EmbeddingModel:
        """The model for ``model_id`` as ``tenant_id`` sees it (the catalog's error if it is unknown
        or unauthorised). Remote models are shared per configuration, so a tenant's own model
        never stands in for another's of the same id."""
        return self._loaded.get(self._catalog.require(model_id, ModelKind.EMBEDDING, tenant_id))

    def _build(self, entry: ModelEntry) -> EmbeddingModel:
        model = self._model(entry)
        return QuestionBatches(model, self._questions, model_key(entry), wait_seconds=self._question_wait_seconds)

    def _model(self, entry: ModelEntry) -> EmbeddingModel:
        if entry.remote is None:
            if self._isolate and entry.dimension is not None:
                from ragloom.providers.isolated import IsolatedEmbedding

                return IsolatedEmbedding(
                    str(entry.id), entry.dimension, threads=self._threads, stall_seconds=self._stall_seconds
                )
            return load_builtin_embedding(str(entry.id), threads=self._threads)
        from ragloom.providers.embedding.remote import RemoteEmbedding

        ollama = entry.remote.factory.lower() == "ollama"
        return RemoteEmbedding(str(entry.id), entry.remote, ollama=ollama, guard=self._catalog.guard_for(entry))

    def close(self) -> None:
        """Stop model processes and release clients."""
        self._loaded.close()

"""Chat models by id: each is built on first use and shared by the process."""

from __future__ import annotations

import threading

from ragloom.errors import ProviderError
from ragloom.providers.catalog import ModelCatalog, ModelEntry, ModelKind, model_key
from ragloom.providers.chat.protocol import ChatModel


class ChatModels:
    """Hands out chat models named by ``name@factory`` ids."""

    def __init__(self, catalog: ModelCatalog, *, threads: int = 2) -> None:
        self._catalog = catalog
        self._threads = threads
        self._loaded: dict[tuple[str, str], ChatModel] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str, tenant_id: str | None = None) -> ChatModel:
        """The model for ``model_id`` as ``tenant_id`` sees it (the catalog's error if unknown or unauthorised)."""
        entry = self._catalog.require(model_id, ModelKind.CHAT, tenant_id)
        key = model_key(entry)
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = self._build(entry)
            return self._loaded[key]

    def _build(self, entry: ModelEntry) -> ChatModel:
        model_id = str(entry.id)
        if entry.remote is None:
            from ragloom.providers.chat.local_llama import INSTALL_HINT, LocalLlamaChat, packaged_gguf

            path = packaged_gguf()
            if path is None:
                raise ProviderError(f"Chat model {model_id} is not installed: {INSTALL_HINT}")
            return LocalLlamaChat(model_id, path, threads=self._threads)
        if entry.remote.factory.lower() == "ollama":
            from ragloom.providers.chat.ollama import OllamaChat

            return OllamaChat(model_id, entry.remote, guard=self._catalog.guard_for(entry))
        from ragloom.providers.chat.openai_compatible import OpenAICompatibleChat

        return OpenAICompatibleChat(model_id, entry.remote, guard=self._catalog.guard_for(entry))

    def close(self) -> None:
        """Release every loaded model's connections or weights."""
        with self._lock:
            for model in self._loaded.values():
                close = getattr(model, "close", None)
                if close is not None:
                    close()
            self._loaded.clear()

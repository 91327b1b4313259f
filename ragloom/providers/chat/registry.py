"""Chat models by id: each is built on first use and shared by the process."""

from __future__ import annotations

import threading

from ragloom.errors import ProviderError
from ragloom.providers.catalog import ModelCatalog, ModelKind
from ragloom.providers.chat.protocol import ChatModel


class ChatModels:
    """Hands out chat models named by ``name@factory`` ids."""

    def __init__(self, catalog: ModelCatalog, *, threads: int = 2) -> None:
        self._catalog = catalog
        self._threads = threads
        self._loaded: dict[str, ChatModel] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> ChatModel:
        """The model for ``model_id`` (the catalog's error if it is unknown or unauthorised)."""
        entry = self._catalog.require(model_id, ModelKind.CHAT)
        key = str(entry.id).lower()
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = self._build(str(entry.id))
            return self._loaded[key]

    def _build(self, model_id: str) -> ChatModel:
        entry = self._catalog.require(model_id, ModelKind.CHAT)
        if entry.remote is None:
            from ragloom.providers.chat.local_llama import INSTALL_HINT, LocalLlamaChat, packaged_gguf

            path = packaged_gguf()
            if path is None:
                raise ProviderError(f"Chat model {model_id} is not installed: {INSTALL_HINT}")
            return LocalLlamaChat(model_id, path, threads=self._threads)
        if entry.remote.factory.lower() == "ollama":
            from ragloom.providers.chat.ollama import OllamaChat

            return OllamaChat(model_id, entry.remote)
        from ragloom.providers.chat.openai_compatible import OpenAICompatibleChat

        return OpenAICompatibleChat(model_id, entry.remote)

    def close(self) -> None:
        """Release every loaded model's connections or weights."""
        with self._lock:
            for model in self._loaded.values():
                close = getattr(model, "close", None)
                if close is not None:
                    close()
            self._loaded.clear()

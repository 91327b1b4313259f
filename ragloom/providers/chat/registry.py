"""Chat models by id: each is built on first use and shared by the process.

The built-in local model runs in a supervised model process of its own when ``isolate`` is
set (the API server), else in this process (parse workers, which are disposable themselves).
"""

from __future__ import annotations

from ragloom.errors import ProviderError
from ragloom.providers.catalog import ModelCatalog, ModelEntry, ModelKind
from ragloom.providers.chat.protocol import ChatModel
from ragloom.providers.loaded import LoadedModels


class ChatModels:
    """Hands out chat models named by ``name@factory`` ids."""

    def __init__(
        self, catalog: ModelCatalog, *, threads: int = 2, isolate: bool = False, stall_seconds: float = 300.0
    ) -> None:
        self._catalog = catalog
        self._threads = threads
        self._isolate = isolate
        self._stall_seconds = stall_seconds
        self._loaded: LoadedModels[ChatModel] = LoadedModels(self._build)

    def get(self, model_id: str, tenant_id: str | None = None) -> ChatModel:
        """The model for ``model_id`` as ``tenant_id`` sees it (the catalog's error if unknown or unauthorised)."""
        return self._loaded.get(self._catalog.require(model_id, ModelKind.CHAT, tenant_id))

    def _build(self, entry: ModelEntry) -> ChatModel:
        model_id = str(entry.id)
        if entry.remote is None:
            from ragloom.providers.chat.local_llama import INSTALL_HINT, LocalLlamaChat, packaged_gguf

            path = packaged_gguf()
            if path is None:
                raise ProviderError(f"Chat model {model_id} is not installed: {INSTALL_HINT}")
            if self._isolate:
                from ragloom.providers.isolated import IsolatedChat

                return IsolatedChat(model_id, threads=self._threads, stall_seconds=self._stall_seconds)
            return LocalLlamaChat(model_id, path, threads=self._threads)
        if entry.remote.factory.lower() == "ollama":
            from ragloom.providers.chat.ollama import OllamaChat

            return OllamaChat(model_id, entry.remote, guard=self._catalog.guard_for(entry))
        from ragloom.providers.chat.openai_compatible import OpenAICompatibleChat

        return OpenAICompatibleChat(model_id, entry.remote, guard=self._catalog.guard_for(entry))

    def close(self) -> None:
        """Release every loaded model's connections, weights or model process."""
        self._loaded.close()

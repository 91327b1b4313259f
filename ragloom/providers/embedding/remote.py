"""Embedding models served over HTTP: OpenAI-compatible ``/embeddings`` and Ollama's ``/api/embed``.

OpenAI, DeepSeek, Qwen/DashScope, Zhipu, SiliconFlow, Moonshot, vLLM, LM Studio,
Xinference, llama.cpp's server and TEI all answer the OpenAI form; Ollama has its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ragloom.errors import ProviderError
from ragloom.nlp.token_count import truncate_to_tokens
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.embedding.protocol import normalized
from ragloom.providers.http import post_json, provider_client, remote_failure
from ragloom.settings import RemoteModel

if TYPE_CHECKING:
    from ragloom.providers.embedding.protocol import Vectors


class RemoteEmbedding:
    """One remote embedding model; ``ollama=True`` speaks Ollama's native API; with ``guard``
    (a tenant's model) every connection must pass that address policy."""

    def __init__(
        self, model_id: str, settings: RemoteModel, *, ollama: bool, guard: AddressPolicy | None = None
    ) -> None:
        self.model_id = model_id
        self._settings = settings
        self._ollama = ollama
        base = settings.base_url.rstrip("/")
        self._url = f"{base}/api/embed" if ollama else f"{base}/embeddings"
        self._client = provider_client(settings, guard)
        self._dimension = settings.dimension

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self._request([" "]).shape[1])
        return self._dimension

    def _request(self, texts: list[str]) -> Vectors:
        what = f"Embedding model {self.model_id}"
        payload: dict[str, Any] = {"model": self._settings.name, "input": texts}
        answer = post_json(self._client, self._url, payload, what=what, retries=self._settings.max_retries)
        try:
            if self._ollama:
                rows = answer["embeddings"]
            else:
                rows = [item["embedding"] for item in sorted(answer["data"], key=lambda item: item.get("index", 0))]
            vectors = np.asarray(rows, dtype=np.float32)
        except (KeyError, TypeError, ValueError) as error:
            raise remote_failure(what, "answered in an unexpected shape", repr(error)) from None
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ProviderError(f"{what} returned {vectors.shape[0] if vectors.ndim else 0} vectors for {len(texts)}")
        if self._dimension is not None and vectors.shape[1] != self._dimension:
            raise ProviderError(f"{what} returned {vectors.shape[1]} dimensions, configured {self._dimension}")
        return vectors

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        fitted = [truncate_to_tokens(text, self._settings.max_tokens) or " " for text in texts]
        size = self._settings.batch_size
        rows = [self._request(fitted[start : start + size]) for start in range(0, len(fitted), size)]
        return normalized(np.vstack(rows))

    def embed_query(self, text: str) -> Vectors:
        return normalized(self._request([truncate_to_tokens(text, self._settings.max_tokens) or " "])[0])

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.embed_documents(texts)  # the OpenAI and Ollama APIs take no query/passage hint

    def close(self) -> None:
        self._client.close()

"""A built-in embedding model as the server sees it: the model in its own model process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ragloom.errors import ProviderError
from ragloom.providers.isolated.spec import HostedKind, HostSpec
from ragloom.providers.isolated.supervisor import ModelProcess

if TYPE_CHECKING:
    from ragloom.providers.embedding.protocol import Vectors


class IsolatedEmbedding:
    """An :class:`~ragloom.providers.embedding.protocol.EmbeddingModel` computed in a model process."""

    def __init__(self, model_id: str, dimension: int, *, threads: int, stall_seconds: float) -> None:
        self.model_id = model_id
        self.dimension = dimension
        self.process = ModelProcess(HostSpec(model_id, HostedKind.EMBEDDING, threads), stall_seconds=stall_seconds)

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._embed(list(texts), query=False)

    def embed_query(self, text: str) -> Vectors:
        row: Vectors = self._embed([text], query=True)[0]
        return row

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._embed(list(texts), query=True)

    def _embed(self, texts: list[str], *, query: bool) -> Vectors:
        exchange = self.process.call({"kind": "embed", "texts": texts, "query": query})
        try:
            frame = next(exchange.replies())
        finally:
            exchange.finish()
        if frame.kind != "vectors":
            raise ProviderError(f"Embedding model {self.model_id} failed: {frame.header.get('message', frame.kind)}")
        rows: Vectors = np.frombuffer(frame.payload, dtype="<f4").astype(np.float32).reshape(frame.header["shape"])
        return rows

    def close(self) -> None:
        self.process.close()

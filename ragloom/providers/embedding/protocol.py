"""The embedding-model role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]


class EmbeddingModel(Protocol):
    """Turns text into unit-length float32 vectors, so cosine similarity is a dot product.

    Documents and queries may be embedded differently (e5 prefixes ``passage:`` and
    ``query:``), so callers say which they have. Input longer than the model takes is cut
    to fit, never refused. A provider that cannot answer raises
    :class:`~ragloom.errors.ProviderError`.
    """

    @property
    def model_id(self) -> str:
        """The ``name@factory`` id."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """One row per text, shape ``(len(texts), dimension)``."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Shape ``(dimension,)``."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Many questions at once, in one batch where the model can: row ``i`` is what
        ``embed_query(texts[i])`` gives, shape ``(len(texts), dimension)``."""
        ...


def normalized(vectors: npt.ArrayLike) -> Vectors:
    """Rows scaled to unit length (zero rows stay zero)."""
    import numpy as np

    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        norm = float(np.linalg.norm(array))
        return array / norm if norm > 0 else array
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = (array / norms).astype(np.float32)
    return result

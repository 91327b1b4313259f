"""The built-in embedding models by id, built in this process."""

from __future__ import annotations

from ragloom.providers.catalog import unsupported_model
from ragloom.providers.embedding.protocol import EmbeddingModel

BUILTIN_E5 = "multilingual-e5-small@Builtin"
BUILTIN_USE = "universal-sentence-encoder-multilingual@Builtin"


def load_builtin_embedding(model_id: str, *, threads: int) -> EmbeddingModel:
    """Load the built-in model ``model_id`` (the catalog has already checked the id)."""
    if model_id.lower() == BUILTIN_E5.lower():
        from ragloom.providers.embedding.builtin_e5 import MultilingualE5

        return MultilingualE5(model_id, threads=threads)
    if model_id.lower() == BUILTIN_USE.lower():
        from ragloom.providers.embedding.builtin_use import UniversalSentenceEncoder

        return UniversalSentenceEncoder(model_id, threads=threads)
    raise unsupported_model(model_id)

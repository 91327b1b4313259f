"""Embedding models: the protocol, built-in models and remote providers."""

from typing import TYPE_CHECKING

from ragloom.providers.embedding.protocol import EmbeddingModel, normalized
from ragloom.providers.embedding.registry import EmbeddingModels

if TYPE_CHECKING:
    from ragloom.providers.embedding.protocol import Vectors

__all__ = ["EmbeddingModel", "EmbeddingModels", "Vectors", "normalized"]

"""Embedding models: the protocol, built-in models and remote providers."""

from ragloom.providers.embedding.protocol import EmbeddingModel, Vectors, normalized
from ragloom.providers.embedding.registry import EmbeddingModels

__all__ = ["EmbeddingModel", "EmbeddingModels", "Vectors", "normalized"]

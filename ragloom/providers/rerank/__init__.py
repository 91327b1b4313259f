"""Rerank models: the protocol and remote providers."""

from ragloom.providers.rerank.protocol import RerankModel
from ragloom.providers.rerank.registry import RerankModels

__all__ = ["RerankModel", "RerankModels"]

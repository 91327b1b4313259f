"""What a dataset's parser config asks of its knowledge graph (contract §3 ``graphrag``, and the
``knowledge_graph`` chunk method's ``entity_types``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

DEFAULT_ENTITY_TYPES = ("organization", "person", "geo", "event", "category")
BATCH_TOKENS = (512, 8196)
"""The bounds of ``batch_chunk_token_size``."""


class Method(StrEnum):
    """How entities and relations are read from the text.

    ``light``: one model call per batch of chunks, asking for entities and relations together.
    ``general``: the same, then a second call per batch showing the model its first answer and
    asking for what it missed (GraphRAG's "gleaning"): about twice the calls, more recall.
    ``ner``: one call per batch asking for entities only; entities named in the same chunk are
    related (weight: how many chunks name both), with no relation descriptions.
    """

    LIGHT = "light"
    GENERAL = "general"
    NER = "ner"


@dataclass(frozen=True)
class GraphSettings:
    """The knowledge-graph settings of one dataset."""

    entity_types: tuple[str, ...] = DEFAULT_ENTITY_TYPES
    method: Method = Method.LIGHT
    community: bool = False
    resolution: bool = False
    batch_tokens: int = 4096
    seed: int = 0

    @classmethod
    def of(cls, chunk_method: str, parser_config: Mapping[str, Any]) -> GraphSettings:
        """The settings a dataset's parser config holds (a value out of range or of the wrong type
        falls back to its default: the config was validated when it was stored)."""
        graphrag = parser_config.get("graphrag")
        section: Mapping[str, Any] = graphrag if isinstance(graphrag, Mapping) else {}
        types = section.get("entity_types")
        if chunk_method == "knowledge_graph" and parser_config.get("entity_types"):
            types = parser_config.get("entity_types")
        entity_types = tuple(str(kind).strip().lower() for kind in types or () if str(kind).strip())
        method = str(section.get("method") or Method.LIGHT.value)
        batch = section.get("batch_chunk_token_size", 4096)
        batch_tokens = batch if isinstance(batch, int) and not isinstance(batch, bool) else 4096
        return cls(
            entity_types=entity_types or DEFAULT_ENTITY_TYPES,
            method=Method(method) if method in Method._value2member_map_ else Method.LIGHT,
            community=section.get("community") is True,
            resolution=section.get("resolution") is True,
            batch_tokens=min(max(batch_tokens, BATCH_TOKENS[0]), BATCH_TOKENS[1]),
        )


def graph_requested(chunk_method: str) -> bool:
    """Whether parsing a document of the dataset builds the graph by itself: the ``knowledge_graph``
    chunk method does; ``graphrag.use_graphrag`` refreshes a graph once one was built (see
    :func:`ragloom.services.enrichment.refresh_after_parse`)."""
    return chunk_method == "knowledge_graph"


def uses_graphrag(parser_config: Mapping[str, Any]) -> bool:
    graphrag = parser_config.get("graphrag")
    return isinstance(graphrag, Mapping) and graphrag.get("use_graphrag") is True

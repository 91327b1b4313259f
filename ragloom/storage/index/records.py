"""A chunk as every index stores it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass
class ChunkRecord:
    """One indexed chunk.

    The ``*_terms`` fields hold the space-separated terms of :class:`~ragloom.nlp.TextAnalyzer`
    (RAGFlow's ``*_ltks``/``*_tks``); full-text search runs on them, never on raw text, so
    every backend matches the same way. ``parent_id`` is set on the child pieces of
    parent-child chunking: children are searched but not listed.
    """

    id: str
    dataset_id: str
    document_id: str
    document_name: str
    content: str
    order: int = 0
    available: bool = True
    content_terms: str = ""
    content_fine_terms: str = ""
    title_terms: str = ""
    important_keywords: list[str] = field(default_factory=list)
    important_terms: str = ""
    questions: list[str] = field(default_factory=list)
    question_terms: str = ""
    tag_keywords: list[str] = field(default_factory=list)
    tag_features: dict[str, float] = field(default_factory=dict)
    positions: list[list[int]] = field(default_factory=list)
    image_id: str = ""
    doc_type: str = ""
    parent_id: str = ""
    token_count: int = 0
    created_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    vector: npt.NDArray[np.float32] | None = None


@dataclass(frozen=True)
class ScoredChunk:
    """A search hit: the chunk's id, its document and the backend's score (higher is better)."""

    chunk_id: str
    dataset_id: str
    document_id: str
    score: float


@dataclass(frozen=True)
class DocumentStats:
    """What a document holds in the index (listed chunks only, children excluded)."""

    chunk_count: int
    token_count: int

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


@dataclass
class Matches:
    """What a backend knows about the chunks that might answer a query; the scorer ranks them.

    Candidates are the ``top_k`` eligible chunks nearest to the query vector together with
    the ``top_k`` best by the backend's full-text relevance. For each candidate: its cosine
    similarity and which query terms it contains (``term_hits[i, j]``: candidate ``i``
    contains ``terms[j]``). ``document_frequency[j]`` counts the eligible chunks containing
    ``terms[j]``; ``eligible`` counts every chunk the query could see.
    """

    chunk_ids: list[str]
    dataset_ids: list[str]
    document_ids: list[str]
    parent_ids: list[str]
    vector_similarity: npt.NDArray[np.float32]
    term_hits: npt.NDArray[np.bool_]
    document_frequency: npt.NDArray[np.int64]
    eligible: int

    @classmethod
    def empty(cls, term_count: int) -> Matches:
        return cls(
            [],
            [],
            [],
            [],
            np.zeros(0, dtype=np.float32),
            np.zeros((0, term_count), dtype=bool),
            np.zeros(term_count, dtype=np.int64),
            0,
        )

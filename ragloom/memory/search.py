"""Searching memories: the question in, the messages that answer it out — through the same
query analysis and hybrid scoring as dataset retrieval.

1. The question is analysed into weighted terms (:class:`~ragloom.rag.query.QueryAnalyzer`).
2. For each embedding model among the memories, the question is embedded with it and the
   index reports candidates among those memories' messages that are enabled, not forgotten
   and pass the filters (:meth:`ChunkIndex.match` with ``kind=MESSAGE``).
3. :mod:`ragloom.rag.scoring` scores them as it scores chunks, with ``keywords_similarity_weight``
   (``k``) as the keyword share, its documented meaning: ``k * term + (1 - k) * vector``.
4. Hits below ``similarity_threshold`` are dropped; the best ``top_n`` are returned, best first.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ragloom.nlp import TextAnalyzer
from ragloom.providers.embedding import EmbeddingModels
from ragloom.rag import scoring
from ragloom.rag.query import QueryAnalyzer
from ragloom.storage.index import ChunkIndex, ChunkRecord, MessageFilter, RecordKind
from ragloom.storage.metadata.tables import Memory

if TYPE_CHECKING:
    pass

CANDIDATES = 1024
"""Candidates the index reports per embedding model (a memory holds a few thousand messages)."""


@dataclass(frozen=True)
class MessageQuery:
    """A memory search: RAGFlow's parameters and filters (``session_id`` matches as a substring)."""

    question: str
    memory_ids: list[str]
    agent_ids: tuple[str, ...] = ()
    session_id: str | None = None
    user_id: str | None = None
    similarity_threshold: float = 0.2
    keywords_similarity_weight: float = 0.7
    top_n: int = 5


@dataclass(frozen=True)
class FoundMessage:
    """A message that answers the question, with its scores."""

    record: ChunkRecord
    similarity: float
    term_similarity: float
    vector_similarity: float


@dataclass(frozen=True)
class SearchResult:
    """What a search found, best first, and how long each stage took (seconds: ``embed``,
    ``search``, ``fetch``, ``total``)."""

    found: list[FoundMessage]
    timings: dict[str, float]


@dataclass
class _Pool:
    keys: list[tuple[str, str]] = field(default_factory=list)
    similarity: list[float] = field(default_factory=list)
    term: list[float] = field(default_factory=list)
    vector: list[float] = field(default_factory=list)


class MessageSearch:
    """Ranks the messages of memories for a question."""

    def __init__(self, index: ChunkIndex, embeddings: EmbeddingModels, analyzer: TextAnalyzer) -> None:
        self._index = index
        self._embeddings = embeddings
        self._queries = QueryAnalyzer(analyzer)

    def search(self, memories: Sequence[Memory], query: MessageQuery) -> SearchResult:
        """The best messages of ``memories`` (already checked to be the caller's); see the module docstring."""
        import numpy as np

        started = time.perf_counter()
        timings = {"embed": 0.0, "search": 0.0}
        if not memories or not query.question.strip() or query.top_n <= 0:
            return SearchResult([], {"total": time.perf_counter() - started})
        terms = self._queries.analyse(query.question)
        where = MessageFilter(
            agent_ids=query.agent_ids,
            session_contains=query.session_id or None,
            user_id=query.user_id,
            forgotten=False,
        )
        by_model: dict[tuple[str, str], list[str]] = {}
        for memory in memories:
            by_model.setdefault((memory.embd_id, memory.tenant_id), []).append(memory.id)
        pool = _Pool()
        vector_weight = 1.0 - query.keywords_similarity_weight
        for (model_id, tenant_id), memory_ids in by_model.items():
            mark = time.perf_counter()
            vector = self._embeddings.get(model_id, tenant_id).embed_query(query.question)
            timings["embed"] += time.perf_counter() - mark
            mark = time.perf_counter()
            matches = self._index.match(
                memory_ids, terms.terms, vector, top_k=CANDIDATES, kind=RecordKind.MESSAGE, messages=where
            )
            scores = scoring.score(terms, matches, vector_weight)
            pool.keys.extend(zip(matches.dataset_ids, matches.chunk_ids, strict=True))
            pool.similarity.extend(scores.similarity.tolist())
            pool.term.extend(scores.term_similarity.tolist())
            pool.vector.extend(scores.vector_similarity.tolist())
            timings["search"] += time.perf_counter() - mark
        mark = time.perf_counter()
        order = scoring.ranked(np.asarray(pool.similarity, dtype=np.float64), query.similarity_threshold)
        best = [int(position) for position in order[: query.top_n]]
        records = self._records([pool.keys[position] for position in best])
        found = [
            FoundMessage(
                records[pool.keys[position]], pool.similarity[position], pool.term[position], pool.vector[position]
            )
            for position in best
            if pool.keys[position] in records
        ]
        timings["fetch"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        return SearchResult(found, timings)

    def _records(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], ChunkRecord]:
        by_memory: dict[str, list[str]] = {}
        for memory_id, record_id in keys:
            by_memory.setdefault(memory_id, []).append(record_id)
        return {
            (memory_id, record.id): record
            for memory_id, record_ids in by_memory.items()
            for record in self._index.fetch(memory_id, record_ids)
        }

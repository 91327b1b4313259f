"""Retrieval-quality measures at document level, shared by the evaluation API
(:mod:`ragloom.services.evaluations`) and ``benchmarks/retrieval_quality.py``, so both compute
the same figures.

A ranking is a list of document ids, best first, without repeats: a document's rank is the rank
of its best chunk (:func:`document_ranking`). Relevance is a mapping from document id to a grade
(> 0; binary judgments give every relevant document 1).

- nDCG@k: the discounted gain ``grade / log2(rank + 1)`` of the first ``k`` documents, divided by
  the gain of the ideal ranking (the graded documents, highest grade first); linear gains, as
  ``trec_eval`` and BEIR compute it.
- recall@k: the share of the relevant documents among the first ``k``.
- reciprocal rank: ``1 / rank`` of the first relevant document, 0 when none was retrieved; its
  mean over questions is MRR.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

__all__ = ["document_ranking", "ndcg_at", "ranks_of", "recall_at", "reciprocal_rank"]


def document_ranking(chunk_documents: Iterable[str]) -> list[str]:
    """The documents of a chunk ranking (each chunk's document id, best chunk first), each at the
    rank of its best chunk."""
    return list(dict.fromkeys(chunk_documents))


def ndcg_at(ranking: list[str], relevance: Mapping[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain of the first ``k`` documents (0 without relevant ones)."""
    gain = sum(relevance.get(document, 0.0) / math.log2(rank + 2) for rank, document in enumerate(ranking[:k]))
    grades = sorted((grade for grade in relevance.values() if grade > 0), reverse=True)[:k]
    ideal = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(grades))
    return gain / ideal if ideal else 0.0


def recall_at(ranking: list[str], relevance: Mapping[str, float], k: int) -> float:
    """Share of the relevant documents (grade > 0) among the first ``k`` (0 without relevant ones)."""
    relevant = {document for document, grade in relevance.items() if grade > 0}
    return len(relevant.intersection(ranking[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranking: list[str], relevance: Mapping[str, float]) -> float:
    """``1 / rank`` of the first relevant document, 0 when none is in the ranking."""
    for rank, document in enumerate(ranking, start=1):
        if relevance.get(document, 0.0) > 0:
            return 1.0 / rank
    return 0.0


def ranks_of(ranking: list[str], documents: Iterable[str]) -> dict[str, int | None]:
    """The rank (1-based) of each of ``documents`` in ``ranking``; ``None`` for one not in it."""
    position = {document: rank for rank, document in enumerate(ranking, start=1)}
    return {document: position.get(document) for document in documents}

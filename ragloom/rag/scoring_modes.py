"""The scoring modes a retrieval may use, and which one it uses.

- ``ragflow`` (the default): RAGFlow's hybrid similarity (:mod:`ragloom.rag.scoring`), whose
  figures a RAGFlow client can compare with RAGFlow's own.
- ``bm25``: BM25 term scores fused with the vector's, both scaled per query
  (:mod:`ragloom.rag.bm25`); stronger on public benchmarks, with relative scores.
- ``bm25_feedback``: the ``bm25`` mode with pseudo-relevance feedback (:mod:`ragloom.rag.feedback`):
  the question's terms are expanded with words of the first pass's best chunks and searched again.

The mode comes from the request's ``scoring`` (ragloom's extension of ``POST /retrieval`` and of the
evaluation runs), else from the datasets' ``parser_config.scoring`` when they all name the same one,
else from the server setting ``retrieval.scoring``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ragloom.rag import bm25, scoring
from ragloom.rag.query import QueryTerms
from ragloom.rag.scoring import Scores
from ragloom.storage.index import Matches

if TYPE_CHECKING:
    from ragloom.rag.scoring import Floats


class ScoringMode(StrEnum):
    """How retrieval scores its candidates."""

    RAGFLOW = "ragflow"
    BM25 = "bm25"
    BM25_FEEDBACK = "bm25_feedback"

    @property
    def counts_terms(self) -> bool:
        """Whether the mode needs the candidates' term counts (``ChunkIndex.match(..., counts=True)``)."""
        return self is not ScoringMode.RAGFLOW


SCORING_MODES = tuple(mode.value for mode in ScoringMode)


def scoring_mode(name: str) -> ScoringMode:
    """The mode called ``name``; an unknown name is a ``ValueError`` listing the valid ones."""
    try:
        return ScoringMode(name)
    except ValueError:
        raise ValueError(f"unknown scoring mode {name!r}: valid modes are {', '.join(SCORING_MODES)}") from None


def chosen_mode(requested: str | None, configs: Iterable[Mapping[str, Any]], default: str) -> ScoringMode:
    """The request's mode, else the one every dataset config names, else ``default``."""
    if requested:
        return scoring_mode(requested)
    named = {config.get("scoring") for config in configs}
    if len(named) == 1 and (only := named.pop()):
        return scoring_mode(str(only))
    return scoring_mode(default)


def score(
    mode: ScoringMode,
    query: QueryTerms,
    matches: Matches,
    vector_weight: float,
    rank_features: Floats | None = None,
    query_weights: Sequence[float] | None = None,
) -> Scores:
    """The candidates' scores in ``mode`` (``bm25`` and ``bm25_feedback`` need ``matches`` with term
    counts; ``query_weights``, the terms' weights of an expanded query, only count in those)."""
    if mode.counts_terms:
        return bm25.score(query, matches, vector_weight, rank_features, query_weights)
    return scoring.score(query, matches, vector_weight, rank_features)

"""RAGFlow's hybrid similarity, computed the same way whatever the index backend.

For each candidate chunk::

    term_similarity   = sum of the weights of the query terms it contains / sum of all weights
    vector_similarity = cosine of the query and chunk vectors (or a rerank model's score)
    similarity        = (1 - w) * term_similarity + w * vector_similarity + rank features

where ``w`` is ``vector_similarity_weight``. A term's weight is its inverse document
frequency among the searched chunks, ``ln(1 + (N - df + 0.5) / (df + 0.5))``, so rare terms
count for more. A phrase term (two adjacent words) weighs half the mean of its two words:
it rewards chunks that keep the words together without outweighing the words themselves.
Rank features: a dataset's ``pagerank`` is added as it is (as RAGFlow does), so a dataset
with a higher page rank comes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragloom.rag.query import QueryTerms, TermKind
from ragloom.storage.index import Matches

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]

PHRASE_FACTOR = 0.5


@dataclass
class Scores:
    """Scores aligned with the candidates of a :class:`Matches`."""

    similarity: Floats
    term_similarity: Floats
    vector_similarity: Floats


def term_weights(query: QueryTerms, matches: Matches) -> Floats:
    """Each query term's weight (inverse document frequency; phrases from their words)."""
    import numpy as np

    frequency = matches.document_frequency.astype(np.float64)
    total = float(max(matches.eligible, 1))
    weights = np.log1p((total - frequency + 0.5) / (frequency + 0.5))
    for phrase, (first, second) in query.phrase_parts.items():
        weights[phrase] = PHRASE_FACTOR * (weights[first] + weights[second]) / 2
    return weights


def term_similarity(query: QueryTerms, matches: Matches) -> Floats:
    """The weighted share of the query's terms each candidate contains (0..1)."""
    import numpy as np

    if not query.terms or not len(matches.chunk_ids):
        return np.zeros(len(matches.chunk_ids), dtype=np.float64)
    weights = term_weights(query, matches)
    total = float(weights.sum())
    if total <= 0:
        return np.zeros(len(matches.chunk_ids), dtype=np.float64)
    shares: Floats = (matches.term_hits.astype(np.float64) @ weights) / total
    return shares


def hybrid(
    term: Floats,
    vector: Floats,
    vector_weight: float,
    rank_features: Floats | None = None,
) -> Floats:
    """``(1 - w) * term + w * vector`` plus any rank features."""
    similarity: Floats = (1.0 - vector_weight) * term + vector_weight * vector
    if rank_features is not None:
        similarity = similarity + rank_features
    return similarity


def score(query: QueryTerms, matches: Matches, vector_weight: float, rank_features: Floats | None = None) -> Scores:
    """Hybrid scores of every candidate."""
    import numpy as np

    terms = term_similarity(query, matches)
    vectors = matches.vector_similarity.astype(np.float64)
    return Scores(hybrid(terms, vectors, vector_weight, rank_features), terms, vectors)


def ranked(similarity: Floats, threshold: float) -> npt.NDArray[np.intp]:
    """Positions of the candidates scoring at least ``threshold``, best first (ties keep their order)."""
    import numpy as np

    kept = np.flatnonzero(similarity >= threshold)
    order: npt.NDArray[np.intp] = kept[np.argsort(-similarity[kept], kind="stable")]
    return order


def word_count(query: QueryTerms) -> int:
    """How many words (not phrases) the query has."""
    return sum(1 for kind in query.kinds if kind is not TermKind.PHRASE)

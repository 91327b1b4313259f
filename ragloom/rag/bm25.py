"""The ``bm25`` scoring mode: BM25 term scores fused with the vector's after scaling both per query.

For each candidate chunk of a query (the same candidates as RAGFlow's scoring sees)::

    bm25              = sum over query terms t of  idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avglen))
    term_similarity   = bm25 / the best bm25 among the candidates                       (0..1)
    vector_similarity = (cosine - lowest cosine) / (highest - lowest), over the candidates (0..1)
    similarity        = (1 - w') * term_similarity + w' * vector_similarity + rank features
    w'                = w * c / (w * c + 1 - w)      (w: vector_similarity_weight; c: the model's scale)

``idf`` is the weight RAGFlow's scoring gives a term (:func:`ragloom.rag.scoring.term_weights`:
inverse document frequency among the searched chunks, a phrase half the mean of its words); ``tf``
how often the chunk holds the term (at least once when it holds it only in its fine-grained terms),
``len`` the number of words of its content and ``avglen`` the mean of that over the candidates
holding some query term. The constants ``K1`` and ``B`` and the fusion were swept on Cranfield's first 80
queries (``benchmarks/scoring_tuning.py``): flat there (nDCG@10 0.393–0.402 for k1 1.2–2.0 and b
0.75–0.9), so the standard 1.2 and 0.75 and the default fusion weight 0.3 are kept.

The fusion itself was compared with alternatives (``scoring_tuning.py --fusion``) on Cranfield (225 queries,
with each built-in model) and SciFact's *train* queries (the first 200, universal-sentence-encoder): z-scores,
each side scaled by its spread (standard deviation or range) among its best 5–1,000 candidates, the vector's
share scaled by how far the two sides' best candidates agree, the vector scaled over its own best 100 or 300,
the raw cosine and reciprocal rank fusion. None beat this min-max fusion at the default weight on all three
(0.395, 0.403 and 0.720 nDCG@10; the best alternative there, z-scores, 0.389, 0.400 and 0.724), and the
best weight differs with the model (0.3 with universal-sentence-encoder on Cranfield, 0.6–0.7 with
multilingual-e5-small), so the fusion and its default weight are kept.

**The model's scale ``c``.** How much the nearest chunks by vector are worth beside BM25 depends on the
model: the best weight was 0.3 with universal-sentence-encoder on Cranfield (0.5 on SciFact's train
queries, within 0.004 of 0.3) but 0.5–0.7 with multilingual-e5-small on Cranfield and on SciFact's train
queries. So the weight a request gives (``vector_similarity_weight``, 0.3 by default) is the share for a
model of scale 1, and a model of scale ``c`` gets ``w'`` above: 0 stays keyword only, 1 vector only, and a
larger weight still gives the vector more. :data:`VECTOR_SCALES` holds the built-in models' scales,
chosen on those tuning sets alone (:data:`E5_VECTOR_SCALE`); any other model has scale 1.

Both parts are scaled to the query's candidates, so the scores are *relative*: the best chunk by
terms has ``term_similarity`` 1, the nearest by vector has ``vector_similarity`` 1, the farthest
candidate 0. ``similarity_threshold`` therefore keeps the chunks scoring at least that share of
the way from the worst candidate to a chunk best on both counts, not an absolute level of
relevance: a question nothing answers still has a best chunk near 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ragloom.providers.embedding.builtin import BUILTIN_E5
from ragloom.rag.query import QueryTerms
from ragloom.rag.scoring import Scores, hybrid, term_weights
from ragloom.storage.index import Matches

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    from ragloom.rag.scoring import Floats

K1 = 1.2
B = 0.75
E5_VECTOR_SCALE = 3.5
"""multilingual-e5-small's scale: the default weight 0.3 becomes 0.6, the weight best on the two tuning
sets together (``scoring_tuning.py --fusion --model e5``, nDCG@10 at 0.5 / 0.6 / 0.7: Cranfield's 225
queries 0.415 / 0.418 / 0.419, SciFact's first 300 train queries 0.748 / 0.748 / 0.741)."""
VECTOR_SCALES = {BUILTIN_E5.lower(): E5_VECTOR_SCALE}
"""The scale of each built-in model whose scale is not 1, by lower-cased id."""


def vector_scale(model_id: str) -> float:
    """The scale of the embedding model ``model_id`` in the fusion (1 unless :data:`VECTOR_SCALES` says)."""
    return VECTOR_SCALES.get(model_id.lower(), 1.0)


def calibrated_weight(weight: float, scale: float) -> float:
    """The vector's share for a model of ``scale`` when ``weight`` is asked: ``weight * scale /
    (weight * scale + 1 - weight)`` (0 and 1 unchanged; a larger weight always gives a larger share)."""
    if weight <= 0.0 or weight >= 1.0 or scale == 1.0:
        return weight
    return weight * scale / (weight * scale + 1.0 - weight)


def bm25(
    query: QueryTerms,
    matches: Matches,
    *,
    k1: float = K1,
    b: float = B,
    query_weights: Sequence[float] | None = None,
) -> Floats:
    """Each candidate's BM25 score (``matches`` must carry its term counts and lengths); with
    ``query_weights`` each term's ``idf`` is multiplied by its weight in the query (pseudo-relevance
    feedback's expanded queries, :mod:`ragloom.rag.feedback`)."""
    import numpy as np

    if matches.term_counts is None or matches.lengths is None:
        raise ValueError("BM25 needs the candidates' term counts: match with counts=True")
    if not query.terms or not len(matches.chunk_ids):
        return np.zeros(len(matches.chunk_ids), dtype=np.float64)
    weights = term_weights(query, matches)
    if query_weights is not None:
        weights = weights * np.asarray(query_weights, dtype=np.float64)
    frequency = np.maximum(matches.term_counts, matches.term_hits).astype(np.float64)
    lengths = matches.lengths.astype(np.float64)
    holding = matches.term_hits.any(axis=1)
    average = float(lengths[holding].mean()) if holding.any() else 0.0
    relative = lengths / average if average > 0 else np.ones_like(lengths)
    saturation = k1 * (1.0 - b + b * relative)
    parts = frequency * (k1 + 1.0) / (frequency + saturation[:, None])
    scores: Floats = parts @ weights
    return scores


def scaled_to_best(values: Floats) -> Floats:
    """``values`` divided by the largest (zeros when none is positive)."""
    import numpy as np

    best = float(values.max()) if values.size else 0.0
    if best <= 0:
        return np.zeros_like(values)
    scaled: Floats = values / best
    return scaled


def min_max(values: Floats) -> Floats:
    """``values`` mapped onto 0..1 (the lowest to 0, the highest to 1; all zeros when they are equal)."""
    import numpy as np

    if not values.size:
        return values
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros_like(values)
    scaled: Floats = (values - low) / (high - low)
    return scaled


def score(
    query: QueryTerms,
    matches: Matches,
    vector_weight: float,
    rank_features: Floats | None = None,
    query_weights: Sequence[float] | None = None,
) -> Scores:
    """``bm25`` scores of every candidate (see the module docstring)."""
    import numpy as np

    terms = scaled_to_best(bm25(query, matches, query_weights=query_weights))
    vectors = min_max(matches.vector_similarity.astype(np.float64))
    return Scores(hybrid(terms, vectors, vector_weight, rank_features), terms, vectors)

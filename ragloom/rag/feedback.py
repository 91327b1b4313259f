"""Pseudo-relevance feedback for the ``bm25_feedback`` scoring mode (RM3, Lavrenko & Croft's relevance
model interpolated with the question, as Abdul-Jaleel et al. describe it).

The ``bm25`` mode ranks the candidates once; the best ``FEEDBACK_CHUNKS`` of that first pass are taken
as relevant, and the question's terms are expanded with the words they share:

    P(w | R)  = sum over feedback chunks D of  score(D) * count(w, D) / |D|        (then scaled to sum 1)
    P(t | Q)  = 1 / n for each of the question's n words
    q(t)      = ORIGINAL_WEIGHT * P(t | Q) + (1 - ORIGINAL_WEIGHT) * P(t | R)

where ``score(D)`` is the chunk's first-pass similarity, ``count(w, D)`` how often its content and title
terms hold ``w`` and ``|D|`` how many terms they have. Stop words, single characters and numbers are
never expansion words; only the ``FEEDBACK_TERMS`` words of highest ``P(w | R)`` are kept (ties by the
word, so the expansion is deterministic). The question's phrases keep the weight of a question word.
The expanded terms are matched again by the same index call and scored by BM25 with each term's
``idf`` multiplied by ``q(t)`` (scaled so that a question word without feedback weighs 1): the second
pass is an ordinary ``bm25`` ranking of a weighted, longer query.

The constants were swept on Cranfield alone (``benchmarks/scoring_tuning.py --feedback``, its 225 queries, at
the default fusion weight 0.3): against the ``bm25`` mode's nDCG@10 0.395, the 48 combinations of 3-20 chunks,
5-20 words and a question weight of 0.3-0.9 gave 0.379-0.421; 5 chunks, 10 words and 0.5 (0.421, within
0.0004 of the best, in the middle of the grid) were kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragloom.rag.query import QueryTerms, TermKind
from ragloom.storage.index import Matches

if TYPE_CHECKING:
    from ragloom.rag.scoring import Floats

FEEDBACK_CHUNKS = 5
FEEDBACK_TERMS = 10
ORIGINAL_WEIGHT = 0.5


@dataclass(frozen=True)
class FeedbackParameters:
    """How many first-pass chunks feed the expansion, how many words it adds, and the question's share."""

    chunks: int = FEEDBACK_CHUNKS
    terms: int = FEEDBACK_TERMS
    original_weight: float = ORIGINAL_WEIGHT


DEFAULT_PARAMETERS = FeedbackParameters()


@dataclass(frozen=True)
class ExpandedQuery:
    """The question's terms followed by the expansion words, and each term's query weight ``q(t)``
    (scaled so that a question word's share of the question alone is 1)."""

    terms: QueryTerms
    weights: list[float]


def best_chunks(similarity: Floats, matches: Matches, count: int) -> list[tuple[tuple[str, str], float]]:
    """The (dataset id, chunk id) and first-pass score of the ``count`` best candidates, best first."""
    import numpy as np

    best = np.argsort(-similarity, kind="stable")[:count]
    return [((matches.dataset_ids[i], matches.chunk_ids[i]), float(similarity[i])) for i in best]


def _expansion_word(word: str, noise: Collection[str]) -> bool:
    return len(word) > 1 and not word.isdigit() and word not in noise


def relevance_model(
    chunks: Iterable[tuple[list[str], float]], noise: Collection[str], size: int
) -> list[tuple[str, float]]:
    """``P(w | R)`` of the ``size`` most likely words of the feedback ``chunks`` (each its terms and its
    first-pass score), scaled to sum 1, most likely first (ties by the word)."""
    model: dict[str, float] = {}
    for words, weight in chunks:
        if not words or weight <= 0:
            continue
        for word, count in Counter(words).items():
            if _expansion_word(word, noise):
                model[word] = model.get(word, 0.0) + weight * count / len(words)
    best = sorted(model.items(), key=lambda item: (-item[1], item[0]))[:size]
    total = sum(probability for _, probability in best)
    return [(word, probability / total) for word, probability in best] if total > 0 else []


def expanded(
    query: QueryTerms,
    chunks: Iterable[tuple[list[str], float]],
    noise: Collection[str],
    parameters: FeedbackParameters = DEFAULT_PARAMETERS,
) -> ExpandedQuery:
    """``query`` expanded by the relevance model of the feedback ``chunks`` (see the module docstring)."""
    words = [term for term, kind in zip(query.terms, query.kinds, strict=True) if kind is not TermKind.PHRASE]
    if not words:
        return ExpandedQuery(query, [1.0] * len(query.terms))
    alpha = parameters.original_weight
    share = 1.0 / len(words)
    model = dict(relevance_model(chunks, noise, parameters.terms)) if alpha < 1 else {}
    weights = [
        alpha * share + (0.0 if kind is TermKind.PHRASE else (1 - alpha) * model.get(term, 0.0))
        for term, kind in zip(query.terms, query.kinds, strict=True)
    ]
    known = set(query.terms)
    added = [(word, probability) for word, probability in model.items() if word not in known]
    terms = QueryTerms(
        [*query.terms, *(word for word, _ in added)],
        [*query.kinds, *(TermKind.WORD for _ in added)],
        dict(query.phrase_parts),
    )
    weights += [(1 - alpha) * probability for _, probability in added]
    scale = 1.0 / (alpha * share) if alpha > 0 else 1.0
    return ExpandedQuery(terms, [weight * scale for weight in weights])

"""RAGFlow's hybrid similarity on hand-made candidates."""

import math

import numpy as np
import pytest

from ragloom.rag import scoring
from ragloom.rag.query import QueryTerms, TermKind
from ragloom.storage.index import Matches


def matches(hits: list[list[bool]], frequency: list[int], eligible: int, vectors: list[float]) -> Matches:
    return Matches(
        chunk_ids=[f"c{n}" for n in range(len(hits))],
        dataset_ids=["d"] * len(hits),
        document_ids=["doc"] * len(hits),
        parent_ids=[""] * len(hits),
        vector_similarity=np.asarray(vectors, dtype=np.float32),
        term_hits=np.asarray(hits, dtype=bool).reshape(len(hits), len(frequency)),
        document_frequency=np.asarray(frequency, dtype=np.int64),
        eligible=eligible,
    )


WORDS = QueryTerms(["rare", "common"], [TermKind.WORD, TermKind.WORD])


def test_rare_terms_weigh_more() -> None:
    weights = scoring.term_weights(WORDS, matches([[True, False]], [1, 90], 100, [0.0]))
    assert weights[0] == pytest.approx(math.log1p(99.5 / 1.5))
    assert weights[0] > 5 * weights[1]


def test_term_similarity_is_the_share_of_query_weight_matched() -> None:
    found = matches([[True, True], [True, False], [False, True], [False, False]], [2, 3], 100, [0, 0, 0, 0])
    shares = scoring.term_similarity(WORDS, found)
    assert shares[0] == pytest.approx(1.0)
    assert shares[3] == 0.0
    assert shares[1] + shares[2] == pytest.approx(1.0)
    assert shares[1] > shares[2]


def test_hybrid_mixes_term_and_vector_by_the_weight() -> None:
    found = matches([[True, True], [False, False]], [1, 1], 10, [0.2, 0.9])
    scores = scoring.score(WORDS, found, vector_weight=0.3)
    assert scores.similarity.tolist() == pytest.approx([0.7 * 1.0 + 0.3 * 0.2, 0.3 * 0.9])
    vector_only = scoring.score(WORDS, found, vector_weight=1.0)
    assert vector_only.similarity.tolist() == pytest.approx([0.2, 0.9])


def test_rank_features_are_added() -> None:
    found = matches([[False, False]], [0, 0], 10, [0.5])
    scores = scoring.score(WORDS, found, vector_weight=1.0, rank_features=np.array([10.0]))
    assert scores.similarity[0] == pytest.approx(10.5)


def test_phrases_weigh_half_the_mean_of_their_words() -> None:
    query = QueryTerms(["a", "b", "a b"], [TermKind.WORD, TermKind.WORD, TermKind.PHRASE], {2: (0, 1)})
    weights = scoring.term_weights(query, matches([[True, True, True]], [1, 3, 1], 50, [0.0]))
    assert weights[2] == pytest.approx(0.25 * (weights[0] + weights[1]))


def test_no_terms_means_no_term_similarity() -> None:
    empty = QueryTerms()
    found = matches([[]], [], 5, [0.4])
    assert scoring.term_similarity(
        empty, Matches(**{**found.__dict__, "term_hits": np.zeros((1, 0), bool)})
    ).tolist() == [0.0]

"""The ``bm25`` scoring mode on hand-made candidates, against values computed by hand."""

import math

import numpy as np
import pytest

from ragloom.rag import bm25
from ragloom.rag.query import QueryTerms, TermKind
from ragloom.storage.index import Matches

WORDS = QueryTerms(["rare", "common"], [TermKind.WORD, TermKind.WORD])


def counted(
    counts: list[list[int]], lengths: list[int], frequency: list[int], eligible: int, vectors: list[float]
) -> Matches:
    array = np.asarray(counts, dtype=np.int32).reshape(len(counts), len(frequency))
    return Matches(
        chunk_ids=[f"c{n}" for n in range(len(counts))],
        dataset_ids=["d"] * len(counts),
        document_ids=["doc"] * len(counts),
        parent_ids=[""] * len(counts),
        vector_similarity=np.asarray(vectors, dtype=np.float32),
        term_hits=array > 0,
        document_frequency=np.asarray(frequency, dtype=np.int64),
        eligible=eligible,
        term_counts=array,
        lengths=np.asarray(lengths, dtype=np.int32),
    )


def idf(frequency: int, eligible: int) -> float:
    return math.log1p((eligible - frequency + 0.5) / (frequency + 0.5))


def test_bm25_saturates_term_frequency_and_normalises_length() -> None:
    found = counted([[2, 1], [1, 0], [0, 3]], [10, 30, 20], [2, 10], 100, [0.0, 0.0, 0.0])
    scores = bm25.bm25(WORDS, found, k1=1.2, b=0.75)
    average = 20.0  # every candidate holds a term

    def part(tf: float, length: float) -> float:
        return tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average))

    rare, common = idf(2, 100), idf(10, 100)
    assert scores.tolist() == pytest.approx(
        [rare * part(2, 10) + common * part(1, 10), rare * part(1, 30), common * part(3, 20)]
    )
    # twice the occurrences is worth less than twice the score
    assert part(2, 20) < 2 * part(1, 20)


def test_a_term_held_only_in_fine_terms_counts_once() -> None:
    found = counted([[0, 0]], [10], [1, 1], 10, [0.0])
    found.term_hits = np.array([[True, False]])
    assert bm25.bm25(WORDS, found, k1=1.0, b=0.0)[0] == pytest.approx(idf(1, 10) * 2 / 2)


def test_without_counts_it_refuses() -> None:
    found = counted([[1, 0]], [5], [1, 1], 10, [0.0])
    found.term_counts = None
    with pytest.raises(ValueError, match="counts=True"):
        bm25.bm25(WORDS, found)


def test_scores_are_scaled_per_query_and_fused_by_the_weight() -> None:
    found = counted([[1, 0], [0, 1], [0, 0]], [10, 10, 10], [1, 1], 100, [0.80, 0.90, 0.70])
    scores = bm25.score(WORDS, found, vector_weight=0.3)
    raw = bm25.bm25(WORDS, found)
    assert scores.term_similarity.tolist() == pytest.approx((raw / raw.max()).tolist())
    assert scores.term_similarity[0] == pytest.approx(1.0)
    assert scores.vector_similarity.tolist() == pytest.approx([0.5, 1.0, 0.0])
    assert scores.similarity.tolist() == pytest.approx(
        [0.7 * 1.0 + 0.3 * 0.5, 0.7 * scores.term_similarity[1] + 0.3 * 1.0, 0.0]
    )


def test_no_term_and_equal_cosines_score_zero() -> None:
    found = counted([[0, 0], [0, 0]], [4, 4], [0, 0], 10, [0.5, 0.5])
    scores = bm25.score(WORDS, found, vector_weight=0.5, rank_features=np.array([0.0, 0.25]))
    assert scores.similarity.tolist() == [0.0, 0.25]


def random_candidates(seed: int, size: int = 40) -> Matches:
    """``size`` candidates with random term counts, lengths and cosines (some holding no query term)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 4, size=(size, 2)) * (rng.random((size, 1)) < 0.7)
    lengths = rng.integers(5, 60, size=size)
    cosines = rng.uniform(-0.2, 0.9, size=size)
    return counted(counts.tolist(), lengths.tolist(), [12, 30], 500, cosines.tolist())


def order(values: np.ndarray) -> list[int]:
    return np.argsort(-values, kind="stable").tolist()


@pytest.mark.parametrize("seed", range(5))
def test_the_weight_runs_from_keyword_only_to_vector_only(seed: int) -> None:
    found = random_candidates(seed)
    assert order(bm25.score(WORDS, found, 0.0).similarity) == order(bm25.bm25(WORDS, found))
    assert order(bm25.score(WORDS, found, 1.0).similarity) == order(found.vector_similarity.astype(np.float64))
    for weight in (0.0, 0.3, 0.7, 1.0):
        scores = bm25.score(WORDS, found, weight)
        for part in (scores.similarity, scores.term_similarity, scores.vector_similarity):
            assert part.min() >= 0.0
            assert part.max() <= 1.0 + 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_more_vector_weight_never_lowers_the_nearest_chunk(seed: int) -> None:
    found = random_candidates(seed)
    nearest = int(np.argmax(found.vector_similarity))
    places = [order(bm25.score(WORDS, found, weight).similarity).index(nearest) for weight in np.linspace(0, 1, 11)]
    assert places == sorted(places, reverse=True)
    assert places[-1] == 0


def test_a_models_scale_moves_the_vector_share_but_keeps_the_ends_and_the_order() -> None:
    assert bm25.vector_scale("multilingual-e5-small@Builtin") == bm25.E5_VECTOR_SCALE == 3.5
    assert bm25.vector_scale("MULTILINGUAL-E5-SMALL@BUILTIN") == 3.5
    assert bm25.vector_scale("universal-sentence-encoder-multilingual@Builtin") == 1.0
    assert bm25.vector_scale("text-embedding-3-small@OpenAI") == 1.0
    assert bm25.calibrated_weight(0.3, 3.5) == pytest.approx(0.6)
    assert bm25.calibrated_weight(0.3, 1.0) == 0.3
    for scale in (0.5, 1.0, 3.5):
        assert bm25.calibrated_weight(0.0, scale) == 0.0
        assert bm25.calibrated_weight(1.0, scale) == 1.0
        shares = [bm25.calibrated_weight(weight / 20, scale) for weight in range(21)]
        assert shares == sorted(shares)
        assert all(0.0 <= share <= 1.0 for share in shares)

"""RAPTOR's clustering on known vectors: the groups they were drawn from, soft membership at the
threshold, the same answer for the same seed, and always fewer clusters than vectors."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ragloom.enrich.clustering import cluster, memberships


def blobs(sizes: list[int], spread: float = 0.05, seed: int = 7) -> npt.NDArray[np.float32]:
    """Vectors around one random centre per group, the groups in order."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), 48))
    return np.vstack(
        [centre + spread * rng.normal(size=(size, 48)) for centre, size in zip(centres, sizes, strict=True)]
    ).astype(np.float32)


def test_vectors_drawn_around_three_centres_form_three_clusters() -> None:
    found = cluster(blobs([5, 7, 6]), max_clusters=64, threshold=0.1, seed=0)
    assert found == [list(range(0, 5)), list(range(5, 12)), list(range(12, 18))]


def test_the_same_seed_gives_the_same_clusters() -> None:
    vectors = np.random.default_rng(3).normal(size=(40, 16)).astype(np.float32)
    first = cluster(vectors, max_clusters=8, threshold=0.1, seed=5)
    assert cluster(vectors, max_clusters=8, threshold=0.1, seed=5) == first
    assert sorted(row for group in first for row in group) == list(range(40))


def test_max_clusters_bounds_the_mixture() -> None:
    assert cluster(blobs([5, 7, 6]), max_clusters=1, threshold=0.1, seed=0) == [list(range(18))]
    assert len(cluster(blobs([4, 4, 4, 4]), max_clusters=2, threshold=0.1, seed=0)) <= 2


def test_few_or_identical_vectors_are_one_cluster() -> None:
    assert cluster(np.zeros((0, 4), dtype=np.float32), max_clusters=4, threshold=0.1, seed=0) == []
    assert cluster(blobs([1]), max_clusters=4, threshold=0.1, seed=0) == [[0]]
    assert cluster(blobs([1, 1]), max_clusters=4, threshold=0.1, seed=0) == [[0, 1]]
    same = np.ones((5, 8), dtype=np.float32)
    assert cluster(same, max_clusters=4, threshold=0.1, seed=0) == [[0, 1, 2, 3, 4]]


def test_a_vector_joins_every_cluster_it_is_likely_enough_to_belong_to() -> None:
    chances = np.array([[0.9, 0.1, 0.0], [0.55, 0.45, 0.0], [0.0, 0.2, 0.8], [0.0, 0.0, 1.0]])
    assert memberships(chances, 0.4) == [[0, 1], [1], [2, 3]]
    assert memberships(chances, 0.1) == [[0, 1], [0, 1, 2], [2, 3]]
    # none reaches the threshold: the likeliest cluster only
    assert memberships(chances, 1.0) == [[0, 1], [2, 3]]
    # the same members twice: one cluster
    assert memberships(np.array([[0.5, 0.5], [0.5, 0.5]]), 0.5) == [[0, 1]]


def test_there_are_always_fewer_clusters_than_vectors() -> None:
    vectors = blobs([1, 1, 1, 1, 1], spread=0.0)  # five far-apart points
    assert len(cluster(vectors, max_clusters=64, threshold=0.1, seed=0)) < 5


def test_agglomerative_clustering_cuts_at_the_largest_gap() -> None:
    # groups of very different sizes are kept whole (a mixture tends to even them out)
    found = cluster(blobs([5, 7, 6, 1, 20]), max_clusters=64, threshold=0.1, seed=0, method="ahc")
    assert found == [list(range(0, 5)), list(range(5, 12)), list(range(12, 18)), [18], list(range(19, 39))]
    # membership is hard: every vector in exactly one cluster, whatever the threshold
    assert sorted(row for group in found for row in group) == list(range(39))


def test_agglomerative_clustering_keeps_within_max_clusters_and_below_the_vectors() -> None:
    assert len(cluster(blobs([4, 4, 4, 4]), max_clusters=2, threshold=0.1, seed=0, method="ahc")) == 2
    assert cluster(blobs([5, 7, 6]), max_clusters=1, threshold=0.1, seed=0, method="ahc") == [list(range(18))]
    assert len(cluster(blobs([1, 1, 1, 1, 1], spread=0.0), max_clusters=64, threshold=0.1, seed=0, method="ahc")) < 5
    same = np.ones((5, 8), dtype=np.float32)
    assert cluster(same, max_clusters=4, threshold=0.1, seed=0, method="ahc") == [[0, 1, 2, 3, 4]]

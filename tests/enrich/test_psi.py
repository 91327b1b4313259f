"""The shape of a Psi tree on known vectors: every node under exactly one parent, children before
parents, one top, at most ``fan_out`` children, topics grouped first, and the same tree every time."""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt

from ragloom.enrich.psi import Inner, plan
from tests.enrich.test_clustering import blobs


def assert_is_one_tree(shape: list[Inner], leaves: int, fan_out: int) -> None:
    parents = Counter(child for inner in shape for child in inner.children)
    # every leaf and every inner node but the top has exactly one parent
    assert sorted(parents) == list(range(leaves + len(shape) - 1))
    assert set(parents.values()) == {1}
    for number, inner in enumerate(shape):
        assert 2 <= len(inner.children) <= fan_out
        assert all(child < leaves + number for child in inner.children)  # children come first
        below = [0 if child < leaves else shape[child - leaves].level for child in inner.children]
        assert inner.level == 1 + max(below)


def test_topics_are_summarised_first_then_joined_at_the_top() -> None:
    shape = plan(blobs([3, 3]))
    assert shape == [Inner(1, (0, 1, 2)), Inner(1, (3, 4, 5)), Inner(2, (6, 7))]


def test_any_vectors_make_one_tree_within_the_fan_out() -> None:
    vectors = np.random.default_rng(2).normal(size=(300, 32)).astype(np.float32)
    shape = plan(vectors, fan_out=4)
    assert_is_one_tree(shape, 300, 4)
    assert plan(vectors, fan_out=4) == shape  # the same vectors, the same tree


def test_a_group_is_never_split_across_two_summaries_of_the_first_level() -> None:
    vectors = blobs([6, 4, 5], spread=0.01)
    groups = [list(range(0, 6)), list(range(6, 10)), list(range(10, 15))]
    shape = plan(vectors)
    for inner in shape:
        if inner.level == 1:  # a first-level summary covers chunks of one topic only
            assert any(set(inner.children) <= set(group) for group in groups)
    assert_is_one_tree(shape, 15, 8)


def test_many_leaves_are_joined_in_buckets_into_one_tree() -> None:
    vectors: npt.NDArray[np.float32] = np.random.default_rng(4).normal(size=(50, 16)).astype(np.float32)
    shape = plan(vectors, fan_out=3, exact_max=8)
    assert_is_one_tree(shape, 50, 3)


def test_too_few_leaves_make_no_summary() -> None:
    assert plan(np.zeros((0, 4), dtype=np.float32)) == []
    assert plan(np.ones((1, 4), dtype=np.float32)) == []
    assert plan(np.ones((2, 4), dtype=np.float32)) == [Inner(1, (0, 1))]

"""The retrieval-quality measures the evaluation API and the benchmark share."""

from __future__ import annotations

import math

import pytest

from ragloom.rag.metrics import document_ranking, ndcg_at, ranks_of, recall_at, reciprocal_rank


def test_a_document_ranks_at_its_best_chunk() -> None:
    assert document_ranking(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_ndcg_of_binary_judgments() -> None:
    relevance = {"a": 1.0, "c": 1.0}
    assert ndcg_at(["a", "c", "b"], relevance) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], relevance) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at(["b"], relevance) == 0.0
    assert ndcg_at(["a"], {}) == 0.0


def test_ndcg_of_graded_judgments_uses_linear_gains_and_the_ideal_order() -> None:
    relevance = {"a": 1.0, "b": 2.0}
    ideal = 2 + 1 / math.log2(3)
    assert ndcg_at(["b", "a"], relevance) == pytest.approx(1.0)
    assert ndcg_at(["a", "b"], relevance) == pytest.approx((1 + 2 / math.log2(3)) / ideal)


def test_ndcg_counts_only_the_first_k() -> None:
    ranking = [f"d{n}" for n in range(12)]
    assert ndcg_at(ranking, {"d10": 1.0}) == 0.0
    assert ndcg_at(ranking, {"d10": 1.0}, k=11) == pytest.approx(1 / math.log2(12))


def test_recall_and_reciprocal_rank() -> None:
    relevance = {"a": 1.0, "c": 1.0, "z": 1.0}
    ranking = ["b", "a", "c"]
    assert recall_at(ranking, relevance, 2) == pytest.approx(1 / 3)
    assert recall_at(ranking, relevance, 10) == pytest.approx(2 / 3)
    assert reciprocal_rank(ranking, relevance) == 0.5
    assert reciprocal_rank(["b"], relevance) == 0.0
    assert ranks_of(ranking, ["a", "z"]) == {"a": 2, "z": None}

"""The figures of one question and of a run, as the evaluation task computes them."""

from __future__ import annotations

import math

import pytest

from ragloom.services.evaluation_runs import chunk_depth, figure_names, question_result, run_metrics


def test_the_chunk_depth_is_the_largest_k_and_at_least_ten() -> None:
    assert chunk_depth([1, 5]) == 10
    assert chunk_depth([10, 100]) == 100


def test_a_question_s_figures() -> None:
    result = question_result(["b", "a", "c"], {"a": 1.0, "z": 1.0}, [1, 10])
    assert result["ranks"] == {"a": 2, "z": None}
    assert result["ndcg@10"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert (result["recall@1"], result["recall@10"], result["reciprocal_rank"], result["retrieved"]) == (0, 0.5, 0.5, 3)
    assert figure_names([1, 10]) == ["ndcg@10", "recall@1", "recall@10", "reciprocal_rank"]


def test_a_run_s_means_name_the_mean_reciprocal_rank_mrr() -> None:
    results = [question_result(["a"], {"a": 1.0}, [10]), question_result(["b", "a"], {"a": 1.0}, [10])]
    assert run_metrics(results, [10]) == pytest.approx(
        {"ndcg@10": (1 + 1 / math.log2(3)) / 2, "recall@10": 1.0, "mrr": 0.75}
    )
    assert run_metrics([], [10]) is None

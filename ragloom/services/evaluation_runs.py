"""Computing an evaluation on the durable task queue: the handler of
:attr:`~ragloom.services.task_ledger.TaskKind.EVALUATION` tasks, and the figures of one question
and of a whole run.

1. Every run asks every question through :meth:`RetrievalService.retrieve
   <ragloom.services.retrieval.RetrievalService.retrieve>` — the search ``POST /retrieval`` does,
   with the run's parameters and highlighting off — taking the best ``depth`` chunks
   (:func:`chunk_depth`: the largest ``k`` of recall@k, at least 10).
2. Their documents, each at the rank of its best chunk, are the question's ranking; its figures
   (:func:`question_result`) come from :mod:`ragloom.rag.metrics`, as the benchmark's do.
3. Results are written to the evaluation under the task's lease at most every
   :data:`SAVE_SECONDS` (and at the end, with each run's means): a task that runs again — the
   server restarted, its worker died — goes on after the last question written, and one whose
   lease was lost or that was cancelled writes nothing more. A cancelled evaluation keeps the
   results it had written.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from typing import Any

from ragloom.clock import now_ms
from ragloom.errors import DataError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.rag.metrics import document_ranking, ndcg_at, ranks_of, recall_at, reciprocal_rank
from ragloom.services.retrieval import RetrievalQuery, RetrievalService
from ragloom.services.task_handling import TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask, Standing
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, retried
from ragloom.storage.queue import TaskQueue

SAVE_SECONDS = 1.0
"""Results reach the database at most this often while a run goes on."""
NDCG_CUTOFF = 10


def chunk_depth(cutoffs: list[int]) -> int:
    """How many of the best chunks a question's ranking is drawn from."""
    return max([NDCG_CUTOFF, *cutoffs])


def question_result(ranking: list[str], relevance: Mapping[str, float], cutoffs: list[int]) -> dict[str, Any]:
    """One question's figures for one run: the rank of each relevant document (``None``: not
    among the best chunks), nDCG@10, recall@k for each ``k`` and the reciprocal rank."""
    result: dict[str, Any] = {
        "ranks": ranks_of(ranking, relevance),
        f"ndcg@{NDCG_CUTOFF}": ndcg_at(ranking, relevance, NDCG_CUTOFF),
    }
    for k in cutoffs:
        result[f"recall@{k}"] = recall_at(ranking, relevance, k)
    result["reciprocal_rank"] = reciprocal_rank(ranking, relevance)
    result["retrieved"] = len(ranking)
    return result


def figure_names(cutoffs: list[int]) -> list[str]:
    """The names of a question's figures, in order."""
    return [f"ndcg@{NDCG_CUTOFF}", *(f"recall@{k}" for k in cutoffs), "reciprocal_rank"]


def run_metrics(results: list[dict[str, Any]], cutoffs: list[int]) -> dict[str, float] | None:
    """A run's means over the questions answered (``mrr`` for the reciprocal ranks); ``None`` before any."""
    if not results:
        return None
    means = {name: statistics.fmean(float(result[name]) for result in results) for name in figure_names(cutoffs)}
    means["mrr"] = means.pop("reciprocal_rank")
    return means


class EvaluationHandler:
    """Runs evaluation tasks; see the module docstring."""

    def __init__(self, store: MetadataStore, queue: TaskQueue, retrieval: RetrievalService) -> None:
        self._store = store
        self._queue = queue
        self._retrieval = retrieval

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        started = time.perf_counter()
        with self._store.reading() as tx:
            evaluation = tx.evaluations.get(task.id)
            if evaluation is None:
                raise DataError("The evaluation no longer exists (it or its dataset was deleted).")
            questions, runs, cutoffs = list(evaluation.questions), list(evaluation.runs), list(evaluation.cutoffs)
            results = {run["name"]: list(evaluation.results.get(run["name"], [])) for run in runs}
            dataset_id, tenant_id = evaluation.dataset_id, evaluation.tenant_id
        caller = Caller(tenant_id=tenant_id, key_id="")
        total = len(questions) * len(runs)
        done = sum(len(answered) for answered in results.values())
        if done:
            context.progress(done / total, f"Going on from question {done + 1} of {total} (earlier ones are kept).")
        else:
            context.progress(0.0, f"Evaluating {len(questions)} question(s) in {len(runs)} run(s).")
        saved = time.monotonic()
        depth = chunk_depth(cutoffs)
        for run in runs:
            answered = results[run["name"]]
            for question in questions[len(answered) :]:
                context.check()
                query = RetrievalQuery(
                    dataset_ids=[dataset_id],
                    question=question["question"],
                    page=1,
                    page_size=depth,
                    **run["parameters"],
                )
                found = self._retrieval.retrieve(caller, query)
                ranking = document_ranking(hit.record.document_id for hit in found.hits)
                answered.append(question_result(ranking, question["relevant"], cutoffs))
                done += 1
                if time.monotonic() - saved >= SAVE_SECONDS:
                    self._save(task, results, None)
                    saved = time.monotonic()
                context.progress(done / total)
        metrics = {run["name"]: run_metrics(results[run["name"]], cutoffs) for run in runs}
        self._save(task, results, metrics)
        figures = "; ".join(
            f"{name}: nDCG@{NDCG_CUTOFF} {means[f'ndcg@{NDCG_CUTOFF}']:.4f}, MRR {means['mrr']:.4f}"
            for name, means in metrics.items()
            if means is not None
        )
        return TaskResult(f"Evaluation done in {time.perf_counter() - started:.2f}s ({figures}).")

    @retried
    def _save(
        self, task: ClaimedTask, results: dict[str, list[dict[str, Any]]], metrics: dict[str, Any] | None
    ) -> None:
        """The results so far (and, at the end, the means) — only while this run still holds the task."""
        with self._store.writing() as tx:
            standing, _row = self._queue.hold(tx, task.lease)
            evaluation = tx.evaluations.get(task.id)
            if standing is not Standing.HELD or evaluation is None:
                raise IngestCancelledError
            evaluation.results = {name: list(answered) for name, answered in results.items()}
            if metrics is not None:
                evaluation.metrics = metrics
            evaluation.update_time = now_ms()

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        """Nothing to remove: a cancelled evaluation keeps the results it had written, and a deleted
        one went with its rows."""

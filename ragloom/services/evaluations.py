"""Retrieval-quality evaluations of a dataset (``/api/v1/evaluations``, ragloom's own API).

An evaluation is a list of questions, each with the documents that answer it (by id or by name,
optionally with graded relevance), and one or more named *runs* of retrieval parameters — those
``POST /retrieval`` takes, checked the same way. Creating one checks everything first (the
dataset is the caller's, every document named is one of its documents, each run's parameters
would be accepted by retrieval, the models they name exist) and then queues a task on the durable
queue, with the evaluation's id; :mod:`ragloom.services.evaluation_runs` computes it. Its status,
progress and log are its task's.

An evaluation of another tenant is answered as missing. Deleting an evaluation deletes its task
(a worker computing it stops); cancelling one stops its task and keeps the results written so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, DataError, NotFoundError, RagloomError
from ragloom.ids import new_id
from ragloom.services.evaluation_runs import chunk_depth, figure_names, run_metrics
from ragloom.services.retrieval import RetrievalQuery, RetrievalService
from ragloom.services.task_ledger import append_log, evaluation_task
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.evaluations import EvaluationQuery
from ragloom.storage.metadata.tables import Evaluation, Task
from ragloom.storage.queue import ACTIVE, TaskQueue, TaskStatus

RUN_PARAMETERS = (
    "document_ids",
    "similarity_threshold",
    "vector_similarity_weight",
    "top_k",
    "rerank_id",
    "keyword",
    "toc_enhance",
    "cross_languages",
    "metadata_condition",
    "scoring",
)
"""The retrieval parameters a run may set (the others of ``POST /retrieval`` page or dress its answer)."""
MAX_QUESTIONS = 1000
MAX_RUNS = 4
MAX_DOCUMENTS_PER_QUESTION = 100
MAX_CUTOFF = 1000
MAX_CUTOFFS = 8
MAX_NAME_LENGTH = 128
DEFAULT_CUTOFFS = (10, 100)
DEFAULT_RUN = "default"
MAX_LISTED = 20
"""Unknown documents a refusal names, at most."""


@dataclass(frozen=True)
class EvaluationQuestion:
    """A question and its relevant documents, each named by id or name, with its grade (> 0)."""

    question: str
    documents: dict[str, float]


@dataclass(frozen=True)
class EvaluationRun:
    """A named set of retrieval parameters (``query``'s datasets and question are filled in later)."""

    name: str
    query: RetrievalQuery


@dataclass(frozen=True)
class NewEvaluation:
    """A checked ``POST /evaluations`` request."""

    dataset_id: str
    questions: list[EvaluationQuestion]
    runs: list[EvaluationRun]
    cutoffs: list[int] = field(default_factory=lambda: list(DEFAULT_CUTOFFS))
    name: str = ""


@dataclass(frozen=True)
class EvaluationListing:
    """A page of the caller's evaluations (``dataset_id``: only that dataset's)."""

    page: int = 1
    page_size: int = 30
    orderby: str = "create_time"
    desc: bool = True
    dataset_id: str | None = None


def run_parameters(query: RetrievalQuery) -> dict[str, Any]:
    """What a run keeps of its checked retrieval query."""
    return {name: getattr(query, name) for name in RUN_PARAMETERS}


def _status(task: Task | None) -> str:
    return task.status if task is not None else TaskStatus.FAILED.value


def summary(evaluation: Evaluation, task: Task | None) -> dict[str, Any]:
    """An evaluation as lists show it: where it stands and each run's means (once done)."""
    status = _status(task)
    cutoffs = [int(k) for k in evaluation.cutoffs]
    runs = []
    for run in evaluation.runs:
        results = evaluation.results.get(run["name"], [])
        stored = (evaluation.metrics or {}).get(run["name"])
        runs.append(
            {
                "name": run["name"],
                "parameters": run["parameters"],
                "questions_done": len(results),
                "metrics": stored if stored is not None else run_metrics(results, cutoffs),
            }
        )
    return {
        "id": evaluation.id,
        "name": evaluation.name,
        "dataset_id": evaluation.dataset_id,
        "status": status,
        "progress": 1.0 if status == TaskStatus.DONE else (task.progress if task is not None else 0.0),
        "progress_msg": task.progress_msg if task is not None else "",
        "k": cutoffs,
        "chunk_depth": chunk_depth(cutoffs),
        "question_count": len(evaluation.questions),
        "runs": runs,
        "create_time": evaluation.create_time,
        "update_time": evaluation.update_time,
    }


def detail(evaluation: Evaluation, task: Task | None) -> dict[str, Any]:
    """An evaluation with every question's figures in every run and, with several runs, how each
    later run differs from the first (its means and each question's figures, later minus first)."""
    view = summary(evaluation, task)
    cutoffs = [int(k) for k in evaluation.cutoffs]
    names = [run["name"] for run in evaluation.runs]
    figures = figure_names(cutoffs)
    questions = []
    for position, question in enumerate(evaluation.questions):
        results = {
            name: evaluation.results[name][position]
            for name in names
            if position < len(evaluation.results.get(name, []))
        }
        item: dict[str, Any] = {
            "question": question["question"],
            "relevant": [
                {
                    "document_id": document_id,
                    "document_name": question["names"].get(document_id, ""),
                    "relevance": grade,
                }
                for document_id, grade in question["relevant"].items()
            ],
            "runs": results,
        }
        if len(names) > 1 and names[0] in results:
            first = results[names[0]]
            item["deltas"] = {
                name: {figure: results[name][figure] - first[figure] for figure in figures}
                for name in names[1:]
                if name in results
            }
        questions.append(item)
    view["questions"] = questions
    if len(names) > 1:
        first_metrics = view["runs"][0]["metrics"]
        view["comparison"] = {
            "baseline": names[0],
            "deltas": {
                run["name"]: {key: run["metrics"][key] - first_metrics[key] for key in first_metrics}
                for run in view["runs"][1:]
                if run["metrics"] is not None and first_metrics is not None
            },
        }
    return view


class EvaluationService:
    """The caller's evaluations; see the module docstring."""

    def __init__(self, store: MetadataStore, queue: TaskQueue, retrieval: RetrievalService) -> None:
        self._store = store
        self._queue = queue
        self._retrieval = retrieval

    def create(self, caller: Caller, new: NewEvaluation) -> dict[str, Any]:
        """Check the request against the dataset, then store the evaluation and queue its task."""
        self._retrieval.check(caller, RetrievalQuery(dataset_ids=[new.dataset_id], question=""))  # retrieval's refusal
        for run in new.runs:
            try:
                self._retrieval.check(caller, replace(run.query, dataset_ids=[new.dataset_id], question=""))
            except RagloomError as error:
                raise error.prefixed(f"Run {run.name!r}: ") from None
        now = now_ms()
        with self._store.writing() as tx:
            questions = _resolved_questions(tx, new.dataset_id, new.questions)
            evaluation = tx.evaluations.add(
                Evaluation(
                    id=new_id(),
                    tenant_id=caller.tenant_id,
                    dataset_id=new.dataset_id,
                    name=new.name,
                    questions=questions,
                    runs=[{"name": run.name, "parameters": run_parameters(run.query)} for run in new.runs],
                    cutoffs=list(new.cutoffs),
                    results={},
                    metrics=None,
                    create_time=now,
                    update_time=now,
                )
            )
            task = self._queue.enqueue(tx, evaluation_task(evaluation.id, new.dataset_id, caller.tenant_id))
            return summary(evaluation, task)

    def get(self, caller: Caller, evaluation_id: str) -> dict[str, Any]:
        """The caller's evaluation with its per-question results."""
        with self._store.reading() as tx:
            evaluation = _owned(tx, caller, evaluation_id)
            return detail(evaluation, tx.tasks.get(evaluation.id))

    def page(self, caller: Caller, listing: EvaluationListing) -> tuple[list[dict[str, Any]], int]:
        """A page of the caller's evaluations (without per-question results) and how many there are."""
        query = EvaluationQuery(
            tenant_id=caller.tenant_id,
            dataset_id=listing.dataset_id,
            orderby=listing.orderby,
            desc=listing.desc,
            offset=(listing.page - 1) * listing.page_size,
            limit=listing.page_size,
        )
        with self._store.reading() as tx:
            rows, total = tx.evaluations.find(query)
            return [summary(evaluation, task) for evaluation, task in rows], total

    def cancel(self, caller: Caller, evaluation_id: str) -> dict[str, Any]:
        """Stop the caller's queued or running evaluation (its results so far stay)."""
        with self._store.writing() as tx:
            evaluation = _owned(tx, caller, evaluation_id)
            task = tx.tasks.get(evaluation.id)
            if task is None or task.status not in ACTIVE:
                raise DataError(
                    f"The evaluation {evaluation_id} is {_status(task)}: only a queued or running one can be cancelled."
                )
            now = now_ms()
            if task.status != TaskStatus.CANCELLING:
                self._queue.cancel(tx, task.id, now=now)
                append_log(task, "Cancelled by the user.")
                task.update_time = now
            return summary(evaluation, task)

    def delete(self, caller: Caller, evaluation_ids: list[str]) -> int:
        """Delete the caller's evaluations (running ones stop); all or nothing: an id that is not
        one of the caller's evaluations refuses the request, naming it."""
        if not evaluation_ids:
            raise ArgumentError("`ids` is required: the evaluations to delete.")
        wanted = list(dict.fromkeys(evaluation_ids))
        with self._store.writing() as tx:
            owned = tx.evaluations.owned_ids(caller.tenant_id, wanted)
            missing = [evaluation_id for evaluation_id in wanted if evaluation_id not in owned]
            if missing:
                raise NotFoundError(f"No evaluation {', '.join(missing[:MAX_LISTED])}; nothing was deleted.")
            tx.evaluations.remove(wanted)
        return len(wanted)


def _owned(tx: Transaction, caller: Caller, evaluation_id: str) -> Evaluation:
    evaluation = tx.evaluations.owned(caller.tenant_id, evaluation_id)
    if evaluation is None:
        raise NotFoundError(f"No evaluation {evaluation_id}.")
    return evaluation


def _resolved_questions(tx: Transaction, dataset_id: str, questions: list[EvaluationQuestion]) -> list[dict[str, Any]]:
    """The questions with their documents as ids of the dataset's documents (a reference is an id
    of one of them, else a name); refused, naming them, when some are neither."""
    references = list(dict.fromkeys(reference for question in questions for reference in question.documents))
    by_id = {document.id: document.name for document in tx.documents.many_in_dataset(dataset_id, references)}
    by_name = tx.documents.ids_named(dataset_id, [reference for reference in references if reference not in by_id])
    unknown = [reference for reference in references if reference not in by_id and reference not in by_name]
    if unknown:
        listed = ", ".join(unknown[:MAX_LISTED]) + (
            f" and {len(unknown) - MAX_LISTED} more" if len(unknown) > MAX_LISTED else ""
        )
        raise DataError(f"The dataset {dataset_id} has no document with the id or name: {listed}.")
    named = {document_id: name for name, document_id in by_name.items()}
    resolved = []
    for question in questions:
        relevant: dict[str, float] = {}
        for reference, grade in question.documents.items():
            document_id = reference if reference in by_id else by_name[reference]
            relevant[document_id] = max(grade, relevant.get(document_id, 0.0))
        names = {document_id: by_id.get(document_id) or named.get(document_id, "") for document_id in relevant}
        resolved.append({"question": question.question, "relevant": relevant, "names": names})
    return resolved

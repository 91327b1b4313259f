"""``/evaluations`` requests and answers (ragloom's own API; see :mod:`ragloom.services.evaluations`).

A run's retrieval parameters are checked by :func:`~ragloom.api.schemas.retrieval.retrieval_query`,
the very checks of ``POST /retrieval``, so a value retrieval refuses is refused here in its words
(prefixed with the run's name). Parameters given beside ``runs`` are shared by every run; a run's
own override them.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

from ragloom.api.params import page_and_size, sane_page
from ragloom.api.schemas.loose import CheckedBody, LooseModel, RequestContext, Sent, SortedPageQuery
from ragloom.api.schemas.retrieval import retrieval_query
from ragloom.errors import ArgumentError, RagloomError
from ragloom.services.evaluations import (
    DEFAULT_CUTOFFS,
    DEFAULT_RUN,
    MAX_CUTOFF,
    MAX_CUTOFFS,
    MAX_DOCUMENTS_PER_QUESTION,
    MAX_NAME_LENGTH,
    MAX_QUESTIONS,
    MAX_RUNS,
    RUN_PARAMETERS,
    EvaluationListing,
    EvaluationQuestion,
    EvaluationRun,
    NewEvaluation,
)
from ragloom.services.retrieval import RetrievalQuery, check_question_length
from ragloom.settings import LimitSettings
from ragloom.storage.metadata.evaluations import SORTABLE_EVALUATION_COLUMNS

RUN_KEYS = frozenset({"name", "highlight", *RUN_PARAMETERS})
TOP_KEYS = frozenset({"dataset_id", "name", "questions", "k", "runs", "highlight", *RUN_PARAMETERS})
QUESTION_KEYS = frozenset({"question", "documents"})


class RetrievalParameters(BaseModel):
    """The parameters of ``POST /retrieval`` a run may set, with their retrieval defaults."""

    model_config = ConfigDict(extra="forbid")

    similarity_threshold: float | None = Field(None, description="Default 0.2.")
    vector_similarity_weight: float | None = Field(None, description="Default 0.3.")
    top_k: int | None = Field(None, description="Candidates taken from vector search; default 1024.")
    rerank_id: str | None = Field(None, description="A rerank model, as for retrieval.")
    keyword: bool | None = Field(None, description="Add keywords the chat model extracts from each question.")
    toc_enhance: bool | None = None
    cross_languages: list[str] | None = None
    metadata_condition: dict[str, Any] | None = Field(None, description="Only documents whose metadata match.")
    document_ids: list[str] | None = Field(None, description="Search only these documents of the dataset.")
    highlight: bool | None = Field(None, description="Always off in an evaluation: only `false` is accepted.")
    scoring: str | None = Field(None, description="`ragflow` or `bm25`, as for retrieval.")


class EvaluationRunIn(RetrievalParameters):
    """One named set of retrieval parameters (overriding those given beside ``runs``)."""

    name: str = Field(description=f"Unique in the evaluation, at most {MAX_NAME_LENGTH} characters.")


class EvaluationQuestionIn(BaseModel):
    """A question and the documents of the dataset that answer it."""

    model_config = ConfigDict(extra="forbid")

    question: str
    documents: list[str] | dict[str, float] = Field(
        description="Ids or names of the relevant documents (relevance 1 each), or an object giving each its "
        f"graded relevance (> 0). At most {MAX_DOCUMENTS_PER_QUESTION}."
    )


class CreateEvaluationRequest(CheckedBody[NewEvaluation]):
    """Measure retrieval on a dataset: questions with their relevant documents, one or several runs
    of retrieval parameters."""

    required_keys = ("dataset_id", "questions")

    dataset_id: Sent[str] = None
    name: Sent[str] = Field(None, description=f"A label, at most {MAX_NAME_LENGTH} characters.")
    questions: Sent[list[EvaluationQuestionIn]] = Field(
        None, json_schema_extra={"minItems": 1, "maxItems": MAX_QUESTIONS}
    )
    k: Sent[list[int]] = Field(
        None, description=f"The k of recall@k, 1..{MAX_CUTOFF}, at most {MAX_CUTOFFS}; default [10, 100]."
    )
    runs: Sent[list[EvaluationRunIn]] = Field(
        None,
        description=f"Up to {MAX_RUNS} named parameter sets to compare; without it, one run named `default`.",
    )
    similarity_threshold: Sent[float] = Field(None, description="Shared by every run; default 0.2.")
    vector_similarity_weight: Sent[float] = Field(None, description="Shared by every run; default 0.3.")
    top_k: Sent[int] = Field(None, description="Shared by every run; default 1024.")
    rerank_id: Sent[str] = None
    keyword: Sent[bool] = None
    toc_enhance: Sent[bool] = None
    cross_languages: Sent[list[str]] = None
    metadata_condition: Sent[dict[str, Any]] = None
    document_ids: Sent[list[str]] = None
    highlight: Sent[bool] = Field(None, description="Always off in an evaluation: only `false` is accepted.")
    scoring: Sent[str] = Field(None, description="Shared by every run; `ragflow` or `bm25`, as for retrieval.")

    def check(self, body: dict[str, Any], context: RequestContext) -> NewEvaluation:
        return new_evaluation(body, context.limits)


def _refuse_unknown(given: dict[str, Any], accepted: frozenset[str], where: str) -> None:
    unknown = sorted(set(given) - accepted)
    if unknown:
        raise ArgumentError(
            f"{where} does not take {', '.join(f'`{key}`' for key in unknown)}; "
            f"it takes {', '.join(f'`{key}`' for key in sorted(accepted))}."
        )


def _name(value: Any, key: str, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ArgumentError(f"`{key}` must be a non-empty string." if required else f"`{key}` must be a string.")
    if len(value) > MAX_NAME_LENGTH:
        raise ArgumentError(f"`{key}` is {len(value)} characters long, at most {MAX_NAME_LENGTH}.")
    return value


def _grade(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ArgumentError(f"{where}: a relevance must be a number greater than 0.")
    return float(value)


def _question(item: Any, position: int, limits: LimitSettings) -> EvaluationQuestion:
    where = f"questions[{position}]"
    if not isinstance(item, dict):
        raise ArgumentError(f"{where} must be an object with `question` and `documents`.")
    _refuse_unknown(item, QUESTION_KEYS, where)
    text = item.get("question")
    if not isinstance(text, str) or not text.strip():
        raise ArgumentError(f"{where}.question must be a non-empty string.")
    try:
        check_question_length(text, limits.max_question_length)
    except RagloomError as error:
        raise ArgumentError(f"{where}: {error.message}") from None
    documents = item.get("documents")
    if isinstance(documents, list) and all(isinstance(reference, str) and reference for reference in documents):
        graded = dict.fromkeys(documents, 1.0)
    elif isinstance(documents, dict):
        graded = {str(reference): _grade(grade, where) for reference, grade in documents.items() if reference}
    else:
        raise ArgumentError(
            f"{where}.documents must be a list of document ids or names, or an object of them with their relevance."
        )
    if not graded:
        raise ArgumentError(f"{where}.documents names no document: each question needs at least one.")
    if len(graded) > MAX_DOCUMENTS_PER_QUESTION:
        raise ArgumentError(f"{where}.documents names {len(graded)} documents, at most {MAX_DOCUMENTS_PER_QUESTION}.")
    return EvaluationQuestion(text, graded)


def _questions(value: Any, limits: LimitSettings) -> list[EvaluationQuestion]:
    if not isinstance(value, list) or not value:
        raise ArgumentError("`questions` is required: a list of questions with the documents that answer them.")
    if len(value) > MAX_QUESTIONS:
        raise ArgumentError(f"`questions` holds {len(value)} questions, at most {MAX_QUESTIONS}.")
    return [_question(item, position, limits) for position, item in enumerate(value)]


def _cutoffs(value: Any) -> list[int]:
    if value is None:
        return list(DEFAULT_CUTOFFS)
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= MAX_CUTOFF for k in value)
    ):
        raise ArgumentError(f"`k` must be a list of whole numbers from 1 to {MAX_CUTOFF}.")
    if len(value) > MAX_CUTOFFS:
        raise ArgumentError(f"`k` holds {len(value)} values, at most {MAX_CUTOFFS}.")
    return sorted(set(value))


def _run_query(name: str, parameters: dict[str, Any], dataset_id: str, limits: LimitSettings) -> RetrievalQuery:
    """The run's parameters checked as ``POST /retrieval`` checks them (its refusals prefixed with the run)."""
    highlight = parameters.pop("highlight", None)
    if highlight not in (None, False, "false"):
        raise ArgumentError(f"Run {name!r}: `highlight` is always off in an evaluation.")
    try:
        return retrieval_query({**parameters, "dataset_ids": [dataset_id], "question": ""}, limits)
    except RagloomError as error:
        raise error.prefixed(f"Run {name!r}: ") from None


def new_evaluation(body: dict[str, Any], limits: LimitSettings) -> NewEvaluation:
    """The request checked key by key; the first problem refuses it."""
    _refuse_unknown(body, TOP_KEYS, "An evaluation")
    dataset_id = body.get("dataset_id")
    if not isinstance(dataset_id, str) or not dataset_id:
        raise ArgumentError("`dataset_id` is required: the dataset to evaluate.")
    name = _name(body.get("name"), "name", required=False)
    questions = _questions(body.get("questions"), limits)
    cutoffs = _cutoffs(body.get("k"))
    shared = {key: body[key] for key in RUN_KEYS - {"name"} if key in body}
    given = body.get("runs")
    if given is None:
        return NewEvaluation(
            dataset_id,
            questions,
            [EvaluationRun(DEFAULT_RUN, _run_query(DEFAULT_RUN, shared, dataset_id, limits))],
            cutoffs,
            name,
        )
    if not isinstance(given, list) or not given or not all(isinstance(run, dict) for run in given):
        raise ArgumentError("`runs` must be a list of objects, each with a `name` and retrieval parameters.")
    if len(given) > MAX_RUNS:
        raise ArgumentError(f"`runs` holds {len(given)} runs, at most {MAX_RUNS}.")
    runs: list[EvaluationRun] = []
    for position, run in enumerate(given):
        _refuse_unknown(run, RUN_KEYS, f"runs[{position}]")
        run_name = _name(run.get("name"), f"runs[{position}].name", required=True)
        if any(earlier.name == run_name for earlier in runs):
            raise ArgumentError(f"Two runs are named {run_name!r}: each run needs a name of its own.")
        parameters = {**shared, **{key: value for key, value in run.items() if key != "name"}}
        runs.append(EvaluationRun(run_name, _run_query(run_name, parameters, dataset_id, limits)))
    return NewEvaluation(dataset_id, questions, runs, cutoffs, name)


class ListEvaluationsQuery(SortedPageQuery):
    """``GET /evaluations``: a page of the caller's evaluations (default: 30, newest first)."""

    dataset_id: Sent[str] = Field(None, description="Only the evaluations of this dataset.")

    def listing(self) -> EvaluationListing:
        params = self.given()
        page, page_size = sane_page(*page_and_size(params, page=1, page_size=30))
        orderby = self.orderby_or("create_time")
        if orderby not in SORTABLE_EVALUATION_COLUMNS:
            raise ArgumentError(f"`orderby` must be one of {', '.join(SORTABLE_EVALUATION_COLUMNS)}.")
        dataset_id = params.get("dataset_id")
        return EvaluationListing(page, page_size, orderby, self.descending(), str(dataset_id) if dataset_id else None)


class DeleteEvaluationsRequest(LooseModel):
    """``DELETE /evaluations``: the listed evaluations of the caller, all or none."""

    required_keys = ("ids",)

    ids: Sent[list[str]] = Field(None, json_schema_extra={"minItems": 1})

    def evaluation_ids(self) -> list[str]:
        ids = self.given().get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(item, str) and item for item in ids):
            raise ArgumentError("`ids` is required: a list of evaluation ids.")
        return ids


class RunOut(TypedDict):
    """A run of an evaluation: its parameters, how many questions it has answered, its means so far
    (``ndcg@10``, ``recall@<k>`` for each k, ``mrr``; ``null`` before the first answer)."""

    name: str
    parameters: dict[str, Any]
    questions_done: int
    metrics: dict[str, float] | None


class EvaluationOut(TypedDict):
    """An evaluation as lists, creation and cancelling return it."""

    id: str
    name: str
    dataset_id: str
    status: str
    progress: float
    progress_msg: str
    k: list[int]
    chunk_depth: int
    question_count: int
    runs: list[RunOut]
    create_time: int
    update_time: int


class RelevantOut(TypedDict):
    document_id: str
    document_name: str
    relevance: float


class QuestionOut(TypedDict, total=False):
    """A question's results: per run, the rank of each relevant document (``null``: not among the
    best ``chunk_depth`` chunks) and its figures; with several runs, each later run's difference
    from the first (``deltas``)."""

    question: str
    relevant: list[RelevantOut]
    runs: dict[str, dict[str, Any]]
    deltas: dict[str, dict[str, float]]


class EvaluationDetailOut(EvaluationOut, total=False):
    """An evaluation with every question's results and, with several runs, ``comparison``: each
    later run's means minus the first's."""

    questions: list[QuestionOut]
    comparison: dict[str, Any]


class EvaluationPageOut(TypedDict):
    evaluations: list[EvaluationOut]
    total: int


class DeletedOut(TypedDict):
    deleted: int

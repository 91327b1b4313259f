"""Evaluations on the service, without HTTP: checks, the task on the queue, exact figures,
resuming after a stop, cancelling, deleting and tenant isolation."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from ragloom.errors import ArgumentError, DataError, NotFoundError
from ragloom.services import evaluation_runs
from ragloom.services.chunks import NewChunk
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.evaluation_runs import EvaluationHandler
from ragloom.services.evaluations import (
    EvaluationListing,
    EvaluationQuestion,
    EvaluationRun,
    NewEvaluation,
)
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.task_ledger import TaskKind
from ragloom.services.tenants import Caller
from ragloom.workers.runner import TaskRunner
from tests.conftest import SCRIPTED_EMBEDDING_MODEL
from tests.evaluation_support import DISCOUNT_2, DOCUMENTS, EXPECTED, MEANS, QUESTIONS, ranks_by_id

KEYWORD_ONLY = RetrievalQuery(dataset_ids=[], question="", vector_similarity_weight=0.0, similarity_threshold=0.1)


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.fixture
def dataset(services: Services, caller: Caller) -> tuple[str, dict[str, str]]:
    """The caller's dataset of :data:`DOCUMENTS` and their ids by name."""
    created = services.datasets.create(caller, NewDataset(name="eval", embedding_model=SCRIPTED_EMBEDDING_MODEL))
    dataset_id = created.record.id
    ids = {}
    for name, text in DOCUMENTS.items():
        (document,) = services.documents.upload(
            caller, dataset_id, [IncomingFile(name=name, stream=io.BytesIO(b"x"), size=1)]
        )
        services.chunks.add(caller, dataset_id, document.id, NewChunk(content=text))
        ids[name] = document.id
    return dataset_id, ids


def questions(ids: dict[str, str]) -> list[EvaluationQuestion]:
    """:data:`QUESTIONS`, the first document of the first named by id, the others by name."""
    asked = [EvaluationQuestion(text, dict(relevant)) for text, relevant in QUESTIONS]
    asked[0].documents[ids["alpha.txt"]] = asked[0].documents.pop("alpha.txt")
    return asked


def run_queued(services: Services, worker: str = "w1", stopping: Iterator[bool] | None = None) -> None:
    """Claim the oldest queued task and run it to an outcome, as a worker does."""
    claimed = services.ledger.claim(worker)
    assert claimed is not None
    assert claimed.kind is TaskKind.EVALUATION
    handlers = {TaskKind.EVALUATION: EvaluationHandler(services.store, services.queue, services.retrieval)}
    stop = (lambda: next(stopping)) if stopping is not None else (lambda: False)
    TaskRunner(services.ledger, handlers, worker, 30.0, stopping=stop).run(claimed)


def test_an_evaluation_computes_exact_figures_per_question_and_per_run(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, ids = dataset
    new = NewEvaluation(dataset_id, questions(ids), [EvaluationRun("default", KEYWORD_ONLY)], [1, 10], "words")
    created = services.evaluations.create(caller, new)
    assert (created["status"], created["question_count"], created["chunk_depth"]) == ("queued", 3, 10)
    run_queued(services)
    done = services.evaluations.get(caller, created["id"])
    assert done["status"] == "done"
    assert done["progress"] == 1.0
    results = [question["runs"]["default"] for question in done["questions"]]
    assert [result["ranks"] for result in results] == ranks_by_id(ids)
    for figure, values in EXPECTED.items():
        assert [result[figure] for result in results] == pytest.approx(values, abs=1e-12), figure
    metrics = done["runs"][0]["metrics"]
    assert metrics == pytest.approx(MEANS, abs=1e-12)
    assert done["questions"][2]["relevant"] == [
        {"document_id": ids["beta.txt"], "document_name": "beta.txt", "relevance": 2.0},
        {"document_id": ids["alpha.txt"], "document_name": "alpha.txt", "relevance": 1.0},
    ]
    assert "comparison" not in done
    listed, total = services.evaluations.page(caller, EvaluationListing())
    assert total == 1
    assert listed[0]["runs"][0]["metrics"] == metrics
    assert "questions" not in listed[0]


def test_two_runs_are_compared_question_by_question(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, ids = dataset
    strict = RetrievalQuery(dataset_ids=[], question="", vector_similarity_weight=0.0, similarity_threshold=0.99)
    runs = [EvaluationRun("loose", KEYWORD_ONLY), EvaluationRun("strict", strict)]
    created = services.evaluations.create(caller, NewEvaluation(dataset_id, questions(ids), runs, [10]))
    run_queued(services)
    done = services.evaluations.get(caller, created["id"])
    # With a threshold of 0.99 only full matches stay: gamma (2nd for "violin canyon") drops out.
    second = done["questions"][1]
    assert second["runs"]["strict"]["ranks"] == {ids["gamma.txt"]: None}
    assert second["deltas"]["strict"]["ndcg@10"] == pytest.approx(-DISCOUNT_2)
    assert second["deltas"]["strict"]["reciprocal_rank"] == pytest.approx(-0.5)
    assert done["questions"][0]["deltas"]["strict"]["ndcg@10"] == pytest.approx(0.0)
    comparison = done["comparison"]
    assert comparison["baseline"] == "loose"
    assert comparison["deltas"]["strict"]["ndcg@10"] == pytest.approx(-DISCOUNT_2 / 3)
    assert [run["parameters"]["similarity_threshold"] for run in done["runs"]] == [0.1, 0.99]


def test_a_stopped_evaluation_goes_on_after_the_questions_it_wrote(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset_id, ids = dataset
    monkeypatch.setattr(evaluation_runs, "SAVE_SECONDS", 0.0)  # every answer is written
    asked: list[str] = []
    retrieve = services.retrieval.retrieve
    monkeypatch.setattr(
        services.retrieval, "retrieve", lambda caller, query: asked.append(query.question) or retrieve(caller, query)
    )
    new = NewEvaluation(dataset_id, questions(ids), [EvaluationRun("default", KEYWORD_ONLY)], [10])
    created = services.evaluations.create(caller, new)
    # The worker is stopped after two questions (checkpoints: before each question and each report).
    run_queued(services, stopping=iter([False] * 4 + [True] * 100))
    partial = services.evaluations.get(caller, created["id"])
    assert partial["status"] == "queued"
    assert partial["runs"][0]["questions_done"] == 2
    run_queued(services, worker="w2")
    done = services.evaluations.get(caller, created["id"])
    assert done["status"] == "done"
    assert asked == ["zebra lantern", "violin canyon", "meadow"]  # none asked twice
    assert "Going on from question 3 of 3" in done["progress_msg"]
    assert done["questions"][0]["runs"]["default"]["ranks"][ids["alpha.txt"]] == 1


def test_cancelling_and_deleting(services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]) -> None:
    dataset_id, ids = dataset
    new = NewEvaluation(dataset_id, questions(ids), [EvaluationRun("default", KEYWORD_ONLY)], [10])
    queued = services.evaluations.create(caller, new)
    assert services.evaluations.cancel(caller, queued["id"])["status"] == "cancelled"
    assert services.ledger.claim("w1") is None  # nothing left to run
    with pytest.raises(DataError, match="is cancelled: only a queued or running one can be cancelled"):
        services.evaluations.cancel(caller, queued["id"])
    other = services.evaluations.create(caller, new)
    with pytest.raises(NotFoundError, match="No evaluation nope; nothing was deleted"):
        services.evaluations.delete(caller, [other["id"], "nope"])
    assert services.evaluations.page(caller, EvaluationListing())[1] == 2
    assert services.evaluations.delete(caller, [queued["id"], other["id"]]) == 2
    assert services.evaluations.page(caller, EvaluationListing()) == ([], 0)
    assert services.ledger.claim("w1") is None  # the task went with it
    with pytest.raises(ArgumentError):
        services.evaluations.delete(caller, [])


def test_unknown_documents_are_refused_by_name_and_nothing_is_stored(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, _ids = dataset
    asked = [EvaluationQuestion("zebra", {"alpha.txt": 1.0, "missing.txt": 1.0, "no-such-id": 1.0})]
    new = NewEvaluation(dataset_id, asked, [EvaluationRun("default", KEYWORD_ONLY)])
    with pytest.raises(DataError, match="has no document with the id or name: missing.txt, no-such-id"):
        services.evaluations.create(caller, new)
    assert services.evaluations.page(caller, EvaluationListing()) == ([], 0)
    assert services.ledger.claim("w1") is None


def test_a_run_whose_parameters_retrieval_refuses_is_refused(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, ids = dataset
    reranked = RetrievalQuery(dataset_ids=[], question="", rerank_id="nothing@Nowhere")
    with pytest.raises(DataError):
        services.evaluations.create(caller, NewEvaluation(dataset_id, questions(ids), [EvaluationRun("r", reranked)]))
    foreign = RetrievalQuery(dataset_ids=[], question="", document_ids=["not-a-document"])
    with pytest.raises(DataError, match="don't own the document not-a-document"):
        services.evaluations.create(caller, NewEvaluation(dataset_id, questions(ids), [EvaluationRun("d", foreign)]))
    assert services.evaluations.page(caller, EvaluationListing()) == ([], 0)


def test_tenants_never_see_or_touch_each_other_s_evaluations(
    services: Services, caller: Caller, other_caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, ids = dataset
    new = NewEvaluation(dataset_id, questions(ids), [EvaluationRun("default", KEYWORD_ONLY)])
    with pytest.raises(DataError, match=f"You don't own the dataset {dataset_id}"):
        services.evaluations.create(other_caller, new)
    mine = services.evaluations.create(caller, new)
    for attempt in (
        lambda: services.evaluations.get(other_caller, mine["id"]),
        lambda: services.evaluations.cancel(other_caller, mine["id"]),
        lambda: services.evaluations.delete(other_caller, [mine["id"]]),
    ):
        with pytest.raises(NotFoundError, match=f"No evaluation {mine['id']}"):
            attempt()
    assert services.evaluations.page(other_caller, EvaluationListing()) == ([], 0)
    assert services.evaluations.get(caller, mine["id"])["status"] == "queued"


def test_deleting_the_dataset_deletes_its_evaluations_and_their_tasks(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, ids = dataset
    services.evaluations.create(caller, NewEvaluation(dataset_id, questions(ids), [EvaluationRun("d", KEYWORD_ONLY)]))
    services.datasets.delete(caller, [dataset_id], delete_all=False)
    assert services.evaluations.page(caller, EvaluationListing()) == ([], 0)
    assert services.ledger.claim("w1") is None

"""A dataset's RAPTOR summaries built on request (``/datasets/{id}/index?type=raptor``) as a task on the
queue: per document or over the whole dataset, read back as a task row, rebuilt without duplicates,
removed, cancelled with nothing of its own left, and refused for another tenant's dataset."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.enrich.raptor_build import DATASET_OWNER, dataset_summaries
from ragloom.errors import DataError
from ragloom.services.container import Services
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.task_ledger import Standing
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkRecord
from ragloom.workers.handlers import task_handlers
from ragloom.workers.runner import TaskRunner
from tests.enrich.conftest import ScriptedModel, document, new_dataset, parse, upload
from tests.enrich.test_raptor import PANDAS, PROMPT, VOLCANOES

WHALES = (
    "Blue whales sing long songs in the deep and cold northern ocean.",
    "Blue whales swim long miles in the deep and cold northern ocean.",
)
TOPICS = {"bamboo": "Pandas live on bamboo.", "magma": "Volcanoes pour out lava.", "whales": "Whales roam the ocean."}


def summarise(user: str) -> str:
    """A topic's summary when the content is its passages; above that, an overview naming the topics."""
    named = [summary for summary in TOPICS.values() if summary in user]
    if named:
        return "Overview: " + " ".join(sorted(named))
    return next(summary for word, summary in TOPICS.items() if word in user)


def dataset_with_documents(services: Services, caller: Caller, **raptor: Any) -> tuple[str, list[str]]:
    """A dataset asking for RAPTOR on request (no scope said: nothing is built while parsing), parsed."""
    dataset_id = new_dataset(services, caller, raptor={"use_raptor": True, "prompt": PROMPT, **raptor})
    documents = [
        upload(services, caller, dataset_id, "\n\n".join(PANDAS + VOLCANOES) + "\n", "nature.txt"),
        upload(services, caller, dataset_id, "\n\n".join(WHALES) + "\n", "ocean.txt"),
    ]
    for document_id in documents:
        parse(services, caller, dataset_id, document_id)
    return dataset_id, documents


def run_next_task(services: Services) -> Standing:
    task = services.ledger.claim("w1")
    assert task is not None
    return TaskRunner(services.ledger, task_handlers(services), "w1", lease_seconds=30).run(task)


def summaries_of(services: Services, dataset_id: str, documents: list[str]) -> list[ChunkRecord]:
    return dataset_summaries(services.index, dataset_id, documents)


def tree(summaries: list[ChunkRecord], texts: dict[str, str]) -> list[tuple[str, int, str, list[str]]]:
    """Each summary as (owner, level, text, the texts it covers)."""
    return [
        (
            summary.document_id,
            summary.extra["raptor_layer_int"],
            summary.content,
            [texts[node] for node in summary.extra["raptor_covers"]],
        )
        for summary in summaries
    ]


def texts_of(services: Services, dataset_id: str, documents: list[str]) -> dict[str, str]:
    return {
        chunk.id: chunk.content
        for document_id in [*documents, DATASET_OWNER]
        for chunk in services.index.page(dataset_id, document_id)[0]
    }


def test_a_build_per_document(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers = {"raptor": summarise}
    dataset_id, documents = dataset_with_documents(services, caller)
    assert model.asked == []  # no scope said: parsing built nothing
    started = services.enrichment.run(caller, dataset_id, "raptor")
    assert run_next_task(services) is Standing.HELD
    nature, ocean = documents
    summaries = summaries_of(services, dataset_id, documents)
    overview = "Overview: Pandas live on bamboo. Volcanoes pour out lava."
    assert tree(summaries, texts_of(services, dataset_id, documents)) == [
        (nature, 1, TOPICS["bamboo"], list(PANDAS)),
        (nature, 1, TOPICS["magma"], list(VOLCANOES)),
        (nature, 2, overview, [TOPICS["bamboo"], TOPICS["magma"]]),
        (ocean, 1, TOPICS["whales"], list(WHALES)),
    ]
    assert model.calls("raptor") == 4
    row = services.enrichment.trace(caller, dataset_id, "raptor")
    assert (row["id"], row["progress"], row["task_type"]) == (started["task_id"], 1.0, "raptor")
    assert "RAPTOR done: 4 summaries in 2 level(s) over 2 tree(s) (4 model calls, 0 from cache" in row["progress_msg"]
    assert (document(services, nature).chunk_count, document(services, ocean).chunk_count) == (9, 3)


def test_a_build_over_the_dataset_is_retrievable(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers = {"raptor": summarise}
    dataset_id, documents = dataset_with_documents(services, caller, scope="dataset")
    services.enrichment.run(caller, dataset_id, "raptor")
    run_next_task(services)
    summaries = summaries_of(services, dataset_id, documents)
    built = tree(summaries, texts_of(services, dataset_id, documents))
    overview = "Overview: " + " ".join(sorted(TOPICS.values()))
    assert built == [
        (DATASET_OWNER, 1, TOPICS["bamboo"], list(PANDAS)),
        (DATASET_OWNER, 1, TOPICS["magma"], list(VOLCANOES)),
        (DATASET_OWNER, 1, TOPICS["whales"], list(WHALES)),
        (DATASET_OWNER, 2, overview, list(TOPICS.values())),
    ]
    query = RetrievalQuery(dataset_ids=[dataset_id], question="Where do whales roam?")
    hits = services.retrieval.retrieve(caller, query).hits
    assert hits[0].record.content == TOPICS["whales"]
    assert document(services, documents[1]).chunk_count == 2  # dataset-wide summaries are no document's


def test_a_rebuild_replaces_the_layer_and_asks_nothing_again(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"raptor": summarise}
    dataset_id, documents = dataset_with_documents(services, caller)
    services.enrichment.run(caller, dataset_id, "raptor")
    run_next_task(services)
    first = summaries_of(services, dataset_id, documents)
    services.enrichment.run(caller, dataset_id, "raptor")
    run_next_task(services)
    second = summaries_of(services, dataset_id, documents)
    assert [summary.content for summary in second] == [summary.content for summary in first]
    assert not {summary.id for summary in second} & {summary.id for summary in first}
    assert model.calls("raptor") == 4
    assert document(services, documents[0]).chunk_count == 9


def test_delete_removes_every_summary(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers = {"raptor": summarise}
    dataset_id, documents = dataset_with_documents(services, caller)
    started = services.enrichment.run(caller, dataset_id, "raptor")
    run_next_task(services)
    assert services.enrichment.delete(caller, dataset_id, "raptor") == {}
    assert summaries_of(services, dataset_id, documents) == []
    assert document(services, documents[0]).chunk_count == 6
    assert services.enrichment.trace(caller, dataset_id, "raptor")["id"] == started["task_id"]


def test_cancelling_a_build_leaves_no_summary(services: Services, caller: Caller, model: ScriptedModel) -> None:
    dataset_id, documents = dataset_with_documents(services, caller)

    def cancel_then_answer(user: str) -> str:
        services.enrichment.delete(caller, dataset_id, "raptor")  # what DELETE …/index?type=raptor does
        return summarise(user)

    model.answers = {"raptor": cancel_then_answer}
    services.enrichment.run(caller, dataset_id, "raptor")
    assert run_next_task(services) is Standing.CANCELLED
    assert summaries_of(services, dataset_id, documents) == []
    with services.store.reading() as tx:
        (task,) = tx.tasks.of_dataset(dataset_id, "raptor")
        assert task.status == "cancelled"


def test_one_build_at_a_time_and_not_without_documents(services: Services, caller: Caller) -> None:
    dataset_id, _documents = dataset_with_documents(services, caller)
    started = services.enrichment.run(caller, dataset_id, "raptor")
    message = f"^Task {started['task_id']} in progress with status 0.0. A RAPTOR Task is already running.$"
    with pytest.raises(DataError, match=message):
        services.enrichment.run(caller, dataset_id, "raptor")
    empty = new_dataset(services, caller)
    with pytest.raises(DataError, match=f"^No documents in Dataset {empty}$"):
        services.enrichment.run(caller, empty, "raptor")


def test_another_tenants_dataset_is_refused_and_nothing_is_built(
    services: Services, caller: Caller, other_caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"raptor": summarise}
    dataset_id, documents = dataset_with_documents(services, caller)
    for attempt in (
        lambda: services.enrichment.run(other_caller, dataset_id, "raptor"),
        lambda: services.enrichment.trace(other_caller, dataset_id, "raptor"),
        lambda: services.enrichment.delete(other_caller, dataset_id, "raptor"),
    ):
        with pytest.raises(DataError, match="^no authorization$"):
            attempt()
    assert services.ledger.claim("w1") is None
    assert services.enrichment.trace(caller, dataset_id, "raptor") == {}
    assert summaries_of(services, dataset_id, documents) == []


def test_delete_without_wipe_keeps_the_summaries(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"raptor": summarise}
    dataset_id, documents = dataset_with_documents(services, caller)
    services.enrichment.run(caller, dataset_id, "raptor")
    run_next_task(services)
    built = {summary.id for summary in summaries_of(services, dataset_id, documents)}
    services.enrichment.run(caller, dataset_id, "raptor")  # queued, not run: cancelled by the delete
    path = f"/api/v1/datasets/{dataset_id}/index?type=raptor&wipe=false"
    assert client.delete(path, headers=headers).json() == {"code": 0, "data": {}}
    assert {summary.id for summary in summaries_of(services, dataset_id, documents)} == built
    assert services.enrichment.trace(caller, dataset_id, "raptor")["status"] == "cancelled"
    assert document(services, documents[0]).chunk_count == 9
    assert client.delete(path.removesuffix("&wipe=false"), headers=headers).json() == {"code": 0, "data": {}}
    assert summaries_of(services, dataset_id, documents) == []


def test_deleting_the_dataset_takes_its_queued_builds_with_it(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers = {"raptor": summarise}
    dataset_id, _documents = dataset_with_documents(services, caller)
    kept_id, _kept_documents = dataset_with_documents(services, caller)
    services.enrichment.run(caller, dataset_id, "raptor")
    kept = services.enrichment.run(caller, kept_id, "raptor")
    assert services.datasets.delete(caller, [dataset_id], delete_all=False) == 1
    with services.store.reading() as tx:
        assert tx.tasks.of_dataset(dataset_id, "raptor") == []
    claimed = services.ledger.claim("w1")  # only the other dataset's build is left to run
    assert claimed is not None
    assert claimed.id == kept["task_id"]


def test_a_build_running_when_its_dataset_is_deleted_stops_and_leaves_nothing(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id, documents = dataset_with_documents(services, caller)

    def delete_then_answer(user: str) -> str:
        services.datasets.delete(caller, [dataset_id], delete_all=False)  # DELETE /datasets mid-build
        return summarise(user)

    model.answers = {"raptor": delete_then_answer}
    services.enrichment.run(caller, dataset_id, "raptor")
    assert run_next_task(services) is Standing.GONE
    assert services.index.page(dataset_id, DATASET_OWNER)[0] == []
    assert summaries_of(services, dataset_id, documents) == []
    assert services.ledger.claim("w1") is None

"""A dataset's mind map built on request (``/datasets/{id}/index?type=mindmap``) as a task on the
queue, over HTTP: the tree stored and shown by ``/graph``, the task row, what the map is drawn from
(the documents' first chunks, or RAPTOR's summaries), a cancelled build leaving the old tree, removal,
and no route reaching another tenant's dataset."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ragloom.clock import http_date
from ragloom.enrich.mind_map_build import FIRST_CHUNKS
from ragloom.services.container import Services
from ragloom.services.task_ledger import Standing
from ragloom.services.tenants import Caller
from ragloom.workers.handlers import task_handlers
from ragloom.workers.runner import TaskRunner
from tests.enrich.conftest import TEXT, ScriptedModel, new_dataset, parse, upload
from tests.enrich.test_raptor_build import dataset_with_documents, summarise

OUTLINE = "# Nature\n## Pandas\n- bamboo\n## Volcanoes\n- magma\n  - lava\n"
TREE = {
    "id": "Nature",
    "children": [
        {"id": "Pandas", "children": [{"id": "bamboo", "children": []}]},
        {"id": "Volcanoes", "children": [{"id": "magma", "children": [{"id": "lava", "children": []}]}]},
    ],
}
OCEAN = "Whales sing in the deep ocean.\n"


def run_next_task(services: Services) -> Standing:
    task = services.ledger.claim("w1")
    assert task is not None
    return TaskRunner(services.ledger, task_handlers(services), "w1", lease_seconds=30).run(task)


def parsed_dataset(services: Services, caller: Caller, *texts: tuple[str, str]) -> str:
    dataset_id = new_dataset(services, caller)
    for text, name in texts:
        parse(services, caller, dataset_id, upload(services, caller, dataset_id, text, name))
    return dataset_id


def index(client: TestClient, headers: dict[str, str], method: str, dataset_id: str, query: str = "") -> Any:
    path = f"/api/v1/datasets/{dataset_id}/index?type=mindmap{query}"
    return client.request(method, path, headers=headers).json()


def mind_map(client: TestClient, headers: dict[str, str], dataset_id: str) -> Any:
    return client.get(f"/api/v1/datasets/{dataset_id}/graph", headers=headers).json()["data"]["mind_map"]


def test_the_tree_is_stored_and_shown(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers["mind_map"] = lambda _user: OUTLINE
    dataset_id = parsed_dataset(services, caller, (TEXT, "nature.txt"), (OCEAN, "ocean.txt"))
    assert mind_map(client, headers, dataset_id) == {}
    started = index(client, headers, "POST", dataset_id)
    assert started["code"] == 0
    assert run_next_task(services) is Standing.HELD
    assert mind_map(client, headers, dataset_id) == TREE
    legacy = client.get(f"/api/v1/datasets/{dataset_id}/knowledge_graph", headers=headers).json()["data"]
    assert legacy["mind_map"] == TREE
    row = index(client, headers, "GET", dataset_id)["data"]
    assert (row["id"], row["task_type"], row["status"], row["progress"]) == (
        started["data"]["task_id"],
        "mindmap",
        "done",
        1.0,
    )
    assert "Mind map built from 4 text(s) (the documents' first chunks)" in row["progress_msg"]
    assert "(1 model calls, 0 from cache" in row["progress_msg"]
    [(_enricher, user)] = model.asked
    assert user.startswith("The mind map is about: kb\n\n")
    # every document's first chunk comes before any document's second one
    assert max(user.index("Giant pandas"), user.index("Whales sing")) < user.index("Volcanoes erupt")
    assert user.index("Volcanoes erupt") < user.index("Lava from")


def test_the_first_chunks_of_each_document_only(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers["mind_map"] = lambda _user: OUTLINE
    paragraphs = [f"Paragraph {n} tells of river number {n} and its many fishes." for n in range(FIRST_CHUNKS + 3)]
    dataset_id = parsed_dataset(services, caller, ("\n\n".join(paragraphs) + "\n", "rivers.txt"))
    services.enrichment.run(caller, dataset_id, "mindmap")
    assert run_next_task(services) is Standing.HELD
    [(_enricher, user)] = model.asked
    assert [n for n in range(len(paragraphs)) if f"Paragraph {n} " in user] == list(range(FIRST_CHUNKS))


def test_raptor_summaries_are_drawn_from_when_present(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers = {"raptor": summarise, "mind_map": lambda _user: OUTLINE}
    dataset_id, _documents = dataset_with_documents(services, caller)
    services.enrichment.run(caller, dataset_id, "raptor")
    assert run_next_task(services) is Standing.HELD
    services.enrichment.run(caller, dataset_id, "mindmap")
    assert run_next_task(services) is Standing.HELD
    [user] = [user for enricher, user in model.asked if enricher == "mind_map"]
    overview = "Overview: Pandas live on bamboo. Volcanoes pour out lava."
    assert user.index(overview) < user.index("Pandas live on bamboo.\n")  # the highest level first
    assert "Whales roam the ocean." in user
    assert "Blue whales" not in user  # the chunks themselves are not
    assert services.enrichment.graph(caller, dataset_id)["mind_map"] == TREE


def test_a_cancelled_build_leaves_the_old_tree_and_delete_removes_it(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers["mind_map"] = lambda _user: OUTLINE
    dataset_id = parsed_dataset(services, caller, (TEXT, "nature.txt"))
    index(client, headers, "POST", dataset_id)
    assert run_next_task(services) is Standing.HELD
    parse(services, caller, dataset_id, upload(services, caller, dataset_id, OCEAN, "ocean.txt"))

    def cancel_then_answer(_user: str) -> str:
        assert index(client, headers, "DELETE", dataset_id, "&wipe=false") == {"code": 0, "data": {}}
        return "# Something else\n- entirely\n"

    model.answers["mind_map"] = cancel_then_answer
    started = index(client, headers, "POST", dataset_id)
    assert run_next_task(services) is Standing.CANCELLED
    assert mind_map(client, headers, dataset_id) == TREE
    row = index(client, headers, "GET", dataset_id)["data"]
    assert (row["id"], row["status"]) == (started["data"]["task_id"], "cancelled")
    assert "Cancelled by the user." in row["progress_msg"]
    assert index(client, headers, "DELETE", dataset_id) == {"code": 0, "data": {}}
    assert mind_map(client, headers, dataset_id) == {}
    assert client.delete(f"/api/v1/datasets/{dataset_id}/mindmap", headers=headers).json()["code"] == 0


def test_one_build_at_a_time(client: TestClient, headers: dict[str, str], services: Services, caller: Caller) -> None:
    dataset_id = parsed_dataset(services, caller, (TEXT, "nature.txt"))
    started = index(client, headers, "POST", dataset_id)["data"]["task_id"]
    message = f"Task {started} in progress with status 0.0. A Mindmap Task is already running."
    assert index(client, headers, "POST", dataset_id) == {"code": 102, "message": message}


def test_another_tenant_reaches_nothing(
    client: TestClient,
    headers: dict[str, str],
    other_headers: dict[str, str],
    services: Services,
    caller: Caller,
    model: ScriptedModel,
) -> None:
    model.answers["mind_map"] = lambda _user: OUTLINE
    dataset_id = parsed_dataset(services, caller, (TEXT, "nature.txt"))
    refused = {"code": 102, "message": "no authorization"}
    assert index(client, other_headers, "POST", dataset_id) == refused
    assert services.ledger.claim("w1") is None
    index(client, headers, "POST", dataset_id)
    assert run_next_task(services) is Standing.HELD
    assert index(client, other_headers, "GET", dataset_id) == refused
    assert index(client, other_headers, "DELETE", dataset_id) == refused
    answer = client.get(f"/api/v1/datasets/{dataset_id}/graph", headers=other_headers).json()
    assert answer == {"code": 109, "message": "No authorization."}
    assert mind_map(client, headers, dataset_id) == TREE


def test_the_dataset_shows_its_newest_build_of_each_kind(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers["mind_map"] = lambda _user: OUTLINE
    dataset_id = parsed_dataset(services, caller, (TEXT, "nature.txt"))
    fields = ("graphrag", "raptor", "mindmap")

    def shown() -> list[dict[str, Any]]:
        detail = client.get(f"/api/v1/datasets/{dataset_id}", headers=headers).json()["data"]
        [listed] = client.get("/api/v1/datasets", headers=headers).json()["data"]
        return [
            {key: answer[key] for field in fields for key in (f"{field}_task_id", f"{field}_task_finish_at")}
            for answer in (detail, listed)
        ]

    assert shown() == [{f"{field}_task_{what}": None for field in fields for what in ("id", "finish_at")}] * 2
    first = index(client, headers, "POST", dataset_id)["data"]["task_id"]
    assert run_next_task(services) is Standing.HELD
    parse(services, caller, dataset_id, upload(services, caller, dataset_id, OCEAN, "ocean.txt"))
    second = index(client, headers, "POST", dataset_id)["data"]["task_id"]
    assert run_next_task(services) is Standing.HELD
    raptor = client.post(f"/api/v1/datasets/{dataset_id}/index?type=raptor", headers=headers).json()["data"]
    with services.store.reading() as tx:
        done = tx.tasks.get(second)
        assert done is not None
        assert done.end_time is not None
        finished = http_date(done.end_time)
    assert first != second
    expected = {
        "graphrag_task_id": None,
        "graphrag_task_finish_at": None,
        "raptor_task_id": raptor["task_id"],
        "raptor_task_finish_at": None,  # queued, not finished
        "mindmap_task_id": second,
        "mindmap_task_finish_at": finished,
    }
    assert shown() == [expected] * 2

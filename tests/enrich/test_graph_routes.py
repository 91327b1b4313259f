"""The graph routes over HTTP: building through the queue, the task row, the capped ``/graph``,
cancel and delete, the refresh after parsing, and no route reaching another tenant's graph."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.task_ledger import Standing
from ragloom.services.tenants import Caller
from tests.enrich.conftest import ScriptedModel, document, new_dataset, parse, upload
from tests.enrich.graph_support import build_graph, graph_dataset, run_graph_task


def big_answer(_user: str) -> str:
    """300 entities, and 200 relations chaining the first 201 with weights 1..200."""
    entities = [{"name": f"E{n:03d}", "type": "category", "description": f"entity {n}"} for n in range(300)]
    relations = [
        {"source": f"E{n:03d}", "target": f"E{n + 1:03d}", "description": f"link {n}", "weight": (n + 1) / 20}
        for n in range(200)
    ]
    return json.dumps({"entities": entities, "relations": relations})


def test_graph_is_capped_at_256_nodes_by_pagerank_and_128_edges_by_weight(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers["graph"] = big_answer
    dataset_id = new_dataset(services, caller, chunk_token_num=128, graphrag={"use_graphrag": True})
    document_id = upload(services, caller, dataset_id, "A catalogue of entities.\n", "catalogue.txt")
    assert parse(services, caller, dataset_id, document_id) is Standing.HELD
    started = client.post(f"/api/v1/datasets/{dataset_id}/index?type=graph", headers=headers).json()
    assert started["code"] == 0
    assert run_graph_task(services) is Standing.HELD
    row = client.get(f"/api/v1/datasets/{dataset_id}/index?type=graph", headers=headers).json()["data"]
    assert (row["id"], row["task_type"], row["progress"], row["status"]) == (
        started["data"]["task_id"],
        "graphrag",
        1.0,
        "done",
    )
    answer = client.get(f"/api/v1/datasets/{dataset_id}/graph", headers=headers).json()["data"]
    nodes, edges = answer["graph"]["nodes"], answer["graph"]["edges"]
    assert answer["mind_map"] == {}
    assert len(nodes) == 256
    ranks = [node["pagerank"] for node in nodes]
    assert ranks == sorted(ranks, reverse=True)
    assert {f"E{n:03d}" for n in range(201)} <= {node["id"] for node in nodes}  # connected ones rank higher
    assert len(edges) == 128
    assert [edge["weight"] for edge in edges] == [(n + 1) / 20 for n in range(199, 71, -1)]
    assert set(edges[0]) == {"source", "target", "description", "weight", "keywords", "source_id"}
    assert set(nodes[0]) == {"id", "entity_name", "entity_type", "description", "pagerank", "source_id"}
    legacy = client.get(f"/api/v1/datasets/{dataset_id}/knowledge_graph", headers=headers).json()["data"]
    assert legacy == answer


def test_a_second_build_is_refused_while_one_is_queued(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = graph_dataset(services, caller, model)
    first = client.post(f"/api/v1/datasets/{dataset_id}/run_graphrag", headers=headers).json()["data"]["task_id"]
    again = client.post(f"/api/v1/datasets/{dataset_id}/index?type=graph", headers=headers).json()
    assert again == {
        "code": 102,
        "message": f"Task {first} in progress with status 0.0. A Graph Task is already running.",
    }
    trace = client.get(f"/api/v1/datasets/{dataset_id}/trace_graphrag", headers=headers).json()["data"]
    assert (trace["id"], trace["status"]) == (first, "queued")


def test_cancelling_a_rebuild_keeps_the_old_graph_and_delete_removes_it(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = graph_dataset(services, caller, model)
    build_graph(services, caller, dataset_id)
    before = sorted((record.id, record.content) for record in services.index.graph_records(dataset_id))
    cancelled = threading.Event()

    def cancel_then_answer(_user: str) -> str:
        if not cancelled.is_set():
            cancelled.set()
            answer = client.delete(f"/api/v1/datasets/{dataset_id}/index?type=graph&wipe=false", headers=headers)
            assert answer.json() == {"code": 0, "data": {}}
            time.sleep(1.5)  # the worker's watcher sees the cancel
        return '{"entities": [{"name": "Someone New", "type": "person", "description": "new"}], "relations": []}'

    model.answers["graph"] = cancel_then_answer
    model.asked.clear()
    # a new document, so that the rebuild has something to ask the model
    document_id = upload(services, caller, dataset_id, "Carol Reed joined Acme Rockets.\n", "carol.txt")
    assert parse(services, caller, dataset_id, document_id) is Standing.HELD  # the graph's refresh is queued
    assert run_graph_task(services) is Standing.CANCELLED
    row = client.get(f"/api/v1/datasets/{dataset_id}/index?type=graph", headers=headers).json()["data"]
    assert row["status"] == "cancelled"
    assert sorted((record.id, record.content) for record in services.index.graph_records(dataset_id)) == before
    assert client.delete(f"/api/v1/datasets/{dataset_id}/graph", headers=headers).json() == {"code": 0, "data": {}}
    assert services.index.graph_records(dataset_id) == []
    assert client.get(f"/api/v1/datasets/{dataset_id}/graph", headers=headers).json()["data"] == {
        "graph": {},
        "mind_map": {},
    }


def test_a_knowledge_graph_document_builds_the_graph_after_parsing(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    model.answers["graph"] = lambda _user: (
        '{"entities": [{"name": "Alice Martin", "type": "person", "description": "a founder"}], "relations": []}'
    )
    dataset_id = new_dataset(services, caller, chunk_token_num=128)
    document_id = upload(services, caller, dataset_id, "Alice Martin founded Acme Rockets.\n", "a.txt")
    with services.store.writing() as tx:  # as PUT /documents/{id} with chunk_method knowledge_graph leaves it
        tx.documents.set_fields(
            document_id, {"chunk_method": "knowledge_graph", "parser_config": {"entity_types": ["person"]}}
        )
    assert parse(services, caller, dataset_id, document_id) is Standing.HELD
    assert run_graph_task(services) is Standing.HELD
    assert [record.graph.name for record in services.index.graph_records(dataset_id) if record.graph] == [
        "Alice Martin"
    ]
    assert "Entity types: person\n" in model.asked[-1][1]


def test_with_use_graphrag_a_parse_queues_a_rebuild_only_once_the_dataset_has_a_graph(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    def queued_graph_tasks() -> int:
        with services.store.reading() as tx:
            return sum(1 for task in tx.tasks.graph_tasks(dataset_id) if task.status == "queued")

    dataset_id = graph_dataset(services, caller, model)  # two documents parsed, no graph yet
    assert queued_graph_tasks() == 0
    build_graph(services, caller, dataset_id)
    document_id = upload(services, caller, dataset_id, "Carol Reed joined Acme Rockets.\n", "carol.txt")
    assert parse(services, caller, dataset_id, document_id) is Standing.HELD
    assert queued_graph_tasks() == 1
    assert "knowledge graph is queued for a rebuild" in document(services, document_id).progress_msg


ROUTES = [
    ("POST", "/index?type=graph"),
    ("GET", "/index?type=graph"),
    ("DELETE", "/index?type=graph"),
    ("POST", "/run_graphrag"),
    ("GET", "/trace_graphrag"),
    ("DELETE", "/graph"),
    ("DELETE", "/knowledge_graph"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_graph_route_reaches_another_tenants_graph(
    client: TestClient,
    headers: dict[str, str],
    other_headers: dict[str, str],
    services: Services,
    caller: Caller,
    model: ScriptedModel,
    method: str,
    path: str,
) -> None:
    dataset_id = graph_dataset(services, caller, model)
    build_graph(services, caller, dataset_id)
    before = sorted(record.id for record in services.index.graph_records(dataset_id))
    base = f"/api/v1/datasets/{dataset_id}"
    answer: dict[str, Any] = client.request(method, base + path, headers=other_headers).json()
    assert answer == {"code": 102, "message": "no authorization"}
    for read in ("/graph", "/knowledge_graph"):
        assert client.get(base + read, headers=other_headers).json() == {"code": 109, "message": "No authorization."}
    retrieval = client.post(
        "/api/v1/retrieval",
        json={"dataset_ids": [dataset_id], "question": "Alice Martin", "use_kg": True},
        headers=other_headers,
    ).json()
    assert retrieval["code"] != 0
    assert sorted(record.id for record in services.index.graph_records(dataset_id)) == before
    assert services.enrichment.trace(caller, dataset_id, "graph")["status"] == "done"


def test_use_kg_on_the_retrieval_route(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = graph_dataset(services, caller, model)
    build_graph(services, caller, dataset_id)
    body = {"dataset_ids": [dataset_id], "question": "What did Alice Martin found?", "use_kg": True}
    chunks = client.post("/api/v1/retrieval", json=body, headers=headers).json()["data"]["chunks"]
    assert chunks[0]["document_keyword"] == "Related content in Knowledge Graph"
    assert "Alice Martin" in chunks[0]["content"]
    searched = client.post(
        f"/api/v1/datasets/{dataset_id}/search", json={"question": "Alice Martin", "use_kg": True}, headers=headers
    ).json()
    assert "Alice Martin" in searched["data"]["chunks"][0]["content_with_weight"]

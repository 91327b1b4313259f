"""The knowledge graph with a scripted model: exactly the entities and relations answered, merged
across documents, ranked by PageRank, written whole, and used by ``use_kg`` retrieval."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.tenants import Caller
from ragloom.storage.index import GraphPart
from tests.enrich.conftest import ScriptedModel
from tests.enrich.graph_support import build_graph, graph_dataset


def entities(services: Services, dataset_id: str) -> dict[str, tuple[str, str, list[str]]]:
    found = {}
    for record in services.index.graph_records(dataset_id, [GraphPart.ENTITY]):
        assert record.graph is not None
        found[record.graph.name] = (record.graph.entity_type, record.content, sorted(record.graph.document_ids))
    return found


def relations(services: Services, dataset_id: str) -> dict[tuple[str, str], tuple[float, str, list[str]]]:
    found = {}
    for record in services.index.graph_records(dataset_id, [GraphPart.RELATION]):
        assert record.graph is not None
        key = (record.graph.source, record.graph.target)
        found[key] = (record.graph.weight, record.content, record.graph.keywords)
    return found


def test_the_graph_holds_exactly_what_the_model_answered_merged_across_documents(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = graph_dataset(services, caller, model)
    row = build_graph(services, caller, dataset_id)
    assert row["progress"] == 1.0
    assert "Knowledge graph built" in row["progress_msg"]
    assert "4 entities, 3 relations, 0 community reports" in row["progress_msg"]
    with services.store.reading() as tx:
        documents = {document.name: document.id for document in tx.documents.of_dataset(dataset_id)}
    founding, engine = documents["founding.txt"], documents["engine.txt"]
    assert entities(services, dataset_id) == {
        "Alice Martin": ("person", "Alice Martin founded Acme Rockets.", [founding]),
        "ACME Rockets": (
            "organization",
            "A rocket company from Denver.\nAcme Rockets built the Falcon engine.",
            sorted([founding, engine]),
        ),
        "Falcon engine": ("product", "A rocket engine.", [engine]),
        "Bob Stone": ("person", "Bob Stone leads Acme Rockets.", [engine]),
    }
    assert relations(services, dataset_id) == {
        ("Alice Martin", "ACME Rockets"): (8.0, "Alice Martin founded Acme Rockets in 1999.", ["founder"]),
        ("ACME Rockets", "Falcon engine"): (5.0, "Acme Rockets built the Falcon engine.", []),
        ("Bob Stone", "ACME Rockets"): (3.0, "Bob Stone leads Acme Rockets.", []),
    }
    assert model.calls("graph") == 2  # one batch per document


def test_pagerank_orders_the_graph_route(services: Services, caller: Caller, model: ScriptedModel) -> None:
    dataset_id = graph_dataset(services, caller, model)
    build_graph(services, caller, dataset_id)
    graph = services.enrichment.graph(caller, dataset_id)["graph"]
    names = [node["id"] for node in graph["nodes"]]
    assert names[0] == "ACME Rockets"
    assert set(names) == {"ACME Rockets", "Alice Martin", "Falcon engine", "Bob Stone"}
    ranks = [node["pagerank"] for node in graph["nodes"]]
    assert ranks == sorted(ranks, reverse=True)
    assert [edge["weight"] for edge in graph["edges"]] == [8.0, 5.0, 3.0]
    assert graph["nodes"][1]["id"] == "Alice Martin"  # the heaviest relation ranks its end highest


def test_a_rebuild_replaces_the_graph_and_asks_again_only_for_what_changed(
    services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = graph_dataset(services, caller, model)
    build_graph(services, caller, dataset_id)
    first = sorted(record.id for record in services.index.graph_records(dataset_id))
    row = build_graph(services, caller, dataset_id)
    assert sorted(record.id for record in services.index.graph_records(dataset_id)) == first
    assert model.calls("graph") == 2
    assert "0 model calls, 2 from cache" in row["progress_msg"]


def test_use_kg_answers_what_only_the_graph_connects(services: Services, caller: Caller, model: ScriptedModel) -> None:
    dataset_id = graph_dataset(services, caller, model)
    build_graph(services, caller, dataset_id)
    question = "Which engine comes from the company Alice Martin founded?"
    plain = services.retrieval.retrieve(caller, RetrievalQuery([dataset_id], question, similarity_threshold=0.0))
    assert not any("Alice" in hit.record.content and "Falcon" in hit.record.content for hit in plain.hits)
    found = services.retrieval.retrieve(
        caller, RetrievalQuery([dataset_id], question, similarity_threshold=0.0, use_kg=True)
    )
    top = found.hits[0]
    assert top.record.document_name == "Related content in Knowledge Graph"
    assert top.record.id == ""
    assert found.total == plain.total
    text = top.record.content
    assert text.startswith("---- Entities ----\nEntity,Score,Description\n")
    assert "Alice Martin" in text
    assert "ACME Rockets,Falcon engine" in text  # reached through the graph, two documents apart
    assert "---- Relations ----\nFrom Entity,To Entity,Score,Description\n" in text


def test_an_agents_retrieval_with_use_kg_gets_the_graphs_piece_first(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, model: ScriptedModel
) -> None:
    dataset_id = graph_dataset(services, caller, model)
    build_graph(services, caller, dataset_id)
    params = {"kb_ids": [dataset_id], "similarity_threshold": 0.0, "use_kg": True}
    dsl = {
        "components": {
            "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["Retrieval:0"]},
            "Retrieval:0": {
                "obj": {"component_name": "Retrieval", "params": params},
                "downstream": ["Message:0"],
                "upstream": ["begin"],
            },
            "Message:0": {
                "obj": {"component_name": "Message", "params": {"content": ["{Retrieval:0@formalized_content}"]}},
                "upstream": ["Retrieval:0"],
            },
        }
    }
    agent = client.post("/api/v1/agents", json={"title": "graph", "dsl": dsl}, headers=headers).json()
    assert agent["code"] == 0, agent
    turn = {"agent_id": agent["data"]["id"], "query": "Which engine comes from the company Alice Martin founded?"}
    answer = client.post("/api/v1/agents/chat/completions", json={**turn, "stream": False}, headers=headers).json()
    content = answer["data"]["data"]["content"]
    assert "ACME Rockets,Falcon engine" in content  # reached through the graph, two documents apart
    assert content.index("---- Entities ----") < content.index("Falcon")


def test_without_a_graph_use_kg_adds_nothing(services: Services, caller: Caller, model: ScriptedModel) -> None:
    dataset_id = graph_dataset(services, caller, model)
    found = services.retrieval.retrieve(
        caller, RetrievalQuery([dataset_id], "Alice Martin", similarity_threshold=0.0, use_kg=True)
    )
    assert all(hit.record.document_name != "Related content in Knowledge Graph" for hit in found.hits)


@pytest.mark.parametrize("method", ["general", "ner"])
def test_the_methods(services: Services, caller: Caller, model: ScriptedModel, method: str) -> None:
    model.answers["graph_glean"] = lambda _user: (
        '{"entities": [{"name": "Denver", "type": "geo", "description": "A city."}], "relations": '
        '[{"source": "Denver", "target": "Alice Martin", "description": "home", "weight": 1}]}'
    )
    model.answers["graph_ner"] = lambda user: (
        '{"entities": [{"name": "Alice Martin", "type": "person", "description": "a founder"}, '
        '{"name": "Acme Rockets", "type": "organization", "description": "a company"}]}'
        if "Alice" in user
        else '{"entities": [{"name": "Acme Rockets", "type": "organization", "description": "builder"}, '
        '{"name": "Bob Stone", "type": "person", "description": "a leader"}]}'
    )
    dataset_id = graph_dataset(services, caller, model, method=method)
    build_graph(services, caller, dataset_id)
    names = set(entities(services, dataset_id))
    if method == "general":
        assert (model.calls("graph"), model.calls("graph_glean")) == (2, 2)
        assert names == {"Alice Martin", "ACME Rockets", "Falcon engine", "Bob Stone", "Denver"}
        assert ("Denver", "Alice Martin") in relations(services, dataset_id)
    else:
        assert (model.calls("graph"), model.calls("graph_ner")) == (0, 2)
        assert names == {"Alice Martin", "Acme Rockets", "Bob Stone"}
        assert {pair: weight for pair, (weight, _d, _k) in relations(services, dataset_id).items()} == {
            ("Alice Martin", "Acme Rockets"): 1.0,
            ("Acme Rockets", "Bob Stone"): 1.0,
        }


def test_communities_get_a_report_each(services: Services, caller: Caller, model: ScriptedModel) -> None:
    model.answers["graph_community"] = lambda _user: (
        '{"title": "Acme Rockets and its people", "summary": "Acme Rockets, founded by Alice Martin, '
        'builds the Falcon engine.", "findings": ["Bob Stone leads it."]}'
    )
    dataset_id = graph_dataset(services, caller, model, community=True)
    row = build_graph(services, caller, dataset_id)
    reports = services.index.graph_records(dataset_id, [GraphPart.COMMUNITY])
    assert len(reports) == model.calls("graph_community") >= 1
    assert f"{len(reports)} community reports" in row["progress_msg"]
    assert reports[0].content.startswith("# Acme Rockets and its people\n\nAcme Rockets, founded by Alice Martin")
    assert reports[0].graph is not None
    assert "ACME Rockets" in reports[0].graph.members


def test_resolution_merges_near_duplicate_names(services: Services, caller: Caller, model: ScriptedModel) -> None:
    answers = {
        "Alice Martin": '{"entities": [{"name": "Acme Rockets", "type": "organization", "description": "one"},'
        '{"name": "Alice Martin", "type": "person", "description": "founder"}],'
        '"relations": [{"source": "Alice Martin", "target": "Acme Rockets", "description": "founded", "weight": 2}]}',
        "Falcon": '{"entities": [{"name": "Acme-Rockets", "type": "organization", "description": "two"}], '
        '"relations": []}',
    }
    dataset_id = graph_dataset(services, caller, model, resolution=True)
    model.answers["graph"] = lambda user: next(reply for marker, reply in answers.items() if marker in user)
    build_graph(services, caller, dataset_id)
    assert entities(services, dataset_id)["Acme Rockets"][1] == "one\ntwo"
    assert set(entities(services, dataset_id)) == {"Acme Rockets", "Alice Martin"}

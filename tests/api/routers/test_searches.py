"""``/searches`` over HTTP: RAGFlow's shapes and messages, tenant walls, the streamed answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.openai_server import OpenAIStyleServer
from tests.search_support import FACT, searchable_dataset, sse_payloads

API = "/api/v1/searches"
UNAUTHORIZED = {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None}
NO_PERMISSION = {"code": 103, "message": "Has no permission for this operation.", "data": False}
NO_AUTHORIZATION = {"code": 109, "message": "No authorization.", "data": False}
LIST_KEYS = {
    "id",
    "avatar",
    "tenant_id",
    "name",
    "description",
    "created_by",
    "status",
    "update_time",
    "create_time",
    "nickname",
    "tenant_avatar",
}
DETAIL_KEYS = LIST_KEYS - {"status", "create_time"} | {"search_config"}
UPDATE_KEYS = LIST_KEYS - {"nickname", "tenant_avatar"} | {"search_config", "create_date", "update_date"}


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


def data(answer: Any) -> Any:
    body = answer.json()
    assert (body["code"], body["message"]) == (0, "success"), body
    return body["data"]


def create(client: TestClient, headers: dict[str, str], **body: Any) -> str:
    search_id: str = data(client.post(API, json={"name": "search", **body}, headers=headers))["search_id"]
    return search_id


def test_the_crud_cycle_answers_ragflow_s_shapes(client: TestClient, headers: dict[str, str]) -> None:
    search_id = create(client, headers, name="  Fruit  ", description="about fruit", search_config={"top_k": 5})
    listed = data(client.get(API, headers=headers))
    assert listed["total"] == 1
    (item,) = listed["search_apps"]
    assert set(item) == LIST_KEYS
    assert (item["id"], item["name"], item["description"], item["nickname"]) == (
        search_id,
        "Fruit",
        "about fruit",
        "alice",
    )

    detail = data(client.get(f"{API}/{search_id}", headers=headers))
    assert set(detail) == DETAIL_KEYS
    assert detail["search_config"]["top_k"] == 5
    assert detail["search_config"]["vector_similarity_weight"] == 0.3

    updated = data(
        client.put(f"{API}/{search_id}", json={"name": "Fruits", "search_config": {"keyword": True}}, headers=headers)
    )
    assert set(updated) == UPDATE_KEYS
    assert updated["name"] == "Fruits"
    assert updated["search_config"]["top_k"] == 5
    assert updated["search_config"]["keyword"] is True
    assert updated["update_date"].endswith("GMT")

    assert client.delete(f"{API}/{search_id}", headers=headers).json() == {
        "code": 0,
        "message": "success",
        "data": True,
    }
    assert data(client.get(API, headers=headers)) == {"search_apps": [], "total": 0}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"code": 101, "message": "required argument are missing: name; "}),
        ({"name": ""}, {"code": 102, "message": "Search name can't be empty."}),
        ({"name": "   "}, {"code": 102, "message": "Search name can't be empty."}),
        ({"name": 5}, {"code": 102, "message": "Search name must be string."}),
        ({"name": "é" * 65}, {"code": 102, "message": "Search name length is 130 which is large than 128"}),
        ({"name": "a", "search_config": []}, {"code": 102, "message": "search_config must be a JSON object"}),
        (
            {"name": "a", "search_config": {"similarity_threshold": 2}},
            {
                "code": 101,
                "message": "Field: <search_config.similarity_threshold> - Message: "
                "<Input should be less than or equal to 1> - Value: <2>",
            },
        ),
        (
            {"name": "a", "search_config": {"llm_setting": {"temperature": "hot"}}},
            {
                "code": 101,
                "message": "Field: <search_config.llm_setting> - Message: <Value error, `temperature` must be a "
                "number> - Value: <{'temperature': 'hot'}>",
            },
        ),
    ],
)
def test_create_refusals(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert client.post(API, json=body, headers=headers).json() == expected
    assert data(client.get(API, headers=headers))["total"] == 0


def test_update_refusals(client: TestClient, headers: dict[str, str]) -> None:
    search_id = create(client, headers, name="mine")
    create(client, headers, name="taken")
    refusals = [
        ({"name": "x"}, {"code": 101, "message": "required argument are missing: search_config; "}),
        ({}, {"code": 101, "message": "required argument are missing: name,search_config; "}),
        ({"name": "x", "search_config": "top_k=1"}, {"code": 102, "message": "search_config must be a JSON object"}),
        ({"name": "TAKEN", "search_config": {}}, {"code": 102, "message": "Duplicated search name."}),
        ({"name": "", "search_config": {}}, {"code": 102, "message": "Search name can't be empty."}),
    ]
    for body, expected in refusals:
        assert client.put(f"{API}/{search_id}", json=body, headers=headers).json() == expected
    assert data(client.get(f"{API}/{search_id}", headers=headers))["name"] == "mine"


def test_names_are_numbered_rather_than_refused_on_create(client: TestClient, headers: dict[str, str]) -> None:
    create(client, headers, name="fruit")
    second = create(client, headers, name="Fruit")
    assert data(client.get(f"{API}/{second}", headers=headers))["name"] == "Fruit(1)"


def test_listing_by_keywords_page_order_and_owner(
    client: TestClient, headers: dict[str, str], caller: Caller, other_caller: Caller
) -> None:
    for name in ("apples", "bananas", "banana bread"):
        create(client, headers, name=name)
    found = data(client.get(API, params={"keywords": "BANANA", "orderby": "name", "desc": "false"}, headers=headers))
    assert [item["name"] for item in found["search_apps"]] == ["banana bread", "bananas"]
    paged = data(client.get(API, params={"page": 2, "page_size": 2}, headers=headers))
    assert (paged["total"], [item["name"] for item in paged["search_apps"]]) == (3, ["apples"])
    mine = data(client.get(API, params={"owner_ids": caller.tenant_id}, headers=headers))
    assert mine["total"] == 3
    theirs = client.get(API, params={"owner_ids": other_caller.tenant_id}, headers=headers).json()
    assert theirs == {"code": 103, "message": "Only authorized owner_ids can be queried.", "data": False}
    unknown = client.get(API, params={"orderby": "nope"}, headers=headers).json()
    assert unknown["code"] == 101
    assert "Unknown orderby field: 'nope'" in unknown["message"]
    too_large = client.get(API, params={"page_size": 101}, headers=headers).json()
    assert too_large["code"] == 100
    assert "page_size must be less than or equal to 100" in too_large["message"]


def test_another_tenant_s_app_is_neither_shown_nor_changed(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str]
) -> None:
    search_id = create(client, headers, name="mine", search_config={"top_k": 5})
    assert data(client.get(API, headers=other_headers)) == {"search_apps": [], "total": 0}
    assert client.get(f"{API}/{search_id}", headers=other_headers).json() == NO_PERMISSION
    change = {"name": "stolen", "search_config": {"top_k": 1}}
    assert client.put(f"{API}/{search_id}", json=change, headers=other_headers).json() == NO_AUTHORIZATION
    assert client.delete(f"{API}/{search_id}", headers=other_headers).json() == NO_AUTHORIZATION
    for path in ("completions", "completion"):
        asked = client.post(f"{API}/{search_id}/{path}", json={"question": "q"}, headers=other_headers)
        assert asked.json() == NO_AUTHORIZATION
    detail = data(client.get(f"{API}/{search_id}", headers=headers))
    assert (detail["name"], detail["search_config"]["top_k"]) == ("mine", 5)
    assert client.get(f"{API}/0123456789abcdef0123456789abcdef", headers=headers).json() == NO_PERMISSION


def test_every_route_needs_a_key(client: TestClient) -> None:
    for method, path in (("POST", ""), ("GET", ""), ("GET", "/x"), ("PUT", "/x"), ("DELETE", "/x")):
        answer = client.request(method, f"{API}{path}")
        assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)
    answer = client.post(f"{API}/x/completions", json={"question": "q"})
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)


def test_completion_refusals(
    client: TestClient, headers: dict[str, str], services: Services, other_caller: Caller
) -> None:
    search_id = create(client, headers)
    theirs, _ = searchable_dataset(services, other_caller, "theirs")
    for path in ("completions", "completion"):
        missing = client.post(f"{API}/{search_id}/{path}", json={}, headers=headers).json()
        assert missing == {"code": 101, "message": "required argument are missing: question; "}
        no_datasets = client.post(f"{API}/{search_id}/{path}", json={"question": "q"}, headers=headers).json()
        assert no_datasets == {"code": 102, "message": "`kb_ids` is required."}
        foreign = client.post(f"{API}/{search_id}/{path}", json={"question": "q", "kb_ids": [theirs]}, headers=headers)
        assert foreign.json() == {"code": 102, "message": f"You don't own the dataset {theirs}"}


def test_the_answer_streams_deltas_then_the_cited_answer_then_true(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    dataset_id, document_id = searchable_dataset(services, caller, "fruit")
    search_id = create(client, headers, search_config={"kb_ids": [dataset_id]})
    chat_server.answer = ["Bananas ", "hold potassium [ID:0]."]
    answer = client.post(
        f"{API}/{search_id}/completions", json={"question": "Do bananas hold potassium?"}, headers=headers
    )
    assert answer.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = sse_payloads(answer.text)
    assert events[:2] == [
        {"code": 0, "message": "", "data": {"answer": "Bananas ", "reference": {}, "final": False}},
        {"code": 0, "message": "", "data": {"answer": "hold potassium [ID:0].", "reference": {}, "final": False}},
    ]
    final = events[2]["data"]
    assert final["final"] is True
    assert final["answer"] == "Bananas hold potassium [ID:0]."
    reference = final["reference"]
    assert reference["chunks"][0]["content"] == FACT
    assert reference["chunks"][0]["document_id"] == document_id
    assert reference["doc_aggs"] == [{"doc_name": "notes.txt", "doc_id": document_id, "count": reference["total"]}]
    assert events[3:] == [{"code": 0, "message": "", "data": True}]


def test_a_failing_model_ends_the_stream_with_ragflow_s_error_event(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    search_id = create(client, headers, search_config={"kb_ids": [dataset_id]})
    chat_server.failure, chat_server.failing = 503, "/chat/completions"
    answer = client.post(f"{API}/{search_id}/completion", json={"question": "bananas"}, headers=headers)
    error, terminator = sse_payloads(answer.text)
    assert error["code"] == 500
    assert "parrot@OpenAI-API-Compatible" in error["message"]
    assert "503" in error["message"]
    assert error["data"] == {"answer": f"**ERROR**: {error['message']}", "reference": []}
    assert terminator == {"code": 0, "message": "", "data": True}

"""``/searchbots``: the embedded search widget's routes, authenticated by a tenant's API key."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.search_apps import NewSearchApp
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller
from tests.openai_server import OpenAIStyleServer
from tests.search_support import FACT, searchable_dataset, sse_payloads

API = "/api/v1/searchbots"
NO_PERMISSION = {"code": 103, "message": "Has no permission for this operation.", "data": False}


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authorization is not valid!"),
        ("ragflow-only-one-word", "Authorization is not valid!"),
        ("Bearer two words", "Authorization is not valid!"),
        ("Bearer ragflow-wrong", "Authentication error: API key is invalid!"),
    ],
)
def test_a_missing_or_wrong_key_is_ragflow_s_widget_refusal(
    client: TestClient, header: str | None, message: str
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for method, path in (("POST", "/ask"), ("POST", "/related_questions"), ("GET", "/detail?search_id=x")):
        answer = client.request(method, f"{API}{path}", json={"question": "q", "kb_ids": []}, headers=headers)
        assert (answer.status_code, answer.json()) == (200, {"code": 102, "message": message})


def test_related_questions(client: TestClient, headers: dict[str, str], chat_server: OpenAIStyleServer) -> None:
    chat_server.answer = "- alpha\n- beta"
    answer = client.post(f"{API}/related_questions", json={"question": "greek letters"}, headers=headers).json()
    assert answer == {"code": 0, "message": "success", "data": ["alpha", "beta"]}
    missing = client.post(f"{API}/related_questions", json={}, headers=headers).json()
    assert missing == {"code": 101, "message": "required argument are missing: question; "}


def test_detail_shows_the_caller_s_app_only(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, other_caller: Caller
) -> None:
    mine = services.search_apps.create(caller, NewSearchApp(name="mine", config=SearchConfig(top_k=7)))
    theirs = services.search_apps.create(other_caller, NewSearchApp(name="theirs"))
    detail = client.get(f"{API}/detail", params={"search_id": mine}, headers=headers).json()["data"]
    assert (detail["id"], detail["name"], detail["search_config"]["top_k"]) == (mine, "mine", 7)
    assert client.get(f"{API}/detail", params={"search_id": theirs}, headers=headers).json() == NO_PERMISSION
    assert client.get(f"{API}/detail", headers=headers).json() == {"code": 102, "message": "`search_id` is required."}


def test_ask_streams_an_answer_over_the_given_datasets(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, other_caller: Caller
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    events = sse_payloads(
        client.post(f"{API}/ask", json={"question": "bananas potassium", "kb_ids": [dataset_id]}, headers=headers).text
    )
    assert events[-1] == {"code": 0, "message": "", "data": True}
    final = events[-2]["data"]
    assert final["final"] is True
    assert final["reference"]["chunks"][0]["content"] == FACT
    missing = client.post(f"{API}/ask", json={"question": "q"}, headers=headers).json()
    assert missing == {"code": 101, "message": "required argument are missing: kb_ids; "}
    theirs = services.search_apps.create(other_caller, NewSearchApp(name="theirs"))
    foreign = client.post(
        f"{API}/ask", json={"question": "q", "kb_ids": [dataset_id], "search_id": theirs}, headers=headers
    )
    assert foreign.json() == NO_PERMISSION


def test_retrieval_tests_answer_a_clear_error(client: TestClient, headers: dict[str, str]) -> None:
    retrieval = client.post(f"{API}/retrieval_test", json={"question": "q", "kb_id": ["x"]}, headers=headers).json()
    assert retrieval["code"] == 102
    assert "POST /api/v1/retrieval" in retrieval["message"]


def test_mind_map_of_the_given_datasets(
    client: TestClient,
    headers: dict[str, str],
    services: Services,
    caller: Caller,
    other_caller: Caller,
    chat_server: OpenAIStyleServer,
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    chat_server.answer = "## Fruit\n- Bananas\n## Bread\n- Sourdough\n"
    body = {"question": "bananas potassium", "kb_ids": [dataset_id]}
    answer = client.post(f"{API}/mindmap", json=body, headers=headers).json()
    assert answer == {
        "code": 0,
        "message": "success",
        "data": {
            "id": "root",
            "children": [
                {"id": "Fruit", "children": [{"id": "Bananas", "children": []}]},
                {"id": "Bread", "children": [{"id": "Sourdough", "children": []}]},
            ],
        },
    }
    (asked,) = chat_server.chat_requests
    assert FACT in asked["messages"][-1]["content"]
    missing = client.post(f"{API}/mindmap", json={"question": "q"}, headers=headers).json()
    assert missing == {"code": 101, "message": "required argument are missing: kb_ids; "}
    theirs = services.search_apps.create(other_caller, NewSearchApp(name="theirs"))
    foreign = client.post(
        f"{API}/mindmap", json={"question": "q", "kb_ids": [dataset_id], "search_id": theirs}, headers=headers
    )
    assert foreign.json() == NO_PERMISSION
    unauthorized = client.post(f"{API}/mindmap", json=body, headers={"Authorization": "Bearer ragflow-wrong"})
    assert unauthorized.json() == {"code": 102, "message": "Authentication error: API key is invalid!"}
    assert len(chat_server.chat_requests) == 1

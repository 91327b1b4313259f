"""``/chat/recommendation`` (and its two other paths) and ``/chat/mindmap`` over HTTP, with the
scripted model server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.search_apps import NewSearchApp
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller
from tests.openai_server import SECRET, OpenAIStyleServer
from tests.search_support import FACT, searchable_dataset

PATHS = ("/api/v1/chat/recommendation", "/api/v1/chat/recommandation", "/api/v1/sessions/related_questions")
MIND_MAP = "/api/v1/chat/mindmap"
UNAUTHORIZED = {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None}


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.mark.parametrize("path", PATHS)
def test_related_questions_come_back_as_a_list(
    client: TestClient, headers: dict[str, str], chat_server: OpenAIStyleServer, path: str
) -> None:
    chat_server.answer = "1. What do pandas eat?\n2. Where do pandas live?"
    answer = client.post(path, json={"question": "pandas", "industry": "zoo"}, headers=headers).json()
    assert answer == {"code": 0, "message": "success", "data": ["What do pandas eat?", "Where do pandas live?"]}


def test_refusals(client: TestClient, headers: dict[str, str], chat_server: OpenAIStyleServer) -> None:
    path = PATHS[0]
    missing = client.post(path, json={"industry": "zoo"}, headers=headers).json()
    assert missing == {"code": 101, "message": "required argument are missing: question; ", "data": None}
    wrong = client.post(path, json={"question": ["pandas"]}, headers=headers).json()
    assert wrong["code"] == 101
    assert wrong["message"].startswith("Field: <question> - Message: <Input should be")
    unauthorized = client.post(path, json={"question": "pandas"})
    assert (unauthorized.status_code, unauthorized.json()) == (401, UNAUTHORIZED)
    assert chat_server.bodies == []


def test_another_tenant_s_search_app_is_refused(
    client: TestClient, headers: dict[str, str], services: Services, other_caller: Caller
) -> None:
    theirs = services.search_apps.create(other_caller, NewSearchApp(name="theirs"))
    answer = client.post(PATHS[0], json={"question": "pandas", "search_id": theirs}, headers=headers).json()
    assert answer == {"code": 103, "message": "Has no permission for this operation.", "data": False}


def test_a_failing_model_is_a_clear_error_envelope(
    client: TestClient, headers: dict[str, str], chat_server: OpenAIStyleServer
) -> None:
    chat_server.failure = 502
    answer = client.post(PATHS[0], json={"question": "pandas"}, headers=headers).json()
    assert answer["code"] == 400
    assert answer["data"] is None
    assert answer["message"].startswith("Related questions could not use chat model parrot@OpenAI-API-Compatible: ")
    assert SECRET not in answer["message"]


def test_without_a_chat_model_the_answer_says_how_to_get_one(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller
) -> None:
    with services.store.writing() as tx:
        tenant = tx.tenants.get(caller.tenant_id)
        assert tenant is not None
        tenant.chat_model = "gpt-4o@OpenAI"
    answer = client.post(PATHS[0], json={"question": "pandas"}, headers=headers).json()
    assert answer["code"] == 102
    assert "needs a chat model, and none is configured for this tenant" in answer["message"]


OUTLINE = "# Bananas\n## Nutrition\n- Potassium\n## Growing\n- Tropical climates\n"
TREE = {
    "id": "Bananas",
    "children": [
        {"id": "Nutrition", "children": [{"id": "Potassium", "children": []}]},
        {"id": "Growing", "children": [{"id": "Tropical climates", "children": []}]},
    ],
}


def test_a_mind_map_outlines_what_the_question_retrieves(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    chat_server.answer = OUTLINE
    body = {"question": "bananas potassium", "kb_ids": [dataset_id]}
    answer = client.post(MIND_MAP, json=body, headers=headers).json()
    assert answer == {"code": 0, "message": "success", "data": TREE}
    (asked,) = chat_server.chat_requests
    assert FACT in asked["messages"][-1]["content"]
    assert "bananas potassium" in asked["messages"][-1]["content"]
    again = client.post(MIND_MAP, json=body, headers=headers).json()  # the same chunks: kept, not asked again
    assert again == answer
    assert len(chat_server.chat_requests) == 1


def test_a_mind_map_of_a_search_app_s_datasets(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    app = services.search_apps.create(caller, NewSearchApp(name="fruit", config=SearchConfig(kb_ids=[dataset_id])))
    chat_server.answer = OUTLINE
    body = {"question": "bananas", "kb_ids": [], "search_id": app}
    assert client.post(MIND_MAP, json=body, headers=headers).json()["data"] == TREE


def test_mind_map_refusals(
    client: TestClient,
    headers: dict[str, str],
    services: Services,
    other_caller: Caller,
    chat_server: OpenAIStyleServer,
) -> None:
    missing = client.post(MIND_MAP, json={"question": "q"}, headers=headers).json()
    assert missing == {"code": 101, "message": "required argument are missing: kb_ids; ", "data": None}
    their_dataset, _ = searchable_dataset(services, other_caller, "theirs")
    foreign = client.post(MIND_MAP, json={"question": "q", "kb_ids": [their_dataset]}, headers=headers).json()
    assert foreign == {"code": 102, "message": f"You don't own the dataset {their_dataset}", "data": None}
    their_app = services.search_apps.create(other_caller, NewSearchApp(name="theirs"))
    body = {"question": "q", "kb_ids": [], "search_id": their_app}
    assert client.post(MIND_MAP, json=body, headers=headers).json() == {
        "code": 103,
        "message": "Has no permission for this operation.",
        "data": False,
    }
    assert chat_server.chat_requests == []


def test_a_mind_map_without_a_chat_model_says_how_to_get_one(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    with services.store.writing() as tx:
        tenant = tx.tenants.get(caller.tenant_id)
        assert tenant is not None
        tenant.chat_model = "gpt-4o@OpenAI"
    answer = client.post(MIND_MAP, json={"question": "bananas", "kb_ids": [dataset_id]}, headers=headers).json()
    assert answer["code"] == 102
    assert answer["message"].startswith("Building a mind map needs a chat model, and none is configured")


def test_a_mind_map_from_an_answer_without_an_outline_is_a_clear_error(
    client: TestClient, headers: dict[str, str], services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    chat_server.answer = "I cannot help with that."
    answer = client.post(MIND_MAP, json={"question": "bananas", "kb_ids": [dataset_id]}, headers=headers).json()
    assert answer["code"] == 400
    assert answer["message"] == ("chat model parrot@OpenAI-API-Compatible gave an answer without a markdown outline")

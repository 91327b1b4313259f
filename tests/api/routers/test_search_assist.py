"""``/chat/recommendation`` (and its two other paths) and ``/chat/mindmap`` over HTTP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.search_apps import NewSearchApp
from ragloom.services.tenants import Caller
from tests.openai_server import SECRET, OpenAIStyleServer

PATHS = ("/api/v1/chat/recommendation", "/api/v1/chat/recommandation", "/api/v1/sessions/related_questions")
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


def test_mind_maps_answer_a_clear_error(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.post("/api/v1/chat/mindmap", json={"question": "q", "kb_ids": []}, headers=headers).json()
    assert answer["code"] == 102
    assert "Mind maps are not supported" in answer["message"]

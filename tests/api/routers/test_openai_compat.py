"""The OpenAI-compatible chat route through the official ``openai`` client: any ``model`` value
answers with the chat's own model, and every refusal or failure raises in the client — streamed
or not — instead of passing for an empty answer."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.conftest import SCRIPTED_CHAT_MODEL
from tests.openai_server import ANSWER, SECRET, OpenAIStyleServer
from tests.search_support import chat_over_a_dataset

QUESTION = [{"role": "user", "content": "What are bananas rich in?"}]


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.fixture
def chat_id(client: TestClient, headers: dict[str, str], services: Services, caller: Caller) -> str:
    return chat_over_a_dataset(client, headers, services, caller)


def openai_client(client: TestClient, headers: dict[str, str], chat_id: str) -> openai.OpenAI:
    key = headers["Authorization"].removeprefix("Bearer ")
    return openai.OpenAI(api_key=key, base_url=f"http://testserver/api/v1/openai/{chat_id}", http_client=client)


@pytest.fixture
def chat(client: TestClient, headers: dict[str, str], chat_id: str) -> openai.OpenAI:
    return openai_client(client, headers, chat_id)


@pytest.mark.parametrize("model", ["model", "gpt-4o", "x@NoSuchFactory", SCRIPTED_CHAT_MODEL])
def test_any_model_value_answers_with_a_model_the_tenant_has(chat: openai.OpenAI, model: str) -> None:
    completion = chat.chat.completions.create(model=model, messages=QUESTION)  # type: ignore[arg-type]
    assert (completion.choices[0].message.content or "").startswith(ANSWER)  # then its citation
    assert completion.model == SCRIPTED_CHAT_MODEL  # the model that answered
    streamed = chat.chat.completions.create(model=model, messages=QUESTION, stream=True)  # type: ignore[arg-type]
    assert "".join(chunk.choices[0].delta.content or "" for chunk in streamed).startswith(ANSWER)


def refusal(raised: pytest.ExceptionInfo[openai.APIStatusError]) -> tuple[int, dict[str, Any]]:
    body = raised.value.body
    assert isinstance(body, dict)
    return raised.value.status_code, body


@pytest.mark.parametrize("stream", [False, True])
def test_a_bad_request_raises_in_the_client(chat: openai.OpenAI, stream: bool) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        chat.chat.completions.create(model="model", messages=[], stream=stream)
    status, body = refusal(raised)
    assert status == 400
    assert body == {
        "message": "You have to provide messages.",
        "type": "invalid_request_error",
        "param": None,
        "code": 102,
    }


def test_another_tenants_chat_is_not_found(
    client: TestClient, other_headers: dict[str, str], chat_id: str, headers: dict[str, str]
) -> None:
    stranger = openai_client(client, other_headers, chat_id)
    with pytest.raises(openai.NotFoundError) as raised:
        stranger.chat.completions.create(model="model", messages=QUESTION)  # type: ignore[arg-type]
    assert refusal(raised)[1]["message"] == f"You don't own the chat {chat_id}"


def test_a_bad_key_raises_authentication_error(client: TestClient, chat_id: str) -> None:
    wrong = openai_client(client, {"Authorization": "Bearer ragflow-nope"}, chat_id)
    with pytest.raises(openai.AuthenticationError) as raised:
        wrong.chat.completions.create(model="model", messages=QUESTION)  # type: ignore[arg-type]
    status, body = refusal(raised)
    assert status == 401
    assert body["type"] == "authentication_error"


def test_a_model_that_fails_raises_in_both_modes(chat: openai.OpenAI, chat_server: OpenAIStyleServer) -> None:
    chat_server.failure, chat_server.failing = 503, "/chat/completions"
    with pytest.raises(openai.APIStatusError) as raised:
        chat.chat.completions.create(model="model", messages=QUESTION)  # type: ignore[arg-type]
    status, body = refusal(raised)
    assert status >= 500
    assert SCRIPTED_CHAT_MODEL in body["message"]
    assert SECRET not in body["message"]
    with pytest.raises(openai.APIError) as streamed:
        list(chat.chat.completions.create(model="model", messages=QUESTION, stream=True))  # type: ignore[arg-type]
    assert SCRIPTED_CHAT_MODEL in str(streamed.value)
    assert SECRET not in str(streamed.value)


def test_an_agent_s_openai_route_refuses_in_openai_s_shape(client: TestClient, headers: dict[str, str]) -> None:
    key = headers["Authorization"].removeprefix("Bearer ")
    agent = openai.OpenAI(api_key=key, base_url="http://testserver/api/v1/agents_openai/nope", http_client=client)
    with pytest.raises(openai.BadRequestError) as raised:
        agent.chat.completions.create(model="model", messages=[])
    assert refusal(raised)[1]["message"] == "You must provide at least one message."

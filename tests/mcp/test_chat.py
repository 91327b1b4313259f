"""``ask_chat`` without a transport: a chat's answer through the completions service (scripted model),
its references, its session, and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from ragloom.errors import RagloomError
from ragloom.mcp.chat import ASK_CHAT, REFERENCE_FIELDS
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.openai_server import ANSWER, SECRET, OpenAIStyleServer
from tests.search_support import FACT, searchable_dataset

QUESTION = "Are bananas rich in potassium?"


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.fixture
def chat_id(services: Services, caller: Caller) -> str:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    return services.chats.create(caller, {"name": "fruit bot", "dataset_ids": [dataset_id]}).record.id


def test_the_answer_comes_with_its_references_and_a_new_session(
    services: Services, caller: Caller, chat_id: str, chat_server: OpenAIStyleServer
) -> None:
    outcome = ASK_CHAT.run(services, caller, {"chat_id": chat_id, "question": QUESTION})
    data = outcome.data
    assert data["answer"].startswith(ANSWER.rstrip("."))
    assert data["chat_id"] == chat_id
    assert data["session_id"]
    chunks = data["reference"]["chunks"]
    assert chunks, data
    assert set(chunks[0]) == set(REFERENCE_FIELDS)
    assert chunks[0]["content"] == FACT
    assert chunks[0]["document_name"] == "notes.txt"
    assert data["reference"]["doc_aggs"][0]["doc_name"] == "notes.txt"
    assert f"[ID:0] notes.txt (chunk {chunks[0]['id']})" in outcome.text
    assert f"(session {data['session_id']})" in outcome.text
    (sent,) = chat_server.chat_requests
    assert QUESTION in sent["messages"][-1]["content"]
    assert FACT in str(sent["messages"])  # the chat's knowledge reached the model


def test_a_session_is_continued_with_its_history(
    services: Services, caller: Caller, chat_id: str, chat_server: OpenAIStyleServer
) -> None:
    first = ASK_CHAT.run(services, caller, {"chat_id": chat_id, "question": QUESTION}).data
    second = ASK_CHAT.run(
        services,
        caller,
        {"chat_id": chat_id, "question": "And apples?", "session_id": first["session_id"], "temperature": 0.1},
    ).data
    assert second["session_id"] == first["session_id"]
    assert ASK_CHAT.run(services, caller, {"chat_id": chat_id, "question": QUESTION}).data["session_id"] not in (
        first["session_id"],
    )
    # the second question is first made standalone (refine_multiturn), then answered with the history
    (answered,) = [body for body in chat_server.chat_requests if body.get("temperature") == 0.1]
    roles = [message["role"] for message in answered["messages"] if message["role"] != "system"]
    assert roles == ["user", "assistant", "user"]
    assert QUESTION in answered["messages"][-3]["content"]


def test_without_quote_no_references_are_returned(services: Services, caller: Caller, chat_id: str) -> None:
    outcome = ASK_CHAT.run(services, caller, {"chat_id": chat_id, "question": QUESTION, "quote": False})
    assert outcome.data["reference"] == {"chunks": [], "doc_aggs": []}
    assert "References" not in outcome.text


def test_another_tenants_chat_is_refused(services: Services, other_caller: Caller, chat_id: str) -> None:
    with pytest.raises(RagloomError) as refused:
        ASK_CHAT.run(services, other_caller, {"chat_id": chat_id, "question": QUESTION})
    assert (refused.value.code, refused.value.message) == (109, "No authorization.")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"question": QUESTION}, "`chat_id` is required."),
        ({"chat_id": "CHAT"}, "`question` is required."),
        ({"chat_id": "CHAT", "question": " "}, "`question` is required."),
        ({"chat_id": "CHAT", "question": QUESTION, "session_id": "nope"}, "Session not found!"),
        ({"chat_id": "CHAT", "question": QUESTION, "temperature": "hot"}, "`temperature` must be a number."),
        ({"chat_id": "CHAT", "question": QUESTION, "document_ids": "a,b"}, "`document_ids` should be a list"),
        ({"chat_id": "CHAT", "question": QUESTION, "variables": ["x"]}, "`variables` must be an object."),
    ],
)
def test_bad_arguments_are_refused(
    services: Services, caller: Caller, chat_id: str, arguments: dict[str, Any], message: str
) -> None:
    if arguments.get("chat_id") == "CHAT":
        arguments = {**arguments, "chat_id": chat_id}
    with pytest.raises(RagloomError) as refused:
        ASK_CHAT.run(services, caller, arguments)
    assert refused.value.message == message


def test_a_model_failure_is_an_error_that_keeps_the_providers_secrets(
    services: Services, caller: Caller, chat_id: str, chat_server: OpenAIStyleServer
) -> None:
    chat_server.failure = 503
    chat_server.failing = "/chat/completions"
    with pytest.raises(RagloomError) as refused:
        ASK_CHAT.run(services, caller, {"chat_id": chat_id, "question": QUESTION})
    assert refused.value.code == 500
    assert "503" in refused.value.message
    assert SECRET not in refused.value.message

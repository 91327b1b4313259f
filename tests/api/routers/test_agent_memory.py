"""An agent that remembers: one session's turn saved to a memory by a Message, read back in another
session by a Retrieval over that memory — through the API, with the scripted model server's
embeddings (deterministic) standing in for a model at the edge."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from tests.conftest import SCRIPTED_CHAT_MODEL, SCRIPTED_EMBEDDING_MODEL

API = "/api/v1"


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


def component(name: str, downstream: list[str] | None = None, **params: Any) -> dict[str, Any]:
    return {"obj": {"component_name": name, "params": params}, "downstream": downstream or []}


def converse(client: TestClient, headers: dict[str, str], dsl: dict[str, Any], question: str, stream: bool) -> str:
    agent = client.post(f"{API}/agents", json={"title": uuid.uuid4().hex, "dsl": dsl}, headers=headers)
    agent_id = agent.json()["data"]["id"]
    session = client.post(f"{API}/agents/{agent_id}/sessions", json={}, headers=headers).json()["data"]["id"]
    body = {"agent_id": agent_id, "session_id": session, "query": question, "stream": stream}
    if not stream:
        return str(
            client.post(f"{API}/agents/chat/completions", json=body, headers=headers).json()["data"]["data"]["content"]
        )
    with client.stream("POST", f"{API}/agents/chat/completions", json=body, headers=headers) as response:
        events = [json.loads(line[5:]) for line in response.iter_lines() if line.startswith("data:{")]
    return "".join(event["data"].get("content", "") for event in events if event.get("event") == "message")


@pytest.mark.parametrize("stream", [True, False])
def test_a_turn_saved_in_one_session_is_recalled_in_another(
    client: TestClient, headers: dict[str, str], stream: bool
) -> None:
    memory = client.post(
        f"{API}/memories",
        json={
            "name": "facts",
            "memory_type": ["raw"],
            "embd_id": SCRIPTED_EMBEDDING_MODEL,
            "llm_id": SCRIPTED_CHAT_MODEL,
        },
        headers=headers,
    ).json()["data"]["id"]
    remember = {
        "components": {
            "begin": component("Begin", ["Message:ack"]),
            "Message:ack": component("Message", content=["Noted: {sys.query}"], memory_ids=[memory]),
        }
    }
    recall = {
        "components": {
            "begin": component("Begin", ["Retrieval:mem"]),
            "Retrieval:mem": component(
                "Retrieval", ["Message:out"], retrieval_from="memory", memory_ids=[memory], similarity_threshold=0.0
            ),
            "Message:out": component("Message", content=["{Retrieval:mem@formalized_content}"]),
        }
    }
    assert converse(client, headers, remember, "My favourite colour is teal.", stream) == (
        "Noted: My favourite colour is teal."
    )
    recalled = converse(client, headers, recall, "What is my favourite colour?", stream)
    assert "My favourite colour is teal." in recalled
    assert "Noted: My favourite colour is teal." in recalled
    messages = client.get(f"{API}/memories/{memory}", headers=headers).json()["data"]["messages"]["message_list"]
    assert len(messages) == 1

"""The shipped agent templates, created and run through the API as a user would.

The chat model is a real local HTTP server speaking OpenAI's API (the edge), set as the
server's default model, so each template's answer is known.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.agents.templates_catalog import templates
from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.settings import load_settings
from tests.openai_server import OpenAIStyleServer

API = "/api/v1"
FAST = "universal-sentence-encoder-multilingual@Builtin"


@pytest.fixture
def model_server() -> Iterator[OpenAIStyleServer]:
    server = OpenAIStyleServer()
    yield server
    server.close()


@pytest.fixture
def client(tmp_path: Path, model_server: OpenAIStyleServer) -> Iterator[tuple[TestClient, dict[str, str]]]:
    chat = model_server.model("chat")
    settings = load_settings(
        data_dir=tmp_path / "data",
        models={"isolate": False, "remote": [chat], "default_chat_model": f"{chat['name']}@{chat['factory']}"},
    )
    services = Services.build(settings)
    key = services.tenants.issue_key(new_tenant=True, tenant_name="templates")
    with TestClient(create_app(settings, services=services)) as test_client:
        yield test_client, {"Authorization": f"Bearer {key.secret}"}
    services.close()


def template(title: str) -> dict[str, Any]:
    found = next(row for row in templates() if row["title"]["en"] == title)
    return copy.deepcopy(found["dsl"])


def ask(client: TestClient, headers: dict[str, str], dsl: dict[str, Any], query: str, **body: Any) -> list[Any]:
    agent = client.post(f"{API}/agents", json={"title": f"t{len(query)}", "dsl": dsl}, headers=headers).json()
    assert agent["code"] == 0, agent
    session = client.post(f"{API}/agents/{agent['data']['id']}/sessions", json={}, headers=headers).json()["data"]
    request = {"agent_id": agent["data"]["id"], "session_id": session["id"], "query": query, **body}
    with client.stream("POST", f"{API}/agents/chat/completions", json=request, headers=headers) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert lines[-1] == "data:[DONE]"
    return [json.loads(line[5:]) for line in lines[:-1]]


def text(events: list[Any]) -> str:
    return "".join(event["data"].get("content", "") for event in events if event.get("event") == "message")


def test_the_dataset_chatbot_answers_from_the_dataset_and_cites_it(
    client: tuple[TestClient, dict[str, str]], model_server: OpenAIStyleServer
) -> None:
    http, headers = client
    dataset = http.post(f"{API}/datasets", json={"name": "zoo", "embedding_model": FAST}, headers=headers).json()[
        "data"
    ]
    holder = http.post(
        f"{API}/datasets/{dataset['id']}/documents", files=[("file", ("zoo.txt", b"x"))], headers=headers
    ).json()["data"][0]
    fact = "Giant pandas eat bamboo in the mountains of Sichuan."
    http.post(
        f"{API}/datasets/{dataset['id']}/documents/{holder['id']}/chunks", json={"content": fact}, headers=headers
    )
    dsl = template("Dataset chatbot")
    dsl["components"]["Retrieval:Knowledge"]["obj"]["params"]["kb_ids"] = [dataset["id"]]
    model_server.answer = "Pandas eat bamboo [ID:0]."
    events = ask(http, headers, dsl, "What do pandas eat?")
    assert text(events) == "Pandas eat bamboo [ID:0]."
    end = next(event for event in events if event["event"] == "message_end")
    chunks = list(end["data"]["reference"]["chunks"].values())
    assert [chunk["content"] for chunk in chunks] == [fact]
    system = model_server.chat_requests[-1]["messages"][0]["content"]
    assert fact in system


def test_customer_service_routes_a_complaint_to_the_apology(
    client: tuple[TestClient, dict[str, str]], model_server: OpenAIStyleServer
) -> None:
    http, headers = client
    model_server.chat_reply = lambda _body: {"content": "Complaint"}
    events = ask(http, headers, template("Customer service"), "My order arrived broken!")
    assert text(events).startswith("We are sorry about this.")
    model_server.chat_reply = None
    model_server.answer = "Product question"  # Categorize's choice, and then the product LLM's answer
    events = ask(http, headers, template("Customer service"), "How much does the basic plan cost?")
    assert text(events) == "Product question"
    routed = [event["data"]["component_id"] for event in events if event["event"] == "node_finished"]
    assert "LLM:Product" in routed
    assert "Message:Complaint" not in routed


def test_the_batch_summariser_summarises_each_text(
    client: tuple[TestClient, dict[str, str]], model_server: OpenAIStyleServer
) -> None:
    http, headers = client
    model_server.chat_reply = lambda body: {"content": f"Summary of: {body['messages'][-1]['content'][:12]}"}
    texts = "Cats sleep most of the day.\n\nOwls hunt at night."
    events = ask(
        http, headers, template("Batch summariser"), "", inputs={"texts": {"type": "paragraph", "value": texts}}
    )
    assert json.loads(text(events)) == ["Summary of: Cats sleep m", "Summary of: Owls hunt at"]

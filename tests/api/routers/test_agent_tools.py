"""Agents with tools through the API: a Retrieval tool over a dataset, a sub-agent and an MCP tool served
by a real MCP server, driven by a scripted OpenAI-compatible model server that answers with
``tool_calls`` (it stands for the model; everything else is ragloom's own); tool errors, a model that
is down, the run's log, tenants apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller
from ragloom.settings import Settings, load_settings
from tests.api.routers.test_agents import create, session, stream_events
from tests.mcp_server import McpTestServer
from tests.openai_server import OpenAIStyleServer

MODEL = "parrot@OpenAI-API-Compatible"
API = "/api/v1"


@pytest.fixture
def model_server() -> Iterator[OpenAIStyleServer]:
    server = OpenAIStyleServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def mcp() -> Iterator[McpTestServer]:
    server = McpTestServer()
    yield server
    server.close()


@pytest.fixture
def settings(tmp_path: Path, model_server: OpenAIStyleServer) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        models={"isolate": False, "tenant_allow_private_urls": True, "remote": [model_server.model("chat")]},
    )


@pytest.fixture
def dataset_id(client: TestClient, headers: dict[str, str], services: Services, caller: Caller) -> str:
    dataset = services.datasets.create(caller, NewDataset(name="fruit")).record.id
    document = services.documents.create_empty(caller, dataset, "fruit.txt").id
    for text in ("Apples are red fruit.", "Bananas are yellow fruit."):
        path = f"{API}/datasets/{dataset}/documents/{document}/chunks"
        assert client.post(path, json={"content": text}, headers=headers).json()["code"] == 0
    return dataset


def register_mcp(client: TestClient, headers: dict[str, str], mcp: McpTestServer) -> dict[str, Any]:
    body = {
        "name": "maths",
        "url": mcp.url,
        "server_type": mcp.server_type,
        "headers": {"Authorization": "Bearer ${token}"},
        "variables": {"token": "s3cret"},
    }
    answer = client.post(f"{API}/mcp/servers", json=body, headers=headers).json()
    assert answer["code"] == 0, answer
    return dict(answer["data"])


def agent_dsl(tools: list[dict[str, Any]], mcp: list[dict[str, Any]] | None = None, **params: Any) -> dict[str, Any]:
    return {
        "components": {
            "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["Agent:Lead"]},
            "Agent:Lead": {
                "obj": {
                    "component_name": "Agent",
                    "params": {"llm_id": MODEL, "sys_prompt": "Lead.", "tools": tools, "mcp": mcp or [], **params},
                },
                "downstream": ["Message:1"],
            },
            "Message:1": {"obj": {"component_name": "Message", "params": {"content": ["{Agent:Lead@content}"]}}},
        }
    }


def retrieval_tool(dataset_id: str) -> dict[str, Any]:
    return {
        "component_name": "Retrieval",
        "name": "Fruit KB",
        "params": {"dataset_ids": [dataset_id], "similarity_threshold": 0},
    }


SUB_AGENT = {"component_name": "Agent", "name": "helper", "params": {"llm_id": MODEL, "sys_prompt": "Help."}}


def tool_results(body: dict[str, Any]) -> dict[str, str]:
    calls = {
        call["id"]: call["function"]["name"] for message in body["messages"] for call in message.get("tool_calls") or []
    }
    return {
        calls[message["tool_call_id"]]: message["content"] for message in body["messages"] if message["role"] == "tool"
    }


def converse(client: TestClient, headers: dict[str, str], agent_id: str, query: str) -> list[dict[str, Any]]:
    opened = session(client, headers, agent_id)
    return stream_events(client, headers, {"agent_id": agent_id, "session_id": opened["id"], "query": query})


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(event["data"].get("content", "") for event in events if event["event"] == "message")


def test_an_agent_calls_a_retrieval_tool_a_sub_agent_and_an_mcp_tool(
    client: TestClient, headers: dict[str, str], dataset_id: str, model_server: OpenAIStyleServer, mcp: McpTestServer
) -> None:
    server = register_mcp(client, headers, mcp)
    selected = {name: server["variables"]["tools"][name] for name in ("add", "whoami")}

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        offered = [tool["function"]["name"] for tool in body.get("tools") or []]
        if not offered:
            return {"content": "Sub-agent: apples are red."}
        if not tool_results(body):
            assert offered == ["search_my_dateset_0", "helper_1", "add", "whoami"]
            arguments = {"user_prompt": "Colour of apples?", "reasoning": "check", "context": "fruit"}
            return {
                "tool_calls": [
                    ("search_my_dateset_0", json.dumps({"query": "red fruit apples"})),
                    ("helper_1", json.dumps(arguments)),
                    ("add", json.dumps({"a": 2, "b": 3})),
                    ("whoami", "{}"),
                ]
            }
        return {"content": "Apples are red [ID:0]; 2 + 3 = 5."}

    model_server.chat_reply = reply
    mcp_entry = [{"mcp_id": server["id"], "tools": selected}]
    agent = create(client, headers, "tools", agent_dsl([retrieval_tool(dataset_id), SUB_AGENT], mcp_entry))
    events = converse(client, headers, agent["id"], "What colour are apples, and what is 2 + 3?")

    assert text_of(events) == "Apples are red [ID:0]; 2 + 3 = 5."
    end = next(event for event in events if event["event"] == "message_end")
    chunks = end["data"]["reference"]["chunks"]
    assert chunks["0"]["content"] == "Apples are red fruit."
    assert chunks["0"]["dataset_id"] == dataset_id
    assert [aggregate["doc_name"] for aggregate in end["data"]["reference"]["doc_aggs"].values()] == ["fruit.txt"]

    results = tool_results(model_server.chat_requests[-1])
    assert results["search_my_dateset_0"].startswith("ID: 0\nDocument: fruit.txt\nContent: Apples are red fruit.")
    assert results["helper_1"] == "Sub-agent: apples are red."
    assert results["add"] == "5"
    assert results["whoami"] == "Bearer s3cret"
    sub_request = next(body for body in model_server.chat_requests if not body.get("tools"))
    assert sub_request["messages"][-1]["content"].endswith("QUERY:\nColour of apples?\n")
    system = model_server.chat_requests[-1]["messages"][0]["content"]
    assert system.startswith("Lead.")
    assert "[ID:n]" in system  # chunks to cite: the citation guidelines joined

    log = client.get(f"{API}/agents/{agent['id']}/logs/{events[0]['message_id']}", headers=headers).json()["data"]
    calls = [
        step for entry in log if entry["component_id"] == "Agent:Lead" for step in entry["trace"] if "tool_name" in step
    ]
    assert sorted(step["tool_name"] for step in calls) == ["add", "helper_1", "search_my_dateset_0", "whoami"]
    assert next(step for step in calls if step["tool_name"] == "add")["arguments"] == {"a": 2, "b": 3}
    assert all(step["elapsed_time"] >= 0 for step in calls)


def test_a_failing_tool_is_the_model_s_to_read_and_the_run_goes_on(
    client: TestClient, headers: dict[str, str], model_server: OpenAIStyleServer, mcp: McpTestServer
) -> None:
    server = register_mcp(client, headers, mcp)
    model_server.chat_reply = lambda body: (
        {"content": "The tool failed, sorry."} if tool_results(body) else {"tool_calls": [("fail", "{}")]}
    )
    mcp_entry = [{"mcp_id": server["id"], "tools": {"fail": server["variables"]["tools"]["fail"]}}]
    agent = create(client, headers, "failing", agent_dsl([], mcp_entry))
    events = converse(client, headers, agent["id"], "go")
    assert text_of(events) == "The tool failed, sorry."
    assert tool_results(model_server.chat_requests[-1])["fail"].startswith("Error: ")
    assert events[-1]["event"] == "workflow_finished"


def test_a_model_that_is_down_ends_the_turn_with_an_error_and_the_session_stays_usable(
    client: TestClient, headers: dict[str, str], model_server: OpenAIStyleServer
) -> None:
    agent = create(client, headers, "down", agent_dsl([SUB_AGENT], max_retries=0))
    opened = session(client, headers, agent["id"])
    body = {"agent_id": agent["id"], "session_id": opened["id"], "query": "hi"}
    model_server.failure = 503
    with client.stream("POST", f"{API}/agents/chat/completions", json=body, headers=headers) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    failure = json.loads(lines[-2][5:])
    assert failure["code"] == 500
    assert "Chat model parrot@OpenAI-API-Compatible is unavailable (HTTP 503)" in failure["message"]
    assert "SECRET" not in failure["message"]
    model_server.failure = None
    model_server.chat_reply = lambda body: {"content": "Back."}
    assert text_of(stream_events(client, headers, body)) == "Back."


def test_retrieval_never_searches_another_tenant_s_datasets(
    client: TestClient,
    headers: dict[str, str],
    other_headers: dict[str, str],
    dataset_id: str,
    model_server: OpenAIStyleServer,
) -> None:
    node = {
        "components": {
            "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["Retrieval:1"]},
            "Retrieval:1": {
                "obj": {"component_name": "Retrieval", "params": {"kb_ids": [dataset_id], "similarity_threshold": 0}},
                "downstream": ["Message:1"],
            },
            "Message:1": {
                "obj": {"component_name": "Message", "params": {"content": ["{Retrieval:1@formalized_content}"]}}
            },
        }
    }
    mine = converse(client, headers, create(client, headers, "node", node)["id"], "apples")
    assert "Apples are red fruit." in text_of(mine)
    theirs = converse(client, other_headers, create(client, other_headers, "node", node)["id"], "apples")
    assert theirs[-1]["code"] == 500
    assert theirs[-1]["message"] == f"'Retrieval:1' (Retrieval): Dataset({dataset_id}) does not exist."
    assert "Apples" not in json.dumps(theirs)
    by_name = dict(node)
    by_name["components"]["Retrieval:1"]["obj"]["params"]["kb_ids"] = ["fruit"]
    assert "Apples" not in json.dumps(
        converse(client, other_headers, create(client, other_headers, "named", by_name)["id"], "apples")
    )

    model_server.chat_reply = lambda body: (
        {"content": "Nothing."}
        if tool_results(body)
        else {"tool_calls": [("search_my_dateset_0", '{"query": "apples"}')]}
    )
    agent = create(client, other_headers, "thief", agent_dsl([retrieval_tool(dataset_id)]))
    events = converse(client, other_headers, agent["id"], "apples")
    assert text_of(events) == "Nothing."
    assert (
        tool_results(model_server.chat_requests[-1])["search_my_dateset_0"]
        == f"Error: Dataset({dataset_id}) does not exist."
    )
    end = next(event for event in events if event["event"] == "message_end")
    assert not end["data"].get("reference")


def test_another_tenant_s_mcp_server_is_never_called(
    client: TestClient,
    headers: dict[str, str],
    other_headers: dict[str, str],
    model_server: OpenAIStyleServer,
    mcp: McpTestServer,
    other_caller: Caller,
) -> None:
    server = register_mcp(client, headers, mcp)
    before = mcp.calls["add"]
    model_server.chat_reply = lambda body: (
        {"content": "Refused."} if tool_results(body) else {"tool_calls": [("add", '{"a": 1, "b": 1}')]}
    )
    mcp_entry = [{"mcp_id": server["id"], "tools": {"add": server["variables"]["tools"]["add"]}}]
    agent = create(client, other_headers, "borrower", agent_dsl([], mcp_entry))
    assert text_of(converse(client, other_headers, agent["id"], "1 + 1")) == "Refused."
    result = tool_results(model_server.chat_requests[-1])["add"]
    assert result == f"Error: Cannot find MCP server {server['id']} for user {other_caller.tenant_id}"
    assert mcp.calls["add"] == before

"""``/agents``: CRUD, sessions pinned to their DSL, completions streamed and not, tenants apart.

Agents here need no model (an echo agent) or talk to a real local HTTP server speaking OpenAI's
chat API (``tests/openai_server.py``) configured as a server-wide model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.agents import Canvas, builtin_components
from ragloom.agents.templates_catalog import templates
from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.settings import load_settings
from tests.openai_server import ANSWER, OpenAIStyleServer

API = "/api/v1"


def echo_dsl(content: str = "{sys.query}", prologue: str = "Hello there.") -> dict[str, Any]:
    return {
        "components": {
            "begin": {
                "obj": {"component_name": "Begin", "params": {"prologue": prologue}},
                "downstream": ["Message:1"],
            },
            "Message:1": {
                "obj": {"component_name": "Message", "params": {"content": [content]}},
                "upstream": ["begin"],
            },
        },
        "graph": {"nodes": [{"id": "Message:1", "data": {"name": "Reply"}}], "edges": []},
    }


def llm_dsl() -> dict[str, Any]:
    return {
        "components": {
            "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["LLM:1"]},
            "LLM:1": {
                "obj": {"component_name": "LLM", "params": {"llm_id": "parrot@OpenAI-API-Compatible"}},
                "downstream": ["Message:1"],
            },
            "Message:1": {"obj": {"component_name": "Message", "params": {"content": ["{LLM:1@content}"]}}},
        }
    }


def create(client: TestClient, headers: dict[str, str], title: str = "echo", dsl: Any = None) -> dict[str, Any]:
    answer = client.post(f"{API}/agents", json={"title": title, "dsl": dsl or echo_dsl()}, headers=headers).json()
    assert answer["code"] == 0, answer
    return dict(answer["data"])


def session(client: TestClient, headers: dict[str, str], agent_id: str, **body: Any) -> dict[str, Any]:
    answer = client.post(f"{API}/agents/{agent_id}/sessions", json=body, headers=headers).json()
    assert answer["code"] == 0, answer
    return dict(answer["data"])


def stream_events(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> list[Any]:
    with client.stream("POST", f"{API}/agents/chat/completions", json=body, headers=headers) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert lines[-1] == "data:[DONE]"
    return [json.loads(line[5:]) for line in lines[:-1]]


# ---- CRUD ---------------------------------------------------------------------------------------


def test_an_agent_is_created_read_listed_updated_and_deleted(client: TestClient, headers: dict[str, str]) -> None:
    agent = create(client, headers, "My Agent")
    assert {"id", "title", "dsl", "description", "avatar", "canvas_type", "tenant_id", "update_time"} <= agent.keys()
    assert agent["dsl"] == echo_dsl()
    got = client.get(f"{API}/agents/{agent['id']}", headers=headers).json()
    assert got["code"] == 0
    assert got["data"]["title"] == "My Agent"

    listed = client.get(f"{API}/agents", params={"page": 1, "page_size": 30}, headers=headers).json()
    assert listed["data"]["total"] == 1
    assert [item["id"] for item in listed["data"]["canvas"]] == [agent["id"]]
    assert "dsl" not in listed["data"]["canvas"][0]

    changed = client.put(
        f"{API}/agents/{agent['id']}", json={"title": "Renamed", "dsl": echo_dsl("Said: {sys.query}")}, headers=headers
    ).json()
    assert changed == {"code": 0, "message": "success", "data": True}
    got = client.get(f"{API}/agents/{agent['id']}", headers=headers).json()["data"]
    assert got["title"] == "Renamed"
    assert got["dsl"]["components"]["Message:1"]["obj"]["params"]["content"] == ["Said: {sys.query}"]
    versions = client.get(f"{API}/agents/{agent['id']}/versions", headers=headers).json()["data"]
    assert len(versions) == 2

    assert client.delete(f"{API}/agents/{agent['id']}", headers=headers).json()["data"] is True
    gone = client.get(f"{API}/agents/{agent['id']}", headers=headers).json()
    assert gone == {"code": 102, "message": "canvas not found.", "data": None}


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"title": "t"}, 101, "No DSL data in request."),
        ({"dsl": echo_dsl()}, 101, "No title in request."),
        ({"title": "  ", "dsl": echo_dsl()}, 101, "No title in request."),
        ({"title": "t", "dsl": "{broken"}, 101, "Invalid DSL JSON string."),
        ({"title": "t", "dsl": [1]}, 101, "DSL must be a JSON object."),
    ],
)
def test_a_bad_create_is_refused(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], code: int, message: str
) -> None:
    answer = client.post(f"{API}/agents", json=body, headers=headers).json()
    assert (answer["code"], answer["message"]) == (code, message)
    assert client.get(f"{API}/agents", headers=headers).json()["data"]["total"] == 0


def test_a_dsl_that_cannot_run_is_refused_naming_the_component(client: TestClient, headers: dict[str, str]) -> None:
    dsl = echo_dsl()
    dsl["components"]["Message:1"]["obj"]["component_name"] = "Bing"
    answer = client.post(f"{API}/agents", json={"title": "t", "dsl": dsl}, headers=headers).json()
    assert answer["code"] == 101
    assert answer["message"].startswith("Invalid DSL: component 'Message:1': unknown component_name 'Bing'")
    agent = create(client, headers)
    refused = client.put(f"{API}/agents/{agent['id']}", json={"dsl": dsl}, headers=headers).json()
    assert refused["code"] == 101
    assert client.get(f"{API}/agents/{agent['id']}", headers=headers).json()["data"]["dsl"] == echo_dsl()


def test_titles_are_unique_per_tenant_ignoring_case(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str]
) -> None:
    create(client, headers, "Support")
    duplicate = client.post(f"{API}/agents", json={"title": "SUPPORT", "dsl": echo_dsl()}, headers=headers).json()
    assert (duplicate["code"], duplicate["message"]) == (102, "SUPPORT already exists.")
    create(client, other_headers, "Support")  # another tenant may use the title


def test_tenants_never_see_or_touch_each_other_s_agents(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str]
) -> None:
    agent = create(client, headers)
    mine = session(client, headers, agent["id"])
    get = client.get(f"{API}/agents/{agent['id']}", headers=other_headers).json()
    assert (get["code"], get["message"]) == (102, "canvas not found.")
    put = client.put(f"{API}/agents/{agent['id']}", json={"title": "x"}, headers=other_headers).json()
    assert (put["code"], put["message"]) == (103, "Make sure you have permission to access the agent.")
    delete = client.delete(f"{API}/agents/{agent['id']}", headers=other_headers).json()
    assert (delete["code"], delete["message"]) == (103, "Only the owner of the agent is authorized for this operation.")
    for method, path in (
        ("POST", f"/agents/{agent['id']}/sessions"),
        ("GET", f"/agents/{agent['id']}/sessions"),
        ("GET", f"/agents/{agent['id']}/sessions/{mine['id']}"),
        ("DELETE", f"/agents/{agent['id']}/sessions/{mine['id']}"),
    ):
        answer = client.request(method, f"{API}{path}", json={}, headers=other_headers).json()
        assert answer["code"] == 103, (method, path, answer)
    run = client.post(
        f"{API}/agents/chat/completions",
        json={"agent_id": agent["id"], "session_id": mine["id"], "query": "hi", "stream": False},
        headers=other_headers,
    ).json()
    assert run["code"] == 103
    assert client.get(f"{API}/agents", headers=other_headers).json()["data"]["total"] == 0
    listed = client.get(f"{API}/agents", params={"owner_ids": agent["tenant_id"]}, headers=other_headers).json()
    assert (listed["code"], listed["message"]) == (103, "Only authorized owner_ids can be queried.")
    assert client.get(f"{API}/agents/{agent['id']}", headers=headers).json()["data"]["title"] == "echo"


# ---- sessions and completions -------------------------------------------------------------------


def test_a_session_opens_with_the_prologue_and_is_listed_and_deleted(
    client: TestClient, headers: dict[str, str]
) -> None:
    agent = create(client, headers)
    opened = session(client, headers, agent["id"], name="first")
    assert opened["agent_id"] == agent["id"]
    assert opened["message"] == [{"role": "assistant", "content": "Hello there."}]
    assert set(opened) == {
        "id",
        "name",
        "agent_id",
        "user_id",
        "exp_user_id",
        "message",
        "source",
        "dsl",
        "version_title",
    }
    second = session(client, headers, agent["id"])
    listed = client.get(f"{API}/agents/{agent['id']}/sessions", headers=headers).json()
    assert listed["code"] == 0
    assert listed["total"] == 2
    assert {item["id"] for item in listed["data"]} == {opened["id"], second["id"]}
    raw = client.get(f"{API}/agents/{agent['id']}/sessions/{opened['id']}", headers=headers).json()
    assert raw["data"]["dialog_id"] == agent["id"]

    partial = client.request(
        "DELETE", f"{API}/agents/{agent['id']}/sessions", json={"ids": [opened["id"], "nope"]}, headers=headers
    ).json()
    assert partial["code"] == 0
    assert partial["data"]["success_count"] == 1
    assert partial["data"]["errors"] == ["The agent doesn't own the session nope"]
    none = client.request("DELETE", f"{API}/agents/{agent['id']}/sessions", json={"ids": ["nope"]}, headers=headers)
    assert none.json() == {"code": 102, "message": "The agent doesn't own the session nope"}
    assert client.request(
        "DELETE", f"{API}/agents/{agent['id']}/sessions", json={"delete_all": True}, headers=headers
    ).json() == {"code": 0}
    assert client.get(f"{API}/agents/{agent['id']}/sessions", headers=headers).json()["total"] == 0


def test_a_streamed_turn_in_a_session_forwards_ragflow_s_session_events(
    client: TestClient, headers: dict[str, str]
) -> None:
    agent = create(client, headers)
    opened = session(client, headers, agent["id"])
    body = {"agent_id": agent["id"], "session_id": opened["id"], "query": "Where do pandas live?"}
    events = stream_events(client, headers, body)
    assert [event["event"] for event in events] == [
        "node_finished",
        "message",
        "message_end",
        "node_finished",
        "workflow_finished",
    ]
    assert {event["session_id"] for event in events} == {opened["id"]}
    assert len({event["message_id"] for event in events}) == 1
    assert events[1]["data"]["content"] == "Where do pandas live?"
    assert events[-1]["data"] == {"usage": {}}
    stored = client.get(f"{API}/agents/{agent['id']}/sessions/{opened['id']}", headers=headers).json()["data"]
    assert [message["role"] for message in stored["message"]] == ["assistant", "user", "assistant"]
    assert stored["message"][-1]["content"] == "Where do pandas live?"
    assert stored["message"][-1]["id"] == events[0]["message_id"]
    log = client.get(f"{API}/agents/{agent['id']}/logs/{events[0]['message_id']}", headers=headers).json()["data"]
    assert [entry["component_id"] for entry in log] == ["begin", "Message:1"]


def test_a_non_streamed_turn_answers_with_the_last_event_holding_the_whole_answer(
    client: TestClient, headers: dict[str, str]
) -> None:
    agent = create(client, headers)
    opened = session(client, headers, agent["id"])
    answer = client.post(
        f"{API}/agents/chat/completions",
        json={"agent_id": agent["id"], "session_id": opened["id"], "query": "echo me", "stream": False},
        headers=headers,
    ).json()
    assert answer["code"] == 0
    assert answer["data"]["data"]["content"] == "echo me"
    assert answer["data"]["session_id"] == opened["id"]
    assert "message" not in answer  # RAGFlow's get_result: no message on success


def test_every_streamed_event_survives_a_client_that_splits_lines_as_ragflow_sdk_does(
    client: TestClient, headers: dict[str, str]
) -> None:
    # Found by the fuzz run: an echoed U+0085, U+2028 or U+2029 went out raw, and ragflow-sdk
    # (requests' iter_lines(decode_unicode=True), which is str.splitlines) cut the event and dropped it.
    agent = create(client, headers)
    opened = session(client, headers, agent["id"])
    question = "one\u0085two\u2028three\u2029four"
    body = {"agent_id": agent["id"], "session_id": opened["id"], "query": question}
    with client.stream("POST", f"{API}/agents/{agent['id']}/completions", json=body, headers=headers) as response:
        text = "".join(response.iter_text())
    lines = [line for line in text.splitlines() if line]
    assert all(line.startswith("data:") for line in lines)
    assert lines[-1] == "data:[DONE]"
    events = [json.loads(line[5:]) for line in lines[:-1]]
    assert [event["data"]["content"] for event in events if event["event"] == "message"] == [question]


def test_a_turn_without_a_session_opens_a_workflow_session_and_forwards_every_event(
    client: TestClient, headers: dict[str, str]
) -> None:
    agent = create(client, headers)
    events = stream_events(client, headers, {"agent_id": agent["id"], "query": "hi"})
    kinds = [event["event"] for event in events]
    assert kinds[0] == "workflow_started"
    assert "node_started" in kinds
    assert kinds[-1] == "workflow_finished"
    sessions = client.get(f"{API}/agents/{agent['id']}/sessions", headers=headers).json()["data"]
    assert [(item["source"], item["name"]) for item in sessions] == [("workflow", "hi")]


def test_a_session_keeps_the_dsl_it_began_with(client: TestClient, headers: dict[str, str]) -> None:
    agent = create(client, headers)
    before = session(client, headers, agent["id"])
    client.put(f"{API}/agents/{agent['id']}", json={"dsl": echo_dsl("NEW {sys.query}")}, headers=headers)
    after = session(client, headers, agent["id"])

    def ask(session_id: str) -> str:
        body = {"agent_id": agent["id"], "session_id": session_id, "query": "q", "stream": False}
        return str(
            client.post(f"{API}/agents/chat/completions", json=body, headers=headers).json()["data"]["data"]["content"]
        )

    assert ask(before["id"]) == "q"
    assert ask(after["id"]) == "NEW q"


def test_release_runs_the_published_version(client: TestClient, headers: dict[str, str]) -> None:
    agent = create(client, headers)
    refused = client.post(f"{API}/agents/{agent['id']}/sessions", json={"release": True}, headers=headers).json()
    assert (refused["code"], refused["message"]) == (102, "No available published version")
    client.put(
        f"{API}/agents/{agent['id']}", json={"dsl": echo_dsl("published {sys.query}"), "release": True}, headers=headers
    )
    client.put(
        f"{API}/agents/{agent['id']}", json={"dsl": echo_dsl("draft {sys.query}"), "release": False}, headers=headers
    )
    published = session(client, headers, agent["id"], release=True)
    body = {"agent_id": agent["id"], "session_id": published["id"], "query": "q", "stream": False}
    answer = client.post(f"{API}/agents/chat/completions", json=body, headers=headers).json()
    assert answer["data"]["data"]["content"] == "published q"
    assert published["version_title"].startswith("echo_")


def test_completion_errors_are_envelopes(client: TestClient, headers: dict[str, str]) -> None:
    no_agent = client.post(f"{API}/agents/chat/completions", json={"query": "x"}, headers=headers).json()
    assert (no_agent["code"], no_agent["message"]) == (101, "`agent_id` is required.")
    agent = create(client, headers)
    other = create(client, headers, "other")
    foreign = session(client, headers, other["id"])
    wrong = client.post(
        f"{API}/agents/chat/completions",
        json={"agent_id": agent["id"], "session_id": foreign["id"], "query": "x"},
        headers=headers,
    ).json()
    assert (wrong["code"], wrong["message"]) == (103, "Session does not belong to the requested agent.")
    missing = client.post(
        f"{API}/agents/chat/completions", json={"agent_id": agent["id"], "session_id": "nope"}, headers=headers
    ).json()
    assert (missing["code"], missing["message"]) == (102, "Session not found!")


def test_templates_load_and_prompts_are_served(client: TestClient, headers: dict[str, str]) -> None:
    listed = client.get(f"{API}/agents/templates", headers=headers).json()["data"]
    assert listed == templates()
    assert listed
    for template in listed:
        assert {"en", "zh"} <= set(template["title"])
        Canvas.build(template["dsl"], builtin_components())
    prompts = client.get(f"{API}/agents/prompts", headers=headers).json()["data"]
    assert set(prompts) == {"task_analysis", "plan_generation", "reflection", "citation_guidelines"}


# ---- with a chat model --------------------------------------------------------------------------


@pytest.fixture
def model_server() -> Iterator[OpenAIStyleServer]:
    server = OpenAIStyleServer()
    yield server
    server.close()


@pytest.fixture
def llm_client(tmp_path: Path, model_server: OpenAIStyleServer) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = load_settings(
        data_dir=tmp_path / "data", models={"isolate": False, "remote": [model_server.model("chat")]}
    )
    services = Services.build(settings)
    key = services.tenants.issue_key(new_tenant=True, tenant_name="agents")
    with TestClient(create_app(settings, services=services)) as client:
        yield client, {"Authorization": f"Bearer {key.secret}"}
    services.close()


def test_an_llm_flow_streams_the_model_s_answer(llm_client: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = llm_client
    agent = create(client, headers, "llm", llm_dsl())
    opened = session(client, headers, agent["id"])
    events = stream_events(client, headers, {"agent_id": agent["id"], "session_id": opened["id"], "query": "Fruit?"})
    assert "".join(event["data"].get("content", "") for event in events if event["event"] == "message") == ANSWER
    finished = [event["data"]["component_id"] for event in events if event["event"] == "node_finished"]
    assert finished == ["begin", "Message:1", "LLM:1"]


def test_openai_mode_answers_in_openai_s_shape(llm_client: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = llm_client
    agent = create(client, headers, "llm", llm_dsl())
    body = {"model": "any", "messages": [{"role": "user", "content": "Fruit?"}]}
    plain = client.post(f"{API}/agents_openai/{agent['id']}/chat/completions", json=body, headers=headers).json()
    assert plain["object"] == "chat.completion"
    assert plain["model"] == agent["id"]
    assert plain["choices"][0]["message"] == {"role": "assistant", "content": ANSWER}
    assert plain["usage"]["total_tokens"] > 0
    with client.stream(
        "POST",
        f"{API}/agents/chat/completions",
        json={**body, "agent_id": agent["id"], "openai-compatible": True, "stream": True},
        headers=headers,
    ) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[5:]) for line in lines[:-1]]
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks) == ANSWER
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    empty = client.post(f"{API}/agents_openai/{agent['id']}/chat/completions", json={"messages": []}, headers=headers)
    assert empty.status_code == 400  # OpenAI's error object with an error status, so OpenAI's clients raise
    assert empty.json() == {
        "error": {
            "message": "You must provide at least one message.",
            "type": "invalid_request_error",
            "param": None,
            "code": 102,
        }
    }

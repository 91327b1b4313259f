"""Agents through ragflow-sdk (0.26.0 in the test process; 0.27.3 in the `sdk` rerun): create,
list, update, open sessions, ask streamed and not, delete sessions and agents; an Agent with a
Retrieval tool, a sub-agent and an MCP tool (a real MCP server; a scripted model server answering
``tool_calls`` stands for the model); Begin → Retrieval → LLM → Message with the built-in model."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import local_chat_available
from tests.e2e.conftest import LiveServer
from tests.mcp_server import McpTestServer
from tests.openai_server import OpenAIStyleServer


def echo_dsl(content: str = "{sys.query}") -> dict[str, Any]:
    return {
        "components": {
            "begin": {
                "obj": {"component_name": "Begin", "params": {"prologue": "Ask me anything."}},
                "downstream": ["Message:1"],
                "upstream": [],
            },
            "Message:1": {
                "obj": {"component_name": "Message", "params": {"content": [content]}},
                "downstream": [],
                "upstream": ["begin"],
            },
        },
        "graph": {"nodes": [], "edges": []},
    }


def find(rag: Any, title: str) -> Any:
    return next(agent for agent in rag.list_agents(page_size=100) if agent.title == title)


def test_an_agent_s_whole_life_through_the_sdk(rag: Any, live_server: LiveServer) -> None:
    title = f"sdk-echo-{time.time_ns()}"
    rag.create_agent(title=title, dsl=echo_dsl(), description="echoes")
    agent = find(rag, title)
    assert agent.description == "echoes"

    session = agent.create_session()
    assert session.agent_id == agent.id
    streamed = list(session.ask("Where do pandas live?", stream=True))
    assert "".join(message.content for message in streamed) == "Where do pandas live?"
    assert len(streamed) >= 1
    whole = list(session.ask("And koalas?", stream=False))
    assert [message.content for message in whole] == ["And koalas?"]

    rag.update_agent(agent.id, dsl=echo_dsl("Echo: {sys.query}"))
    assert [message.content for message in session.ask("still pinned", stream=False)] == ["still pinned"]
    fresh = agent.create_session()
    assert [message.content for message in fresh.ask("new dsl", stream=False)] == ["Echo: new dsl"]

    listed = agent.list_sessions(page_size=100)
    assert {item.id for item in listed} == {session.id, fresh.id}
    agent.delete_sessions(ids=[session.id])
    assert [item.id for item in agent.list_sessions()] == [fresh.id]

    rag.delete_agent(agent.id)
    assert all(item.id != agent.id for item in rag.list_agents(page_size=100))


def test_sdk_errors_carry_ragflow_s_messages(rag: Any, other_rag: Any) -> None:
    with pytest.raises(Exception, match="No title in request."):
        rag.create_agent(title="", dsl=echo_dsl())
    title = f"sdk-owned-{time.time_ns()}"
    rag.create_agent(title=title, dsl=echo_dsl())
    agent = find(rag, title)
    with pytest.raises(Exception, match="already exists"):
        rag.create_agent(title=title, dsl=echo_dsl())
    with pytest.raises(Exception, match="Only the owner of the agent is authorized for this operation."):
        other_rag.delete_agent(agent.id)
    with pytest.raises(Exception, match="Make sure you have permission to access the agent."):
        other_rag.update_agent(agent.id, title="mine now")
    assert all(item.id != agent.id for item in other_rag.list_agents(page_size=100))
    rag.delete_agent(agent.id)


# ---- agents with tools, and retrieval with the built-in model -----------------------------------

FRUIT = "Apples are red and crunchy. Bananas are yellow and soft."


def call(live_server: LiveServer, method: str, path: str, **body: Any) -> Any:
    answer = requests.request(
        method, f"{live_server.api_url}{path}", json=body, headers=live_server.headers(), timeout=60
    )
    return answer.json()


def parsed_dataset(rag: Any, name: str, text: str) -> Any:
    dataset = rag.create_dataset(name=name, embedding_model="universal-sentence-encoder-multilingual@Builtin")
    (document,) = dataset.upload_documents([{"display_name": "fruit.txt", "blob": text.encode()}])
    assert [run for _, run, _, _ in dataset.parse_documents([document.id])] == ["DONE"]
    return dataset


def raw_stream(live_server: LiveServer, body: dict[str, Any]) -> list[Any]:
    with requests.post(
        f"{live_server.api_url}/agents/chat/completions",
        json=body,
        headers=live_server.headers(),
        stream=True,
        timeout=300,
    ) as response:
        lines = [line for line in response.iter_lines(decode_unicode=True) if line and line.startswith("data:")]
    assert lines[-1] == "data:[DONE]"
    return [json.loads(line[5:]) for line in lines[:-1]]


def test_an_agent_with_a_retrieval_tool_a_sub_agent_and_an_mcp_tool(rag: Any, live_server: LiveServer) -> None:
    model_server, mcp = OpenAIStyleServer(), McpTestServer("sse")
    try:
        model = call(
            live_server, "POST", "/tenant/providers", **model_server.model("chat", name=f"tools{time.time_ns()}")
        )
        assert model["code"] == 0, model
        llm_id = model["data"]["model_id"]
        server = call(
            live_server, "POST", "/mcp/servers", name=f"maths-{time.time_ns()}", url=mcp.url, server_type="sse"
        )
        assert server["code"] == 0, server
        dataset = parsed_dataset(rag, f"agent-tools-{time.time_ns()}", FRUIT)

        def reply(body: dict[str, Any]) -> dict[str, Any]:
            if not body.get("tools"):
                return {"content": "The helper says: red."}
            if not any(message["role"] == "tool" for message in body["messages"]):
                order = json.dumps({"user_prompt": "Colour of apples?", "reasoning": "r", "context": "c"})
                return {
                    "tool_calls": [
                        ("search_my_dateset_0", '{"query": "apples colour"}'),
                        ("helper_1", order),
                        ("add", '{"a": 40, "b": 2}'),
                    ]
                }
            results = " | ".join(message["content"] for message in body["messages"] if message["role"] == "tool")
            return {"content": "Apples are red [ID:0]." if "Apples are red" in results and "42" in results else results}

        model_server.chat_reply = reply
        tools = [
            {
                "component_name": "Retrieval",
                "name": "Fruit",
                "params": {"dataset_ids": [dataset.id], "similarity_threshold": 0},
            },
            {"component_name": "Agent", "name": "helper", "params": {"llm_id": llm_id}},
        ]
        mcp_entry = [{"mcp_id": server["data"]["id"], "tools": {"add": server["data"]["variables"]["tools"]["add"]}}]
        dsl = echo_dsl("{Agent:Lead@content}")
        dsl["components"]["begin"]["downstream"] = ["Agent:Lead"]
        dsl["components"]["Agent:Lead"] = {
            "obj": {"component_name": "Agent", "params": {"llm_id": llm_id, "tools": tools, "mcp": mcp_entry}},
            "downstream": ["Message:1"],
            "upstream": ["begin"],
        }
        title = f"sdk-tools-{time.time_ns()}"
        rag.create_agent(title=title, dsl=dsl)
        agent = find(rag, title)
        session = agent.create_session()
        assert "".join(message.content for message in session.ask("What colour are apples?", stream=True)) == (
            "Apples are red [ID:0]."
        )
        events = raw_stream(live_server, {"agent_id": agent.id, "session_id": session.id, "query": "Again?"})
        end = next(event for event in events if event["event"] == "message_end")
        assert "Apples are red" in end["data"]["reference"]["chunks"]["0"]["content"]
        log = call(live_server, "GET", f"/agents/{agent.id}/logs/{events[0]['message_id']}")["data"]
        names = sorted(step["tool_name"] for entry in log for step in entry["trace"] if "tool_name" in step)
        assert names == ["add", "helper_1", "search_my_dateset_0"]
        assert mcp.calls["add"] == 2
        rag.delete_agent(agent.id)
    finally:
        model_server.close()
        mcp.close()


@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_retrieval_feeds_the_built_in_model_and_message_end_carries_the_references(
    rag: Any, live_server: LiveServer
) -> None:
    dataset = parsed_dataset(rag, f"agent-local-{time.time_ns()}", FRUIT)
    dsl = echo_dsl("{LLM:1@content}")
    dsl["components"]["begin"]["downstream"] = ["Retrieval:1"]
    dsl["components"]["Retrieval:1"] = {
        "obj": {"component_name": "Retrieval", "params": {"kb_ids": [dataset.id], "similarity_threshold": 0}},
        "downstream": ["LLM:1"],
    }
    dsl["components"]["LLM:1"] = {
        "obj": {
            "component_name": "LLM",
            "params": {
                "llm_id": "SmolLM2-135M-Instruct@Builtin",
                "sys_prompt": "Answer from this knowledge:\n{Retrieval:1@formalized_content}",
                "temperature": 0.0,
                "temperatureEnabled": True,
                "max_tokens": 24,
                "maxTokensEnabled": True,
            },
        },
        "downstream": ["Message:1"],
    }
    title = f"sdk-local-rag-{time.time_ns()}"
    rag.create_agent(title=title, dsl=dsl)
    agent = find(rag, title)
    session = agent.create_session()
    assert "".join(message.content for message in session.ask("What colour are apples?", stream=True)).strip()
    events = raw_stream(live_server, {"agent_id": agent.id, "session_id": session.id, "query": "Are bananas yellow?"})
    assert sum(1 for event in events if event["event"] == "message" and event["data"]["content"]) >= 1
    end = next(event for event in events if event["event"] == "message_end")
    chunks = list(end["data"]["reference"]["chunks"].values())
    assert chunks
    assert chunks[0]["dataset_id"] == dataset.id
    assert "fruit.txt" in end["data"]["reference"]["doc_aggs"]
    rag.delete_agent(agent.id)

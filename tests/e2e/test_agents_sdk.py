"""Agents through ragflow-sdk (0.26.0 in the test process; 0.27.3 in the `sdk` rerun): create,
list, update, open sessions, ask streamed and not, delete sessions and agents."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer


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

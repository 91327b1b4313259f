"""Agent flows through ragflow-sdk against the live server: Categorize branching, Switch, an
Iteration over a list, and a UserFillUp that pauses a run until the next request brings its inputs.

The chat model is a real local HTTP server speaking OpenAI's API (the edge), configured as the
test tenant's own model, so Categorize's choice is known.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LiveServer, new_tenant_key
from tests.openai_server import OpenAIStyleServer

pytestmark = pytest.mark.sdk
MODEL = "parrot@OpenAI-API-Compatible"


def component(
    name: str, downstream: list[str] | None = None, parent: str | None = None, **params: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"obj": {"component_name": name, "params": params}, "downstream": downstream or []}
    if parent:
        spec["parent_id"] = parent
    return spec


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIStyleServer]:
    server = OpenAIStyleServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def rag(live_server: LiveServer, server_env: dict[str, str], model_server: OpenAIStyleServer) -> Any:
    from ragflow_sdk import RAGFlow

    key = new_tenant_key(live_server, server_env, f"flows-{time.time_ns()}")
    added = requests.post(
        f"{live_server.api_url}/tenant/providers",
        json=model_server.model("chat"),
        headers=live_server.headers(key),
        timeout=30,
    ).json()
    assert added["code"] == 0, added
    return RAGFlow(key, live_server.base_url)


def agent(rag: Any, components: dict[str, Any]) -> Any:
    title = f"flow-{time.time_ns()}"
    rag.create_agent(title=title, dsl={"components": components, "graph": {"nodes": [], "edges": []}})
    return next(item for item in rag.list_agents(page_size=100) if item.title == title)


def answer(session: Any, question: str, **options: Any) -> str:
    return "".join(message.content for message in session.ask(question, stream=True, **options))


def test_categorize_sends_two_questions_down_two_branches(rag: Any, model_server: OpenAIStyleServer) -> None:
    categories = {
        "refund": {"description": "money back", "examples": ["I want my money back"], "to": ["Message:refund"]},
        "shipping": {"description": "where is my parcel", "examples": ["Where is it?"], "to": ["Message:ship"]},
    }
    session = agent(
        rag,
        {
            "begin": component("Begin", ["Categorize:1"]),
            "Categorize:1": component(
                "Categorize", ["Message:refund", "Message:ship"], llm_id=MODEL, category_description=categories
            ),
            "Message:refund": component("Message", content=["Refunds take five days."]),
            "Message:ship": component("Message", content=["Parcels arrive within a week."]),
        },
    ).create_session()
    model_server.chat_reply = lambda body: {
        "content": "shipping" if "parcel" in json.dumps(body["messages"][-1]) else "refund"
    }
    try:
        assert answer(session, "I want my money back") == "Refunds take five days."
        assert answer(session, "Where is my parcel?") == "Parcels arrive within a week."
    finally:
        model_server.chat_reply = None


def test_switch_chooses_by_rule(rag: Any) -> None:
    conditions = [
        {
            "items": [{"cpn_id": "sys.query", "operator": "contains", "value": "urgent"}],
            "logical_operator": "and",
            "to": ["Message:urgent"],
        },
    ]
    session = agent(
        rag,
        {
            "begin": component("Begin", ["Switch:1"]),
            "Switch:1": component(
                "Switch", ["Message:urgent", "Message:normal"], conditions=conditions, end_cpn_ids=["Message:normal"]
            ),
            "Message:urgent": component("Message", content=["Paging the on-call engineer."]),
            "Message:normal": component("Message", content=["We will reply tomorrow."]),
        },
    ).create_session()
    assert answer(session, "This is urgent: the site is down") == "Paging the on-call engineer."
    assert answer(session, "A small question") == "We will reply tomorrow."


def test_an_iteration_runs_its_body_for_each_item(rag: Any) -> None:
    session = agent(
        rag,
        {
            "begin": component("Begin", ["StringTransform:split"]),
            "StringTransform:split": component(
                "StringTransform", ["Iteration:1"], method="split", split_ref="sys.query", delimiters=[","]
            ),
            "Iteration:1": component(
                "Iteration",
                ["Message:1"],
                items_ref="StringTransform:split@result",
                outputs={"shouted": {"ref": "StringTransform:shout@result", "type": "Array<string>"}},
            ),
            "IterationItem:1": component("IterationItem", ["StringTransform:shout"], parent="Iteration:1"),
            "StringTransform:shout": component(
                "StringTransform", parent="Iteration:1", method="merge", script="{index}={IterationItem:1@item}!"
            ),
            "Message:1": component("Message", content=["{Iteration:1@shouted}"]),
        },
    ).create_session()
    assert json.loads(answer(session, "a,b,c")) == ["0=a!", "1=b!", "2=c!"]


def test_a_user_fill_up_pauses_the_run_until_its_inputs_arrive(rag: Any) -> None:
    form = {"city": {"name": "city", "type": "line", "optional": False}}
    session = agent(
        rag,
        {
            "begin": component("Begin", ["UserFillUp:1"]),
            "UserFillUp:1": component(
                "UserFillUp", ["Message:1"], inputs=form, enable_tips=True, tips="Which city, for {sys.query}?"
            ),
            "Message:1": component("Message", content=["Forecast for {UserFillUp:1@city}: sunny."]),
        },
    ).create_session()
    assert answer(session, "the weather") == ""  # the run paused: no message yet
    resumed = answer(session, "", inputs={"city": {"type": "line", "value": "Chengdu"}})
    assert resumed == "Forecast for Chengdu: sunny."


def test_an_agent_remembers_across_sessions(rag: Any, live_server: LiveServer, model_server: OpenAIStyleServer) -> None:
    embedding = model_server.model("embedding")
    added = requests.post(
        f"{live_server.api_url}/tenant/providers",
        json=embedding,
        headers=live_server.headers(rag.user_key),
        timeout=30,
    ).json()
    assert added["code"] == 0, added
    memory = rag.create_memory(f"facts-{time.time_ns()}", ["raw"], f"{embedding['name']}@{embedding['factory']}", MODEL)
    remembering = agent(
        rag,
        {
            "begin": component("Begin", ["Message:ack"]),
            "Message:ack": component("Message", content=["Noted."], memory_ids=[memory.id]),
        },
    )
    recalling = agent(
        rag,
        {
            "begin": component("Begin", ["Retrieval:mem"]),
            "Retrieval:mem": component(
                "Retrieval", ["Message:out"], retrieval_from="memory", memory_ids=[memory.id], similarity_threshold=0.0
            ),
            "Message:out": component("Message", content=["{Retrieval:mem@formalized_content}"]),
        },
    )
    assert answer(remembering.create_session(), "My favourite colour is teal.") == "Noted."
    recalled = answer(recalling.create_session(), "What is my favourite colour?")
    assert "My favourite colour is teal." in recalled

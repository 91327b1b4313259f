"""Agents whose tool nodes reach outside, end to end through the API: an ExeSQL node over a SQLite
file the operator configured, and an Invoke node calling a local HTTP server, each feeding a Message."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.api.app import create_app
from ragloom.services.container import Services
from ragloom.settings import load_settings
from tests.agents.components.tools.stand_ins import StandIns

API = "/api/v1"


def flow(tool: str, message: str, **params: Any) -> dict[str, Any]:
    return {
        "components": {
            "begin": {"obj": {"component_name": "Begin", "params": {}}, "downstream": ["Tool:1"]},
            "Tool:1": {"obj": {"component_name": tool, "params": params}, "downstream": ["Message:1"]},
            "Message:1": {"obj": {"component_name": "Message", "params": {"content": [message]}}},
        }
    }


@pytest.fixture
def stand_ins() -> Iterator[StandIns]:
    server = StandIns().start()
    yield server
    server.close()


@pytest.fixture
def tool_client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    sales = tmp_path / "sales.db"
    with sqlite3.connect(sales) as connection:
        connection.execute("CREATE TABLE orders (product TEXT, amount REAL)")
        connection.executemany("INSERT INTO orders VALUES (?, ?)", [("bamboo", 12.5), ("apples", 3.0)])
    connection.close()
    settings = load_settings(
        data_dir=tmp_path / "data",
        models={"isolate": False},
        agents={
            "invoke_allowed_networks": ["127.0.0.1/32"],
            "databases": [{"name": "sales", "url": f"sqlite:///{sales}", "tenants": []}],
        },
    )
    services = Services.build(settings)
    alice = services.tenants.issue_key(new_tenant=True, tenant_name="alice")
    bob = services.tenants.issue_key(new_tenant=True, tenant_name="bob")
    services.close()
    reserved = settings.model_copy(
        update={
            "agents": settings.agents.model_copy(
                update={"databases": [settings.agents.databases[0].model_copy(update={"tenants": [alice.tenant_id]})]}
            )
        }
    )
    services = Services.build(reserved)
    with TestClient(create_app(reserved, services=services)) as client:
        yield (
            client,
            {"Authorization": f"Bearer {alice.secret}"},
            {"Authorization": f"Bearer {bob.secret}"},
        )
    services.close()


def converse(client: TestClient, headers: dict[str, str], dsl: dict[str, Any], query: str) -> list[dict[str, Any]]:
    title = f"tools {uuid.uuid4().hex}"
    created = client.post(f"{API}/agents", json={"title": title, "dsl": dsl}, headers=headers).json()
    assert created["code"] == 0, created
    agent_id = created["data"]["id"]
    opened = client.post(f"{API}/agents/{agent_id}/sessions", json={}, headers=headers).json()["data"]
    body = {"agent_id": agent_id, "session_id": opened["id"], "query": query, "stream": True}
    with client.stream("POST", f"{API}/agents/chat/completions", json=body, headers=headers) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data:")]
    assert lines[-1] == "data:[DONE]"
    return [json.loads(line[5:]) for line in lines[:-1]]


def content(events: list[dict[str, Any]]) -> str:
    return "".join(event["data"].get("content", "") for event in events if event.get("event") == "message")


def test_an_exesql_node_answers_through_a_message(
    tool_client: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, alice, bob = tool_client
    dsl = flow(
        "ExeSQL",
        "Sales:\n{Tool:1@formalized_content}",
        sql="SELECT product, amount FROM orders WHERE product = '{sys.query}'",
        database="sales",
        db_type="mysql",
        host="db.example",
        username="root",
        password="ignored",
    )
    events = converse(client, alice, dsl, "bamboo")
    assert content(events) == "Sales:\n| product | amount |\n|---|---|\n| bamboo | 12.5 |"
    finished = next(e for e in events if e.get("event") == "node_finished" and e["data"]["component_id"] == "Tool:1")
    assert finished["data"]["outputs"]["json"] == [[{"product": "bamboo", "amount": 12.5}]]

    refused = converse(client, bob, dsl, "bamboo")  # the database is reserved for alice's tenant
    assert content(refused) == ""
    assert any("no database named 'sales' is configured for this tenant" in json.dumps(e) for e in refused)


def test_an_invoke_node_answers_through_a_message(
    tool_client: tuple[TestClient, dict[str, str], dict[str, str]], stand_ins: StandIns
) -> None:
    client, alice, _ = tool_client
    dsl = flow("Invoke", "{Tool:1@result}", url=f"{stand_ins.url}/page", clean_html=True)
    assert content(converse(client, alice, dsl, "hi")) == "Pandas\nEat bamboo."
    refused = flow("Invoke", "{Tool:1@result}", url="http://169.254.169.254/latest/meta-data")
    events = converse(client, alice, refused, "hi")
    assert content(events) == ""
    assert any("not allowed for agents' HTTP calls" in json.dumps(e) for e in events)

"""``/mcp/servers``: registering MCP servers (a real MCP server, started by the test, lists its tools),
the tenant address guard on their URLs, and tenants apart on every route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.settings import Settings, load_settings
from tests.mcp_server import McpTestServer

API = "/api/v1/mcp/servers"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The MCP test servers listen on 127.0.0.1, which tenants may reach only when the operator allows."""
    return load_settings(data_dir=tmp_path / "data", models={"isolate": False, "tenant_allow_private_urls": True})


@pytest.fixture(scope="module", params=["streamable-http", "sse"])
def mcp(request: pytest.FixtureRequest) -> Iterator[McpTestServer]:
    server = McpTestServer(request.param)
    yield server
    server.close()


def register(client: TestClient, auth: dict[str, str], mcp: McpTestServer, name: str = "tools", **extra: Any) -> Any:
    body = {"name": name, "url": mcp.url, "server_type": mcp.server_type, **extra}
    return client.post(API, json=body, headers=auth).json()


def test_a_server_is_registered_with_its_tools_listed_read_changed_and_removed(
    client: TestClient, headers: dict[str, str], mcp: McpTestServer
) -> None:
    created = register(client, headers, mcp, headers={"Authorization": "Bearer ${token}"}, variables={"token": "t0k"})
    assert created["code"] == 0, created
    server = created["data"]
    assert set(server["variables"]["tools"]) == {"add", "shout", "fail", "whoami"}
    assert server["variables"]["tools"]["add"]["inputSchema"]["required"] == ["a", "b"]
    assert server["variables"]["token"] == "t0k"
    assert {"id", "name", "tenant_id", "url", "server_type", "headers", "create_time", "update_date"} <= set(server)

    listed = client.get(API, headers=headers).json()
    assert listed["code"] == 0
    assert listed["data"]["total"] == 1
    assert [item["id"] for item in listed["data"]["mcp_servers"]] == [server["id"]]
    assert client.get(f"{API}/{server['id']}", headers=headers).json()["data"]["name"] == "tools"
    exported = client.get(f"{API}/{server['id']}", params={"mode": "download"}, headers=headers).json()["data"]
    assert exported["mcpServers"]["tools"]["url"] == mcp.url
    assert exported["mcpServers"]["tools"]["type"] == mcp.server_type

    changed = client.put(f"{API}/{server['id']}", json={"name": "renamed", "description": "maths"}, headers=headers)
    assert changed.json()["code"] == 0
    assert changed.json()["data"]["name"] == "renamed"
    assert changed.json()["data"]["variables"]["token"] == "t0k"
    tested = client.post(f"{API}/x/test", json={"url": mcp.url, "server_type": mcp.server_type}, headers=headers).json()
    assert {tool["name"] for tool in tested["data"]} == {"add", "shout", "fail", "whoami"}
    assert all(tool["enabled"] is True for tool in tested["data"])

    imported = client.post(f"{API}/import", json=exported, headers=headers).json()["data"]["results"]
    assert imported[0]["success"] is True
    assert imported[0]["new_name"] == "tools"
    again = client.post(f"{API}/import", json=exported, headers=headers).json()["data"]["results"]
    assert (again[0]["new_name"], again[0]["message"]) == (
        "tools_0",
        "Renamed from 'tools' to 'tools_0' avoid duplication",
    )
    assert client.get(API, params={"keywords": "TOOLS"}, headers=headers).json()["data"]["total"] == 2

    assert client.delete(f"{API}/{server['id']}", headers=headers).json() == {
        "code": 0,
        "message": "success",
        "data": True,
    }
    gone = client.get(f"{API}/{server['id']}", headers=headers).json()
    assert gone["code"] == 102
    assert gone["message"].startswith(f"Cannot find MCP server {server['id']} for user ")


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"url": "http://127.0.0.1:9/mcp", "server_type": "sse"}, 101, "required argument are missing: name; "),
        ({"name": "x", "url": "http://127.0.0.1:9/mcp", "server_type": "ws"}, 102, "Unsupported MCP server type."),
        (
            {"name": "x" * 256, "url": "http://a.example/", "server_type": "sse"},
            102,
            "Invalid MCP name or length is 256",
        ),
        ({"name": "x", "url": "", "server_type": "sse"}, 102, "Invalid url."),
        (
            {"name": "x", "url": "ftp://a.example/", "server_type": "sse"},
            102,
            "Invalid url: the URL must start with http",
        ),
        (
            {"name": "x", "url": "http://127.0.0.1:9/mcp", "server_type": "sse"},
            102,
            "MCP server 'x' could not be reached",
        ),
    ],
)
def test_a_server_that_cannot_be_used_is_not_saved(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], code: int, message: str
) -> None:
    answer = client.post(API, json=body, headers=headers).json()
    assert answer["code"] == code, answer
    assert answer["message"].startswith(message)
    assert client.get(API, headers=headers).json()["data"]["total"] == 0


def test_a_name_is_used_once_per_tenant(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], mcp: McpTestServer
) -> None:
    assert register(client, headers, mcp)["code"] == 0
    assert register(client, headers, mcp) == {"code": 102, "message": "Duplicated MCP server name.", "data": None}
    assert register(client, other_headers, mcp)["code"] == 0


def test_tenants_never_see_or_touch_each_other_s_servers(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], mcp: McpTestServer, other_caller: Any
) -> None:
    server = register(client, headers, mcp)["data"]
    refusal = {
        "code": 102,
        "message": f"Cannot find MCP server {server['id']} for user {other_caller.tenant_id}",
        "data": None,
    }
    for method, path, params in (
        ("GET", f"{API}/{server['id']}", {}),
        ("GET", f"{API}/{server['id']}", {"mode": "download"}),
        ("PUT", f"{API}/{server['id']}", {}),
        ("DELETE", f"{API}/{server['id']}", {}),
    ):
        answer = client.request(method, path, params=params, json={"name": "mine"}, headers=other_headers).json()
        assert answer == refusal, (method, path, params)
    listed = client.get(API, params={"mcp_ids": server["id"]}, headers=other_headers).json()["data"]
    assert listed == {"mcp_servers": [], "total": 0}
    assert client.get(f"{API}/{server['id']}", headers=headers).json()["data"]["name"] == "tools"


def test_the_address_guard_refuses_loopback_unless_the_operator_allows_it(tmp_path: Path, mcp: McpTestServer) -> None:
    from ragloom.api.app import create_app
    from ragloom.services.container import Services

    settings = load_settings(data_dir=tmp_path / "guarded", models={"isolate": False})
    services = Services.build(settings)
    key = services.tenants.issue_key(new_tenant=True, tenant_name="guarded")
    headers = {"Authorization": f"Bearer {key.secret}"}
    try:
        with TestClient(create_app(settings, services=services)) as client:
            literal = register(client, headers, mcp)
            assert literal["code"] == 102
            assert "the address 127.0.0.1 is not allowed for tenant-configured MCP servers" in literal["message"]
            named = register(client, headers, mcp, url=mcp.url.replace("127.0.0.1", "localhost"))
            assert named["code"] == 102
            assert named["message"] == (
                "MCP server 'tools' was not called: "
                "the address of localhost is not allowed for tenant-configured MCP servers"
            )
            assert mcp.calls["add"] == 0
    finally:
        services.close()


@pytest.mark.parametrize(
    ("sent", "problem"),
    [
        ({"«": "x"}, "the header name '«' is not an HTTP field name"),
        ({"X Token": "x"}, "the header name 'X Token' is not an HTTP field name"),
        ({"X-Token": "café"}, "the value of header 'X-Token' holds characters other than printable ASCII"),
        ({"X-Token": "Bearer ${token}"}, "the value of header 'X-Token' holds characters other than printable ASCII"),
    ],
)
def test_headers_that_http_cannot_carry_are_refused_before_connecting(
    client: TestClient,
    headers: dict[str, str],
    mcp: McpTestServer,
    caplog: pytest.LogCaptureFixture,
    sent: dict[str, str],
    problem: str,
) -> None:
    # Found by the fuzz run: httpx2 failed on them with a UnicodeEncodeError, logged with its
    # traceback, and the answer named only the exception ("MCP server 'tools' failed: UnicodeEncodeError").
    answer = register(client, headers, mcp, headers=sent, variables={"token": "tök"})
    assert answer["code"] == 102
    assert answer["message"].startswith(f"MCP server 'tools' was not called: {problem}")
    assert [record for record in caplog.records if record.exc_info] == []
    assert client.get(API, headers=headers).json()["data"]["total"] == 0

"""The MCP server in process (the ``mcp`` client's in-memory connection): the tools listed with their
schemas, a call answered as structured content and text, a refusal as a tool error, an unknown tool
as a protocol error."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from ragloom.mcp import TOOLS, mcp_server
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.search_support import FACT, searchable_dataset


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


def test_tools_are_listed_and_called_over_the_protocol(services: Services, caller: Caller) -> None:
    dataset_id, _ = searchable_dataset(services, caller, "fruit")
    server = mcp_server(services, lambda _context: caller)

    async def session() -> dict[str, Any]:
        async with Client(server) as client:
            tools = await client.list_tools()
            found = await client.call_tool("retrieve", {"dataset_ids": [dataset_id], "question": "bananas potassium"})
            refused = await client.call_tool("retrieve", {"dataset_ids": [dataset_id]})
            with pytest.raises(MCPError, match="Unknown tool: delete_everything"):
                await client.call_tool("delete_everything", {})
            return {"tools": tools.tools, "found": found, "refused": refused}

    seen = anyio.run(session)
    assert [tool.name for tool in seen["tools"]] == [tool.name for tool in TOOLS]
    assert seen["tools"][1].input_schema["required"] == ["dataset_ids", "question"]
    found = seen["found"]
    assert not found.is_error
    assert found.structured_content["chunks"][0]["content"] == FACT
    assert FACT in found.content[0].text
    refused = seen["refused"]
    assert refused.is_error
    assert refused.structured_content == {"code": 102, "message": "`question` is required."}

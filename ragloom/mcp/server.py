"""The MCP server (the ``mcp`` package's low-level :class:`~mcp.server.Server`) offering :data:`TOOLS`.

Every transport serves the same server; what differs is who the caller is: over HTTP the
tenant owning the request's API key (:mod:`ragloom.mcp.http`), over stdio the tenant of the key
the command was given (:mod:`ragloom.mcp.stdio`). The services are synchronous, so a call runs
on a worker thread, as the REST API's routes do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import anyio.to_thread
import mcp_types as types
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError

from ragloom import __version__
from ragloom.mcp.chat import ASK_CHAT
from ragloom.mcp.listing import LIST_CHATS, LIST_DATASETS
from ragloom.mcp.retrieval import RETRIEVE
from ragloom.mcp.tools import Tool, call_result
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

TOOLS: tuple[Tool, ...] = (LIST_DATASETS, RETRIEVE, LIST_CHATS, ASK_CHAT)
INSTRUCTIONS = (
    "ragloom is a retrieval-augmented generation engine. Find datasets with list_datasets, search them with "
    "retrieve (the chunks most relevant to a question), or ask a chat assistant (list_chats, ask_chat) for an "
    "answer grounded in its datasets."
)

CallerOf = Callable[[ServerRequestContext[Any]], Caller]
"""Who makes a request: the tenant whose data the tools may see."""


def mcp_server(services: Services, caller_of: CallerOf, tools: Sequence[Tool] = TOOLS) -> Server[Any]:
    """A server offering ``tools`` on ``services`` to the caller ``caller_of`` names for each request."""
    by_name = {tool.name: tool for tool in tools}

    async def list_tools(
        _context: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool.spec() for tool in tools])

    async def call_tool(
        context: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool: {params.name}. The tools are: {', '.join(by_name)}.")
        call = functools.partial(call_result, tool, services, caller_of(context), params.arguments or {})
        return await anyio.to_thread.run_sync(call)

    return Server(
        "ragloom",
        version=__version__,
        title="ragloom",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )

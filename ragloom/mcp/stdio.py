"""MCP over stdin/stdout (``ragloom mcp``), for the tenant of one API key.

The ``mcp`` package's stdio transport points file descriptor 1 at stderr while it serves, so
nothing but MCP messages reaches stdout — not a stray ``print``, nor a model process's output;
ragloom's own logs go to stderr as always (:func:`ragloom.logs.configure_logging`).
"""

from __future__ import annotations

import logging

import anyio
from mcp.server.stdio import stdio_server

from ragloom.mcp.server import mcp_server
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

log = logging.getLogger(__name__)


def serve_stdio(services: Services, caller: Caller) -> None:
    """Serve MCP on stdin/stdout for ``caller`` until the client closes stdin."""
    server = mcp_server(services, lambda _context: caller)

    async def serve() -> None:
        async with stdio_server() as (read_stream, write_stream):
            log.info("serving MCP on stdin/stdout for tenant %s", caller.tenant_id)
            await server.run(read_stream, write_stream, server.create_initialization_options())
        log.info("stdin closed; MCP server stopped")

    anyio.run(serve)

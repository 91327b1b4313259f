"""ragloom as an MCP server: its datasets, retrieval and chat assistants as tools.

``ragloom serve`` offers it over streamable HTTP at ``/mcp`` (:class:`McpEndpoint`),
``ragloom mcp`` over stdin/stdout (:func:`serve_stdio`). The tools (:data:`TOOLS`) call the
services the REST routes call, with the REST routes' readers.
"""

from ragloom.api.mcp_mount import MCP_PATH
from ragloom.mcp.http import McpEndpoint
from ragloom.mcp.server import TOOLS, mcp_server
from ragloom.mcp.stdio import serve_stdio
from ragloom.mcp.tools import Outcome, Tool

__all__ = ["MCP_PATH", "TOOLS", "McpEndpoint", "Outcome", "Tool", "mcp_server", "serve_stdio"]

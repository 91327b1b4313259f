"""MCP servers tenants register, called through the official ``mcp`` client."""

from ragloom.providers.mcp.client import SERVER_TYPES, McpClient, McpEndpoint

__all__ = ["SERVER_TYPES", "McpClient", "McpEndpoint"]

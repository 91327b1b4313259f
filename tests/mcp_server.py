"""A real MCP server for tests: the ``mcp`` package's own ``MCPServer`` served by uvicorn on a free
port, over streamable HTTP (``/mcp``) or SSE (``/sse``), with a few tools.

``add`` adds two integers, ``shout`` upper-cases a text, ``fail`` raises (an error the client
sees as the tool's result), ``whoami`` returns the ``Authorization`` header it was sent.
``calls`` counts tool calls by name.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from typing import Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer


class McpTestServer:
    """Serves until :meth:`close`; ``url`` is what a client connects to."""

    def __init__(self, server_type: str = "streamable-http") -> None:
        self.calls: Counter[str] = Counter()
        server = MCPServer("ragloom-test")
        calls = self.calls

        @server.tool(description="Add two integers.")
        def add(a: int, b: int) -> int:
            calls["add"] += 1
            return a + b

        @server.tool(description="The text in capitals.")
        def shout(text: str) -> str:
            calls["shout"] += 1
            return text.upper()

        @server.tool(description="Always fails.")
        def fail() -> str:
            calls["fail"] += 1
            raise ValueError("the tool broke on purpose")

        @server.tool(description="The Authorization header of the request.")
        def whoami(ctx: Context[Any, Any]) -> str:
            calls["whoami"] += 1
            request = ctx.request_context.request
            return str(request.headers.get("authorization", "")) if request is not None else ""

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        if server_type == "sse":
            app = server.sse_app()
            self.url = f"http://127.0.0.1:{self.port}/sse"
        else:
            app = server.streamable_http_app()
            self.url = f"http://127.0.0.1:{self.port}/mcp"
        self.server_type = server_type
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the MCP test server did not start")
            time.sleep(0.02)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

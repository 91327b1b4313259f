"""The ``/mcp`` route of the application, loaded on first use.

The ``mcp`` package and the tools behind :class:`ragloom.mcp.http.McpEndpoint` take about a
second to import, which every start of ``ragloom serve`` paid whether or not a client ever spoke
MCP. :class:`LazyMcpEndpoint` stands in the route table instead: the first request imports
the endpoint (on a worker thread, so the event loop keeps serving), starts its session manager
in the application's lifespan, and every request is then the endpoint's, as before: 401 without a
valid key, 503 outside the lifespan, sessions ended when the application stops.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ragloom.services.container import Services

if TYPE_CHECKING:
    from ragloom.mcp.http import McpEndpoint

MCP_PATH = "/mcp"


class LazyMcpEndpoint:
    """The ASGI application at :data:`MCP_PATH` that builds the MCP endpoint on its first request."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._lock = anyio.Lock()
        self._endpoint: McpEndpoint | None = None
        self._running: tuple[TaskGroup, anyio.Event] | None = None  # the lifespan's tasks, and its end
        self._started = False

    def route(self) -> Route:
        """The route serving the endpoint, every method, outside the OpenAPI document."""
        return Route(MCP_PATH, endpoint=self, include_in_schema=False)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The application's lifespan: an endpoint built meanwhile serves sessions until it ends."""
        stopping = anyio.Event()
        async with anyio.create_task_group() as tasks:
            self._running = (tasks, stopping)
            try:
                yield
            finally:
                self._running = None
                stopping.set()  # the endpoint's session manager, if started, stops; the group waits for it
        self._started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = await self._endpoint_now()
        await endpoint(scope, receive, send)

    async def _endpoint_now(self) -> McpEndpoint:
        async with self._lock:
            if self._endpoint is None:
                module = await anyio.to_thread.run_sync(importlib.import_module, "ragloom.mcp.http")
                self._endpoint = module.McpEndpoint(self._services)
            endpoint = self._endpoint
            if self._running is not None and not self._started:
                tasks, stopping = self._running
                await tasks.start(self._serve, endpoint, stopping)
                self._started = True
        return endpoint

    @staticmethod
    async def _serve(endpoint: McpEndpoint, stopping: anyio.Event, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        async with endpoint.running():
            task_status.started()
            await stopping.wait()

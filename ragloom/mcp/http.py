"""MCP over streamable HTTP at ``/mcp`` of the application ``ragloom serve`` runs.

Every request must carry ``Authorization: Bearer <API key>``, checked against the same key
store as the REST API: without a valid key the answer is HTTP 401 and no MCP session is opened.
The key's holder is put in the ASGI scope as the ``user`` (the ``mcp`` package's
:class:`AuthenticatedUser`), which gives two things: the tools act for the key's tenant, and a
session is bound to the key that opened it (the session manager answers another key's request
for it as if the session did not exist).

The session manager runs for as long as the application (:meth:`McpEndpoint.running`, entered
by the application's lifespan); each run gets a new manager, since one can run only once.
Host and Origin headers are not checked (the ``mcp`` package's DNS-rebinding guard): the API
key guards this endpoint as it guards the REST API, and a page that does not know it gets 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ragloom.api.auth import bearer_token
from ragloom.api.mcp_mount import MCP_PATH
from ragloom.errors import AuthenticationError
from ragloom.mcp.server import mcp_server
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

UNAUTHORIZED = "No API key, or not a valid one: send `Authorization: Bearer <ragloom API key>`."


class KeyHolder(AuthenticatedUser):
    """Whoever presented a valid API key: the :class:`Caller` the key stands for."""

    def __init__(self, caller: Caller) -> None:
        # The key's id names the principal (the session manager binds sessions to it); the
        # secret is kept nowhere.
        super().__init__(AccessToken(token=caller.key_id, client_id=caller.key_id, scopes=[], subject=caller.tenant_id))
        self.caller = caller


def http_caller(context: ServerRequestContext[Any]) -> Caller:
    """The caller of an MCP request that came through :class:`McpEndpoint` (which let in none without a key)."""
    request = context.request
    user = request.scope.get("user") if isinstance(request, Request) else None
    if not isinstance(user, KeyHolder):
        raise MCPError(INVALID_REQUEST, "The request carries no API key.")
    return user.caller


class McpEndpoint:
    """The ASGI application at :data:`MCP_PATH`: the API-key check in front of the session manager."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._server = mcp_server(services, http_caller)
        self._manager: StreamableHTTPSessionManager | None = None

    def route(self) -> Route:
        """The route serving the endpoint, every method, outside the OpenAPI document."""
        return Route(MCP_PATH, endpoint=self, include_in_schema=False)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve MCP sessions until the context ends (then every open session ends)."""
        manager = StreamableHTTPSessionManager(app=self._server)
        async with manager.run():
            self._manager = manager
            try:
                yield
            finally:
                self._manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = Request(scope).headers.get("authorization")
        try:
            caller = await anyio.to_thread.run_sync(self._services.tenants.authenticate, bearer_token(header))
        except AuthenticationError:
            response = JSONResponse(
                {"error": "invalid_token", "error_description": UNAUTHORIZED},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
            await response(scope, receive, send)
            return
        manager = self._manager
        if manager is None:  # the application's lifespan is not running (or is ending)
            await JSONResponse({"error": "The MCP endpoint is not running."}, status_code=503)(scope, receive, send)
            return
        scope["user"] = KeyHolder(caller)
        await manager.handle_request(scope, receive, send)

"""Calling MCP servers through the official ``mcp`` client: listing a server's tools and calling one.

Each operation opens its own session — connect (streamable HTTP or SSE), ``initialize``, the
request, close — on an event loop of the calling thread, within one deadline. Sessions are not
kept between calls: an Agent's calls are few, and a session that outlives its run would hold a
connection (and a thread) per server per run. Failures are :class:`ProviderError` values that
name the server and say what went wrong (a refused address, a connection error, a timeout, the
server's JSON-RPC error); a tool that reports an error (``isError``) is not a failure: its text
is the call's result, for the model to read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from ragloom.errors import ProviderError
from ragloom.providers.address_guard import AddressNotAllowedError, AddressPolicy
from ragloom.providers.mcp.headers import header_problem

if TYPE_CHECKING:
    import httpx2

    from ragloom.providers.mcp.transport import RecordingTransport

log = logging.getLogger(__name__)

SERVER_TYPES = ("sse", "streamable-http")
_T = TypeVar("_T")


@dataclass(frozen=True)
class McpEndpoint:
    """Where an MCP server listens and how to reach it (headers with their variables filled in)."""

    name: str
    url: str
    server_type: str
    headers: dict[str, str] = field(default_factory=dict)


class McpClient:
    """Talks to MCP servers; with ``guard`` (tenants' servers) every connection passes that policy."""

    def __init__(self, guard: AddressPolicy | None) -> None:
        self._guard = guard

    def list_tools(self, endpoint: McpEndpoint, timeout: float) -> list[dict[str, Any]]:
        """The server's tools as MCP describes them (``name``, ``description``, ``inputSchema``, …)."""

        async def operation(session: Any) -> list[dict[str, Any]]:
            result = await session.list_tools()
            return [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in result.tools]

        return self._run(endpoint, timeout, operation)

    def call_tool(self, endpoint: McpEndpoint, name: str, arguments: dict[str, Any], timeout: float) -> str:
        """The text of calling tool ``name`` (a tool's own error is returned as ``Error: …`` text)."""

        async def operation(session: Any) -> str:
            return result_text(await session.call_tool(name, arguments))

        return self._run(endpoint, timeout, operation)

    def _run(self, endpoint: McpEndpoint, timeout: float, operation: Callable[[Any], Awaitable[_T]]) -> _T:
        if endpoint.server_type not in SERVER_TYPES:
            raise ProviderError(f"MCP server '{endpoint.name}' has an unsupported type {endpoint.server_type!r}")
        problem = header_problem(endpoint.headers)
        if problem is not None:
            raise ProviderError(f"MCP server '{endpoint.name}' was not called: {problem}")
        from ragloom.providers.mcp.transport import RecordingTransport  # with the first call (httpx2)

        transport = RecordingTransport(self._guard)
        try:
            return anyio.run(self._session, endpoint, timeout, transport, operation)
        except Exception as error:  # an anyio task group wraps what its tasks raised
            raise _failure(endpoint, timeout, error, transport.failure) from None

    async def _session(
        self,
        endpoint: McpEndpoint,
        timeout: float,
        transport: RecordingTransport,
        operation: Callable[[Any], Awaitable[_T]],
    ) -> _T:
        from mcp import ClientSession
        from mcp.client.sse import sse_client
        from mcp.client.streamable_http import streamable_http_client

        from ragloom.providers.mcp.transport import mcp_http_client

        def client_factory(
            headers: dict[str, str] | None = None,
            timeout: httpx2.Timeout | None = None,  # noqa: ARG001 (the deadline below governs)
            auth: Any = None,  # noqa: ARG001 (headers carry any authorization)
        ) -> httpx2.AsyncClient:
            return mcp_http_client(transport, {**endpoint.headers, **(headers or {})}, limit, limit)

        limit = timeout
        with anyio.fail_after(timeout):
            async with AsyncExitStack() as stack:
                if endpoint.server_type == "sse":
                    streams = await stack.enter_async_context(
                        sse_client(
                            endpoint.url, timeout=timeout, sse_read_timeout=timeout, httpx_client_factory=client_factory
                        )
                    )
                else:
                    client = await stack.enter_async_context(client_factory())
                    streams = await stack.enter_async_context(streamable_http_client(endpoint.url, http_client=client))
                session = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
                await session.initialize()
                return await operation(session)


def result_text(result: Any) -> str:
    """A tool result as text for a model: its text parts, other parts named, structured content as JSON."""
    parts: list[str] = []
    for block in getattr(result, "content", None) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(str(block.text))
        elif kind in ("image", "audio"):
            parts.append(f"[{kind} {getattr(block, 'mime_type', '')}]")
        elif kind == "resource_link":
            parts.append(f"[resource {getattr(block, 'uri', '')}]")
        elif kind == "resource":
            resource = getattr(block, "resource", None)
            parts.append(str(getattr(resource, "text", "") or f"[resource {getattr(resource, 'uri', '')}]"))
    structured = getattr(result, "structured_content", None)
    if not parts and structured is not None:
        parts.append(json.dumps(structured, ensure_ascii=False, default=str))
    text = "\n".join(parts) if parts else "The tool returned nothing."
    return f"Error: {text}" if getattr(result, "is_error", False) else text


def _failure(
    endpoint: McpEndpoint, timeout: float, error: BaseException, recorded: BaseException | None
) -> ProviderError:
    import httpx2

    where = f"MCP server '{endpoint.name}'"
    for cause in (*_leaves(error), *([recorded] if recorded is not None else [])):
        if isinstance(cause, AddressNotAllowedError):
            return ProviderError(f"{where} was not called: {cause.message}")
    if recorded is not None:
        return ProviderError(f"{where} could not be reached: {_kind(recorded)}")
    for cause in _leaves(error):
        if isinstance(cause, TimeoutError):
            return ProviderError(f"{where} did not answer within {timeout:g} seconds")
        if isinstance(cause, httpx2.HTTPStatusError):
            return ProviderError(f"{where} answered HTTP {cause.response.status_code}")
        if type(cause).__name__ == "MCPError":
            return ProviderError(f"{where} answered with an error: {cause}")
        if isinstance(cause, httpx2.HTTPError | OSError):
            return ProviderError(f"{where} could not be reached: {_kind(cause)}")
    log.warning("MCP server %s failed", endpoint.name, exc_info=error)
    return ProviderError(f"{where} failed: {type(error).__name__}")


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error
        if error.__cause__ is not None:
            yield from _leaves(error.__cause__)


def _kind(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, OSError) and cause.strerror:
        return f"{type(error).__name__}: {cause.strerror}"
    return type(error).__name__

"""HTTP for MCP servers tenants registered: the address guard fitted to the ``mcp`` client's HTTP
library (httpx2), and the first connection failure kept so it can be reported.

A tenant chooses its MCP servers' URLs, so every connection is vetted as a tenant's model's is
(:mod:`ragloom.providers.address_guard`): the host is resolved once, refused if any address it
resolves to is not allowed, and the socket opened to a vetted address; proxies from the
environment are ignored and redirects are not followed. The ``mcp`` client swallows a failed
POST of its streamable-HTTP transport (the request then waits for its timeout), so the
transport records what went wrong for the caller to report.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio.to_thread
import httpcore2
import httpx2

from ragloom.providers.address_guard import AddressPolicy, resolve
from ragloom.providers.mcp.headers import WHAT


class GuardedAsyncBackend(httpcore2.AsyncNetworkBackend):
    """httpcore2's network backend with an :class:`AddressPolicy` applied when connecting."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._direct = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        try:
            addresses = await anyio.to_thread.run_sync(resolve, host, port)
        except (OSError, UnicodeError) as error:
            raise httpcore2.ConnectError(str(error)) from error
        self._policy.vet(host, addresses, WHAT)
        failure: Exception | None = None
        for text, _address in addresses:
            try:
                return await self._direct.connect_tcp(text, port, timeout, local_address, socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as error:
                failure = error
        assert failure is not None, "getaddrinfo answers at least one address or raises"
        raise failure

    async def connect_unix_socket(
        self,
        path: str,  # noqa: ARG002 (httpcore2's signature: nothing is connected)
        timeout: float | None = None,  # noqa: ARG002
        socket_options: Iterable[Any] | None = None,  # noqa: ARG002
    ) -> httpcore2.AsyncNetworkStream:
        raise httpcore2.ConnectError("unix sockets are not allowed for tenant-configured MCP servers")

    async def sleep(self, seconds: float) -> None:
        await self._direct.sleep(seconds)


class RecordingTransport(httpx2.AsyncHTTPTransport):
    """httpx2's transport, its pool on the guarded backend when a policy is given, keeping the first
    exception a request raised (:attr:`failure`)."""

    def __init__(self, policy: AddressPolicy | None) -> None:
        super().__init__(trust_env=policy is None)
        self.failure: BaseException | None = None
        if policy is not None:
            if not isinstance(getattr(self, "_pool", None), httpcore2.AsyncConnectionPool):
                raise RuntimeError(
                    "this httpx2 keeps its connection pool elsewhere; the address guard cannot be fitted"
                )
            self._pool = httpcore2.AsyncConnectionPool(
                ssl_context=httpx2.create_ssl_context(),
                max_connections=10,
                keepalive_expiry=5.0,
                network_backend=GuardedAsyncBackend(policy),
            )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            return await super().handle_async_request(request)
        except Exception as error:
            if self.failure is None:
                self.failure = error
            raise


def mcp_http_client(
    transport: RecordingTransport, headers: dict[str, str], timeout: float, read_timeout: float
) -> httpx2.AsyncClient:
    """An httpx2 client for one MCP session over ``transport``."""
    return httpx2.AsyncClient(
        transport=transport,
        headers=headers,
        timeout=httpx2.Timeout(timeout, read=read_timeout),
        trust_env=False,
        follow_redirects=False,
    )

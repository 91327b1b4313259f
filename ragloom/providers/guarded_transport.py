"""The HTTP transport that applies an :class:`~ragloom.providers.address_guard.AddressPolicy` when
connecting (see that module). Kept apart so the policy is read without importing httpx: a server
imports its HTTP client with its first outbound call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from ragloom.providers.address_guard import AddressPolicy, resolve


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with :class:`AddressPolicy` applied when connecting.

    The host is resolved here, every address it resolves to is vetted, and the socket is
    opened to a vetted address given as a numeric IP — nothing resolves the name again.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._direct = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(str(error)) from error
        self._policy.vet(host, addresses)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for text, _address in addresses:
            try:
                return self._direct.connect_tcp(text, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None, "getaddrinfo answers at least one address or raises"
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, error mapping) over a pool on :class:`GuardedBackend`.

    httpx does not take a network backend as an argument, so the pool it builds is
    replaced by an identical one on the guarded backend; the check below fails loudly
    should a future httpx keep its pool elsewhere.
    """

    def __init__(self, policy: AddressPolicy, proxy: str | None = None) -> None:
        super().__init__(trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("this httpx keeps its connection pool elsewhere; the address guard cannot be fitted")
        limits: dict[str, Any] = {  # httpx's defaults
            "ssl_context": httpx.create_ssl_context(),
            "max_connections": 100,
            "max_keepalive_connections": 20,
            "keepalive_expiry": 5.0,
            "network_backend": GuardedBackend(policy),
        }
        if proxy:
            self._pool = httpcore.HTTPProxy(proxy_url=str(httpx.URL(proxy)), **limits)
        else:
            self._pool = httpcore.ConnectionPool(**limits)

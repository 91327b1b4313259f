"""HTTP for agents' tools: a call within a deadline whose answer is read only up to a size limit.

Two kinds of caller: Invoke, whose URL a DSL chose — every connection is vetted by an
:class:`~ragloom.providers.address_guard.AddressPolicy` (after DNS, redirects included), proxy
variables of the environment are ignored — and the web search tools, whose endpoints the operator
configured (not vetted, proxy variables honoured, as for the operator's own models).

Errors name the call and the reason (``HTTP 502``, ``ConnectError: Connection refused``, a
timeout, a body over the limit), never what the remote side answered: that goes to the log as
an excerpt, as :mod:`ragloom.providers.http` does for models.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ragloom.errors import ProviderError
from ragloom.providers.address_guard import AddressNotAllowedError, AddressPolicy
from ragloom.providers.http import LOGGED_CHARACTERS, error_excerpt, failure_kind

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Answer:
    """A successful (2xx) answer: status, content type, the body read whole."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Call:
    """One request: what it is called in errors (``what``), where it goes, and its limits."""

    what: str
    method: str
    url: str
    timeout_seconds: float
    max_bytes: int
    headers: dict[str, str] | None = None
    params: Any = None
    json: Any = None
    form: Any = None


def send(call: Call, *, guard: AddressPolicy | None, proxy: str = "") -> Answer:
    """Make ``call`` (see the module docstring); a :class:`ProviderError` unless it answered 2xx
    with a body of at most ``max_bytes`` within ``timeout_seconds``."""
    import httpx  # with the first call: the server starts without an HTTP client

    deadline = time.monotonic() + call.timeout_seconds
    timeout = httpx.Timeout(call.timeout_seconds, connect=min(10.0, call.timeout_seconds))
    if guard is None:
        client = httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS)
    else:
        transport = guard.transport(proxy or None)
        client = httpx.Client(
            timeout=timeout,
            transport=transport,
            trust_env=False,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
        )
    with client:
        try:
            url = httpx.URL(call.url)
            if call.params:  # added to the URL's own query (httpx's ``params`` would replace it)
                url = url.copy_merge_params(call.params)
            with client.stream(
                call.method.upper(),
                url,
                headers=call.headers,
                json=call.json,
                data=call.form,
            ) as response:
                if not 200 <= response.status_code < 300:
                    log.warning("%s answered HTTP %s: %r", call.what, response.status_code, error_excerpt(response))
                    raise ProviderError(f"{call.what} failed: HTTP {response.status_code}")
                body = _read(response, call, deadline)
                return Answer(response.status_code, response.headers.get("content-type", ""), body)
        except AddressNotAllowedError as refused:
            raise ProviderError(f"{call.what} was not made: {refused.message}") from None
        except httpx.TimeoutException:
            raise ProviderError(f"{call.what} did not answer within {call.timeout_seconds:g} seconds") from None
        except httpx.TooManyRedirects:
            raise ProviderError(f"{call.what} was redirected more than {MAX_REDIRECTS} times") from None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            log.warning("%s failed: %r", call.what, str(error)[:LOGGED_CHARACTERS])
            raise ProviderError(f"{call.what} failed ({failure_kind(error)})") from None


def _read(response: httpx.Response, call: Call, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > call.max_bytes:
        raise ProviderError(f"{call.what} answered more than {call.max_bytes} bytes ({declared})")
    taken = bytearray()
    for piece in response.iter_bytes():
        taken += piece
        if len(taken) > call.max_bytes:
            raise ProviderError(f"{call.what} answered more than {call.max_bytes} bytes")
        if time.monotonic() > deadline:
            raise ProviderError(f"{call.what} did not answer within {call.timeout_seconds:g} seconds")
    return bytes(taken)


def shown(url: str) -> str:
    """``url`` as errors and logs show it: without credentials, query or fragment."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "an invalid URL"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"

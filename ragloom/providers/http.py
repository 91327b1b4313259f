"""JSON over HTTP to model servers: clients, timeouts, retries with backoff, clear errors.

Errors never carry what the remote side sent: a caller learns the model and the kind of
failure (``HTTP 400``, ``ConnectError: Connection refused``, "an unexpected shape"), the
server log gets an excerpt of the answer (escaped, cut to :data:`LOGGED_CHARACTERS`).
Otherwise a model server pointed at an internal service would read it out through errors.

httpx is imported by the functions that use it, so a server starts without it (its first
outbound call imports it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ragloom.errors import ProviderError
from ragloom.providers.address_guard import AddressNotAllowedError, AddressPolicy
from ragloom.settings import RemoteModel

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
LOGGED_CHARACTERS = 500


def provider_client(
    settings: RemoteModel, guard: AddressPolicy | None, headers: dict[str, str] | None = None
) -> httpx.Client:
    """The HTTP client of one remote model: its API key as a bearer token, its timeout (at
    most 10 s of it to connect), and with ``guard`` every connection vetted by that policy.

    A guarded client (a tenant's model) ignores proxy variables and ``.netrc``, see
    :mod:`ragloom.providers.address_guard`; an unguarded one (the operator's) honours them.
    """
    import httpx

    sent = dict(headers or {})
    if settings.api_key is not None:
        sent["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    timeout = httpx.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds))
    if guard is None:
        return httpx.Client(timeout=timeout, headers=sent)
    transport = guard.transport()
    return httpx.Client(timeout=timeout, headers=sent, transport=transport, trust_env=False, follow_redirects=False)


def remote_failure(what: str, problem: str, remote_text: str) -> ProviderError:
    """The error for an answer ``what`` sent that cannot be used: ``problem`` for the caller,
    what the remote side sent only in the log."""
    log.warning("%s %s; it sent: %r", what, problem, remote_text[:LOGGED_CHARACTERS])
    return ProviderError(f"{what} {problem}")


def failure_kind(error: Exception) -> str:
    """What went wrong, in words that carry nothing the remote side sent: the exception's
    class and, for a failed connection, the operating system's reason."""
    import httpx

    cause = error.__cause__ or error.__context__
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.ConnectError) and isinstance(cause, OSError) and cause.strerror:
        return f"{type(error).__name__}: {cause.strerror}"
    return type(error).__name__


def post_json(
    client: httpx.Client,
    url: str,
    payload: dict[str, Any],
    *,
    what: str,
    headers: dict[str, str] | None = None,
    retries: int = 3,
    backoff_seconds: float = 0.5,
) -> Any:
    """POST ``payload`` and return the parsed JSON answer.

    Connection failures, timeouts, 429 and 5xx answers are retried ``retries`` times with
    exponential backoff (honouring ``Retry-After``); anything else, or running out of
    retries, raises :class:`ProviderError` naming ``what`` and the reason.
    """
    response = _send(client, url, payload, what, headers, retries, backoff_seconds, stream=False)
    try:
        return response.json()
    except ValueError:
        raise remote_failure(what, "answered with something that is not JSON", response.text) from None


def stream_lines(
    client: httpx.Client,
    url: str,
    payload: dict[str, Any],
    *,
    what: str,
    headers: dict[str, str] | None = None,
    retries: int = 3,
    backoff_seconds: float = 0.5,
) -> Iterator[str]:
    """POST ``payload`` and yield the answer's lines as they arrive (SSE or NDJSON).

    Failures before the answer starts are retried as in :func:`post_json`; once lines have
    been yielded a broken connection raises :class:`ProviderError` (a partial answer cannot
    be retried without repeating it).
    """
    import httpx

    response = _send(client, url, payload, what, headers, retries, backoff_seconds, stream=True)
    try:
        yield from response.iter_lines()
    except httpx.HTTPError as error:
        log.warning("%s at %s broke off while answering: %r", what, url, str(error)[:LOGGED_CHARACTERS])
        raise ProviderError(f"{what} broke off while answering ({failure_kind(error)})") from None
    finally:
        response.close()


def _send(
    client: httpx.Client,
    url: str,
    payload: dict[str, Any],
    what: str,
    headers: dict[str, str] | None,
    retries: int,
    backoff_seconds: float,
    *,
    stream: bool,
) -> httpx.Response:
    """The first successful answer (its body still unread when ``stream``), retrying as documented above."""
    import httpx

    attempt = 0
    while True:
        try:
            # Always streamed, so that an error answer is read only as far as it is logged.
            response = client.send(client.build_request("POST", url, json=payload, headers=headers), stream=True)
            if response.status_code < 400 and not stream:
                try:
                    response.read()
                finally:
                    response.close()
        except AddressNotAllowedError as refused:
            raise ProviderError(f"{what} was not called: {refused.message}") from None
        except httpx.HTTPError as error:
            log.warning("%s at %s could not be reached: %r", what, url, str(error)[:LOGGED_CHARACTERS])
            reason = failure_kind(error)
            retry_after = None
        else:
            if response.status_code < 400:
                return response
            reason = f"HTTP {response.status_code}"
            log.warning("%s at %s answered %s: %r", what, url, reason, error_excerpt(response))
            if response.status_code not in RETRY_STATUSES:
                raise ProviderError(f"{what} refused the request ({reason})")
            retry_after = _seconds(response.headers.get("retry-after"))
        if attempt >= retries:
            raise ProviderError(f"{what} is unavailable ({reason}) after {attempt + 1} attempts")
        time.sleep(retry_after if retry_after is not None else backoff_seconds * 2**attempt)
        attempt += 1


def error_excerpt(response: httpx.Response) -> str:
    """The start of an error answer's body (the rest is never read), and the answer closed."""
    import httpx

    taken = b""
    try:
        for piece in response.iter_bytes():
            taken += piece
            if len(taken) >= LOGGED_CHARACTERS:
                break
    except httpx.HTTPError:
        pass  # only ever logged: a body that breaks off is logged as far as it came
    finally:
        response.close()
    return taken[:LOGGED_CHARACTERS].decode("utf-8", "replace")


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, min(float(value), 30.0)) if value is not None else None
    except ValueError:
        return None

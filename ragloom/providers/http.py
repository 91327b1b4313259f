"""JSON over HTTP to model servers: timeouts, retries with backoff, clear errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

from ragloom.errors import ProviderError

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


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
        raise ProviderError(f"{what} answered with something that is not JSON") from None


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
    response = _send(client, url, payload, what, headers, retries, backoff_seconds, stream=True)
    try:
        yield from response.iter_lines()
    except httpx.HTTPError as error:
        raise ProviderError(f"{what} broke off while answering ({type(error).__name__}: {error})") from None
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
    attempt = 0
    while True:
        try:
            response = client.send(client.build_request("POST", url, json=payload, headers=headers), stream=stream)
        except httpx.HTTPError as error:
            reason = f"{type(error).__name__}: {error}"
            retry_after = None
        else:
            if response.status_code < 400:
                return response
            response.read()
            response.close()
            reason = f"HTTP {response.status_code}: {response.text[:300]}"
            if response.status_code not in RETRY_STATUSES:
                raise ProviderError(f"{what} refused the request ({reason})")
            retry_after = _seconds(response.headers.get("retry-after"))
        if attempt >= retries:
            raise ProviderError(f"{what} is unavailable ({reason}) after {attempt + 1} attempts")
        time.sleep(retry_after if retry_after is not None else backoff_seconds * 2**attempt)
        attempt += 1


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, min(float(value), 30.0)) if value is not None else None
    except ValueError:
        return None

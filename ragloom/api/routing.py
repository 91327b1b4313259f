"""Routes that answer in their declared envelope, errors included.

A route function says its shape with :func:`envelope`; :class:`EnvelopeRoute` catches
every :class:`RagloomError` raised while serving it (in dependencies too) and renders it
in that shape. Anything else is a bug: it is logged with its traceback and answered
as RAGFlow does, code 100 with the exception's ``repr``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure
from ragloom.errors import AuthenticationError, RagloomError, RetCode

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
METHOD_NOT_ALLOWED = "<MethodNotAllowed '405: Method Not Allowed'>"


def envelope(shape: Envelope) -> Callable[[F], F]:
    """Declare the envelope a route answers in (default: R)."""

    def mark(function: F) -> F:
        function.__envelope__ = shape  # type: ignore[attr-defined]
        return function

    return mark


def envelope_of(endpoint: Callable[..., Any]) -> Envelope:
    return getattr(endpoint, "__envelope__", Envelope.R)


def render_error(shape: Envelope, error: RagloomError) -> EnvelopeResponse:
    # RAGFlow answers a bad API key the same way on every route: HTTP 401, J-shaped.
    if isinstance(error, AuthenticationError):
        shape = Envelope.J
    return failure(shape, int(error.code), error.message, error.data, status_code=error.http_status)


class EnvelopeRoute(APIRoute):
    """An APIRoute whose errors come out in the route's envelope."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        shape = envelope_of(self.endpoint)

        async def serve(request: Request) -> Response:
            try:
                return await handler(request)
            except RagloomError as error:
                return render_error(shape, error)
            except HTTPException:
                raise
            except Exception as error:  # process boundary: never let a request crash the server
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                return failure(shape, int(RetCode.EXCEPTION_ERROR), repr(error))

        return serve


async def not_found_or_not_allowed(request: Request, error: Exception) -> Response:
    """Unknown routes (HTTP 404) and wrong methods (HTTP 200, code 100), as RAGFlow answers."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    # An empty path id (``/chats//sessions``) reaches no route in RAGFlow's router either, and
    # RAGFlow answers it as a wrong method; clients' tests rely on that.
    if status == 405 or (status == 404 and "//" in request.url.path):
        return failure(Envelope.J, int(RetCode.EXCEPTION_ERROR), METHOD_NOT_ALLOWED)
    if status == 404:
        body = {"code": 404, "message": f"Not Found: {request.url.path}", "data": None, "error": "Not Found"}
        return EnvelopeResponse(body, status_code=404)
    detail = error.detail if isinstance(error, HTTPException) else repr(error)
    return failure(Envelope.J, int(RetCode.EXCEPTION_ERROR), str(detail), status_code=status)

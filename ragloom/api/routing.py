"""Routes that answer in their declared envelope, errors included.

A route function says how it answers with :func:`envelope` — the shape, and what its success
carries when that is not plain JSON data (a file, a stream, text, or a body that is no envelope)
— which is also what its OpenAPI responses say. :class:`EnvelopeRoute` catches every
:class:`RagloomError` raised while serving it (in dependencies too) and renders it in that
shape. Anything else is a bug: it is logged with its traceback and answered as RAGFlow does,
code 100 with the exception's ``repr``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure
from ragloom.errors import AuthenticationError, RagloomError, RetCode

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
METHOD_NOT_ALLOWED = "<MethodNotAllowed '405: Method Not Allowed'>"


class Success(StrEnum):
    """What a route's success answer is, besides JSON in its envelope."""

    ENVELOPE = "envelope"  # the envelope, ``data`` as declared
    FILE = "file"  # the bytes of a file (errors in the envelope)
    TEXT = "text"  # plain text
    BARE = "bare"  # a JSON body that is no envelope (``raw`` says which), e.g. OpenAI's shapes


class Events(StrEnum):
    """What the server-sent events of a streaming route carry (a failure mid-stream is a code-500
    envelope in each kind):

    - ``ENVELOPES``: RAGFlow's chat and search streams, each event an envelope, then ``data: true``;
    - ``AGENT``: RAGFlow's agent events (``{"event", "data", …}``), then ``[DONE]``;
    - ``OPENAI``: OpenAI's ``chat.completion.chunk`` objects, then ``[DONE]``.
    """

    ENVELOPES = "envelopes"
    AGENT = "agent"
    OPENAI = "openai"


@dataclass(frozen=True)
class Answer:
    """How a route answers: its envelope, the type of its success ``data`` (``None``: not
    described), what else its success may be (``raw`` describes a bare body), whether it
    streams server-sent events when the request asks for a stream, and what they carry."""

    shape: Envelope = Envelope.R
    data: Any = None
    success: Success = Success.ENVELOPE
    raw: Any = None
    streams: bool = False
    events: tuple[Events, ...] = (Events.ENVELOPES,)


def envelope(
    shape: Envelope = Envelope.R,
    *,
    data: Any = None,
    success: Success = Success.ENVELOPE,
    raw: Any = None,
    streams: bool = False,
    events: Events | tuple[Events, ...] = Events.ENVELOPES,
) -> Callable[[F], F]:
    """Declare how a route answers (without it: envelope R, data not described); ``events``: what
    its stream's events may be (one kind, or each of several)."""
    kinds = (events,) if isinstance(events, Events) else events

    def mark(function: F) -> F:
        function.__answer__ = Answer(shape, data, success, raw, streams, kinds)  # type: ignore[attr-defined]
        return function

    return mark


def answer_of(endpoint: Callable[..., Any]) -> Answer:
    declared = getattr(endpoint, "__answer__", None)
    return declared if isinstance(declared, Answer) else Answer()


def envelope_of(endpoint: Callable[..., Any]) -> Envelope:
    return answer_of(endpoint).shape


def render_error(shape: Envelope, error: RagloomError) -> EnvelopeResponse:
    # RAGFlow answers a bad API key the same way on every route: HTTP 401, J-shaped.
    if isinstance(error, AuthenticationError) and shape is not Envelope.O:
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
                status = 500 if shape is Envelope.O else 200  # OpenAI's clients expect a bug to be a 500
                return failure(shape, int(RetCode.EXCEPTION_ERROR), repr(error), status_code=status)

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

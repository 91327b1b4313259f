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
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import compile_path, get_name

from ragloom.api.envelopes import Envelope, EnvelopeResponse, failure
from ragloom.errors import AuthenticationError, RagloomError, RetCode

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
METHOD_NOT_ALLOWED = "<MethodNotAllowed '405: Method Not Allowed'>"
API_PREFIX = "/api/v1"
_BUILDING = threading.RLock()  # routes are built on first use (EnvelopeRoute)


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
    """An APIRoute whose errors come out in the route's envelope, built on first use.

    FastAPI builds a route when it is declared: its parameters, dependencies and handler, about
    0.6 ms a route, a seventh of the server's start-up for ragloom's 150. This route knows at
    once what finding the route of a request needs (its path, methods and name); the rest is
    built by APIRoute's own constructor, with the arguments the route was declared with, the
    first time anything else is asked of it: its first request, or the OpenAPI document."""

    _declared: tuple[str, Callable[..., Any], dict[str, Any]] | None

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        self._declared = (path, endpoint, options)
        self.path = path
        self.endpoint = endpoint
        name = options.get("name")
        self.name = get_name(endpoint) if name is None else name
        methods = options.get("methods")
        self.methods = {method.upper() for method in (["GET"] if methods is None else methods)}
        self.path_regex, self.path_format, self.param_convertors = compile_path(path)

    def __getattr__(self, name: str) -> Any:
        # Only called for an attribute the route does not have yet: build it, then answer.
        with _BUILDING:  # one thread builds; another asking meanwhile waits for the built route
            declared = self.__dict__.get("_declared")
            if declared is not None:
                self._declared = None
                path, endpoint, options = declared
                super().__init__(path, endpoint, **options)
        return object.__getattribute__(self, name)

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


def api_router(prefix: str = "", *, tags: list[str]) -> APIRouter:
    """A router of the API: its routes are declared at their full path (``/api/v1`` + ``prefix`` +
    the route's) and answer in their envelopes, so the application serves them as they are
    (:func:`serve_routes`)."""
    return APIRouter(prefix=API_PREFIX + prefix, tags=list(tags), route_class=EnvelopeRoute)


def serve_routes(app: FastAPI, router: APIRouter) -> None:
    """Serve ``router``'s routes, in their order, as the router built them.

    ``app.include_router`` would have FastAPI build every route again for the application (its
    parameters, dependencies and answers, which took a third of the server's start-up): these
    routes already carry all of it (their full path, tags, dependencies, response class), so
    they are added as they are."""
    if router.on_startup or router.on_shutdown:
        raise ValueError("a router with start-up or shutdown handlers must be included")
    app.router.routes.extend(router.routes)


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

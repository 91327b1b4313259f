"""``/searchbots``: the routes of RAGFlow's embedded search widget.

RAGFlow authenticates these with a separate widget token (an API key's ``beta`` value);
ragloom has no such tokens (``beta`` is always empty), so the widget sends one of the
tenant's API keys — anyone holding the page holds the key, so give a widget a key of its
own (``POST /system/tokens``) and revoke it when the widget goes. Failures are answered as
RAGFlow answers them here, D-shaped 102s rather than the 401 of other routes:
``Authorization is not valid!`` (a header that is not two words) and
``Authentication error: API key is invalid!``. A ``search_id`` of another tenant is J 103
``Has no permission for this operation.``.

``/searchbots/retrieval_test`` and ``/searchbots/mindmap`` answer a clear error: the first
until it can share the dataset retrieval test's answer shape, the second because mind maps
are not built.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ragloom.api import sse
from ragloom.api.auth import services_of
from ragloom.api.bodies import read_loose_body
from ragloom.api.deps import ServicesDep, limits_of
from ragloom.api.envelopes import Envelope, success
from ragloom.api.params import check_parameters
from ragloom.api.routers.search_assist import MIND_MAPS_UNSUPPORTED, related_questions_answer
from ragloom.api.routers.searches import search_events
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.api.schemas.searches import EmbeddedQuestionBody, read_body, search_app_detail
from ragloom.errors import AuthenticationError, DataError
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller

router = APIRouter(prefix="/searchbots", tags=["search apps"], route_class=EnvelopeRoute)


def _widget_caller(request: Request) -> Caller:
    parts = (request.headers.get("authorization") or "").split()
    if len(parts) != 2:
        raise DataError("Authorization is not valid!")
    try:
        caller = services_of(request).tenants.authenticate(parts[1])
    except AuthenticationError:
        raise DataError("Authentication error: API key is invalid!") from None
    check_parameters(request, limits_of(request))
    return caller


WidgetCaller = Annotated[Caller, Depends(_widget_caller)]


async def _widget_body(request: Request, _caller: WidgetCaller) -> dict[str, Any]:
    return await read_loose_body(request, limits_of(request))


WidgetBody = Annotated[dict[str, Any], Depends(_widget_body)]


@router.post("/ask", summary="Answer a question over datasets, with a search app's settings (SSE)")
@envelope(Envelope.JD)
def ask(caller: WidgetCaller, services: ServicesDep, body: WidgetBody) -> Response:
    request = read_body(EmbeddedQuestionBody, body, "question", "kb_ids")
    config = services.search_apps.config(caller, request.search_id) if request.search_id else SearchConfig()
    turn = services.search_apps.answer(caller, config, request.question, request.kb_ids)
    return sse.stream(search_events(turn))


@router.post("/related_questions", summary="Questions related to a search, from the chat model")
@envelope(Envelope.JD)
def related_questions(caller: WidgetCaller, services: ServicesDep, body: WidgetBody) -> Response:
    return related_questions_answer(caller, services, body)


@router.get("/detail", summary="A search app, as the widget shows it")
@envelope(Envelope.JD)
def detail(request: Request, caller: WidgetCaller, services: ServicesDep) -> Response:
    search_id = request.query_params.get("search_id")
    if not search_id:
        raise DataError("`search_id` is required.")
    return success(Envelope.J, search_app_detail(services.search_apps.get(caller, search_id)))


@router.post("/retrieval_test", summary="Search results for the widget (not supported yet)")
@envelope(Envelope.JD)
def retrieval_test(_caller: WidgetCaller) -> Response:
    raise DataError(
        "/searchbots/retrieval_test is not supported by ragloom yet; search with POST /api/v1/retrieval instead."
    )


@router.post("/mindmap", summary="A mind map of a search's results (not supported)")
@envelope(Envelope.JD)
def mind_map(_caller: WidgetCaller) -> Response:
    raise DataError(MIND_MAPS_UNSUPPORTED)

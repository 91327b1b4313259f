"""``/searchbots``: the routes of RAGFlow's embedded search widget.

RAGFlow authenticates these with a separate widget token (an API key's ``beta`` value);
ragloom has no such tokens (``beta`` is always empty), so the widget sends one of the
tenant's API keys — anyone holding the page holds the key, so give a widget a key of its
own (``POST /system/tokens``) and revoke it when the widget goes. Failures are answered as
RAGFlow answers them here, D-shaped 102s rather than the 401 of other routes:
``Authorization is not valid!`` (a header that is not two words) and
``Authentication error: API key is invalid!``. A ``search_id`` of another tenant is J 103
``Has no permission for this operation.``.

``/searchbots/retrieval_test`` answers a clear error until it can share the dataset retrieval
test's answer shape; ``/searchbots/mindmap`` answers as ``/chat/mindmap`` does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response

from ragloom.api import sse
from ragloom.api.auth import services_of
from ragloom.api.deps import KeyCheck, ServicesDep, checks_key, limits_of
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import NoBody, loose_body_after, query_after
from ragloom.api.params import check_parameters
from ragloom.api.routers.search_assist import mind_map_answer, related_questions_answer
from ragloom.api.routers.searches import search_events
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.searches import (
    EmbeddedQuestionBody,
    MindMapBody,
    RelatedQuestionsBody,
    SearchIdQuery,
    search_app_detail,
)
from ragloom.errors import AuthenticationError, DataError
from ragloom.services.search_config import SearchConfig
from ragloom.services.tenants import Caller

router = api_router("/searchbots", tags=["search apps"])

WIDGET_KEY = KeyCheck(
    status=200,
    refusal="A missing or wrong key is answered as RAGFlow answers its widget: HTTP 200, code 102, "
    "`Authorization is not valid!` or `Authentication error: API key is invalid!`.",
)


@checks_key(WIDGET_KEY)
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
EmbeddedQuestion = Annotated[EmbeddedQuestionBody, loose_body_after(WidgetCaller, EmbeddedQuestionBody)]
MindMapQuestion = Annotated[MindMapBody, loose_body_after(WidgetCaller, MindMapBody)]
RelatedQuestions = Annotated[RelatedQuestionsBody, loose_body_after(WidgetCaller, RelatedQuestionsBody)]
SearchId = Annotated[SearchIdQuery, query_after(WidgetCaller, SearchIdQuery)]


@router.post("/ask", summary="Answer a question over datasets, with a search app's settings (SSE)")
@envelope(Envelope.JD, streams=True)
def searchbot_ask(caller: WidgetCaller, services: ServicesDep, body: EmbeddedQuestion) -> Response:
    config = services.search_apps.config(caller, body.search_id) if body.search_id else SearchConfig()
    turn = services.search_apps.answer(caller, config, body.question, body.kb_ids)
    return sse.stream(search_events(turn))


@router.post("/related_questions", summary="Questions related to a search, from the chat model")
@envelope(Envelope.JD, data=list[str])
def searchbot_related_questions(caller: WidgetCaller, services: ServicesDep, body: RelatedQuestions) -> Response:
    return related_questions_answer(caller, services, body)


@router.get("/detail", summary="A search app, as the widget shows it")
@envelope(Envelope.JD)
def searchbot_detail(caller: WidgetCaller, services: ServicesDep, query: SearchId) -> Response:
    search_id = query.given().get("search_id")
    if not search_id:
        raise DataError("`search_id` is required.")
    return success(Envelope.J, search_app_detail(services.search_apps.get(caller, str(search_id))))


@router.post("/retrieval_test", summary="Search results for the widget (not supported yet)")
@envelope(Envelope.JD)
def searchbot_retrieval_test(_caller: WidgetCaller, _: NoBody) -> Response:
    raise DataError(
        "/searchbots/retrieval_test is not supported by ragloom yet; search with POST /api/v1/retrieval instead."
    )


@router.post("/mindmap", summary="A mind map of what a question retrieves, from the chat model")
@envelope(Envelope.JD, data=dict[str, Any])
def searchbot_mindmap(caller: WidgetCaller, services: ServicesDep, body: MindMapQuestion) -> Response:
    return mind_map_answer(caller, services, body)

"""What a search page asks for besides the results: related questions and a mind map.

``POST /chat/recommendation`` (also the documented typo ``/chat/recommandation`` and the
legacy ``/sessions/related_questions``) answers ``{"question", "search_id"?}`` with a J list
of related questions from the chat model (see :mod:`ragloom.services.related_questions`).
Mind maps (``/chat/mindmap``) are not built: the route answers a clear error.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, NoBody
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.api.schemas.searches import RelatedQuestionsBody
from ragloom.errors import DataError
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = APIRouter(tags=["search apps"], route_class=EnvelopeRoute)

MIND_MAPS_UNSUPPORTED = (
    "Mind maps are not supported by ragloom yet; a search app's `query_mindmap` is stored but produces none."
)


@router.post("/chat/recommendation", summary="Questions related to a search, from the chat model")
@envelope(Envelope.J, data=list[str])
def related_questions(caller: CurrentCaller, services: ServicesDep, body: LooseBody[RelatedQuestionsBody]) -> Response:
    return related_questions_answer(caller, services, body)


@router.post("/chat/recommandation", summary="Questions related to a search (the documented spelling)")
@envelope(Envelope.J, data=list[str])
def chat_recommandation(
    caller: CurrentCaller, services: ServicesDep, body: LooseBody[RelatedQuestionsBody]
) -> Response:
    return related_questions_answer(caller, services, body)


@router.post("/sessions/related_questions", summary="Questions related to a search (legacy path)", deprecated=True)
@envelope(Envelope.J, data=list[str])
def sessions_related_questions(
    caller: CurrentCaller, services: ServicesDep, body: LooseBody[RelatedQuestionsBody]
) -> Response:
    return related_questions_answer(caller, services, body)


def related_questions_answer(caller: Caller, services: Services, body: RelatedQuestionsBody) -> Response:
    """The J list of questions related to ``body``'s ``question`` (with its ``search_id``'s settings)."""
    return success(Envelope.J, services.related_questions.suggest(caller, body.question, body.search_id))


@router.post("/chat/mindmap", summary="A mind map of a search's results (not supported)")
@envelope(Envelope.J)
def mind_map(_caller: CurrentCaller, _: NoBody) -> Response:
    raise DataError(MIND_MAPS_UNSUPPORTED)

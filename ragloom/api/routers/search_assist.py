"""What a search page asks for besides the results: related questions and a mind map.

``POST /chat/recommendation`` (also the documented typo ``/chat/recommandation`` and the
legacy ``/sessions/related_questions``) answers ``{"question", "search_id"?}`` with a J list
of related questions from the chat model (see :mod:`ragloom.services.related_questions`).
``POST /chat/mindmap`` answers ``{"question", "kb_ids", "search_id"?}`` with a J mind-map tree of
what the question retrieves (see :mod:`ragloom.services.mind_maps`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.searches import MindMapBody, RelatedQuestionsBody
from ragloom.services.container import Services
from ragloom.services.tenants import Caller

router = api_router(tags=["search apps"])


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


@router.post("/chat/mindmap", summary="A mind map of what a question retrieves, from the chat model")
@envelope(Envelope.J, data=dict[str, Any])
def mind_map(caller: CurrentCaller, services: ServicesDep, body: LooseBody[MindMapBody]) -> Response:
    return mind_map_answer(caller, services, body)


def mind_map_answer(caller: Caller, services: Services, body: MindMapBody) -> Response:
    """The J mind-map tree of what ``body``'s ``question`` retrieves (with its ``search_id``'s settings)."""
    tree = services.mind_maps.of_search(caller, body.question, body.kb_ids, body.search_id)
    return success(Envelope.J, tree)

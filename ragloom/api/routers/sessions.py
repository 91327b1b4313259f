"""``/chats/{chat_id}/sessions``: a chat's sessions and their messages (contract §9.1–§9.6).

Envelope JD as for chats: a chat that is not the caller's is J 109 ``No authorization.``
(``data: false``) on every route; other refusals are D-shaped 102s.
"""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.params import page_and_size
from ragloom.api.routers.chats import deletion_response
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.chats import (
    DeleteIdsRequest,
    FeedbackRequest,
    ListSessionsQuery,
    SessionRequest,
    session_detail,
    session_public,
)
from ragloom.services.chats import requested_ids
from ragloom.services.sessions import SessionListing

router = api_router("/chats/{chat_id}/sessions", tags=["chat sessions"])


@router.post("", summary="Create a session")
@envelope(Envelope.JD)
def create_session(
    chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[SessionRequest]
) -> Response:
    return success(Envelope.J, session_public(services.sessions.create(caller, chat_id, body.given())))


@router.get("", summary="List a chat's sessions")
@envelope(Envelope.JD)
def list_sessions(
    chat_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[ListSessionsQuery]
) -> Response:
    params = query.given()
    page, page_size = page_and_size(params)  # a page size of 0 or less lists nothing, as in RAGFlow
    listing = SessionListing(
        session_id=params.get("id") or None,
        name=params.get("name") or None,
        user_id=params.get("user_id") or None,
        page=page,
        page_size=page_size,
        orderby=query.orderby_or("create_time"),
        desc=query.descending(),
    )
    sessions = services.sessions.list_page(caller, chat_id, listing)
    return success(Envelope.J, [session_public(session) for session in sessions])


@router.delete("", summary="Delete sessions")
@envelope(Envelope.JD)
def delete_sessions(
    chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[DeleteIdsRequest]
) -> Response:
    deletion = services.sessions.delete_many(caller, chat_id, requested_ids(body.given()), body.everything())
    return deletion_response(deletion, "sessions", lambda _done: True)


@router.get("/{session_id}", summary="Get a session")
@envelope(Envelope.JD)
def get_session(chat_id: str, session_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    detail = services.sessions.get(caller, chat_id, session_id)
    return success(Envelope.J, session_detail(detail.record, detail.avatar))


@router.patch("/{session_id}", summary="Rename a session")
@router.put("/{session_id}", summary="Rename a session (alias of PATCH)", name="rename_session_put", deprecated=True)
@envelope(Envelope.JD)
def rename_session(
    chat_id: str, session_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[SessionRequest]
) -> Response:
    return success(Envelope.J, session_public(services.sessions.rename(caller, chat_id, session_id, body.given())))


@router.delete("/{session_id}/messages/{message_id}", summary="Delete a question and its answer")
@envelope(Envelope.JD)
def delete_message(
    chat_id: str, session_id: str, message_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody
) -> Response:
    session = services.sessions.delete_message(caller, chat_id, session_id, message_id)
    return success(Envelope.J, session_public(session))


@router.put("/{session_id}/messages/{message_id}/feedback", summary="Thumbs up or down on an answer")
@envelope(Envelope.JD)
def message_feedback(
    chat_id: str,
    session_id: str,
    message_id: str,
    caller: CurrentCaller,
    services: ServicesDep,
    body: LooseBody[FeedbackRequest],
) -> Response:
    session = services.sessions.set_feedback(caller, chat_id, session_id, message_id, body.given())
    return success(Envelope.J, session_public(session))

"""``/messages``: add a turn to memories, search them, recent messages, and one message's content,
status and forgetting (contract §12.7–§12.12). Envelope M.

A message is named ``<memory_id>:<message_id>`` in one path segment; a message id that is not an
integer is a 101 saying so (RAGFlow answers 500).
"""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.routers.retrieval import server_timing
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.memories import (
    MessageStatusRequest,
    NewMessageRequest,
    RecentMessagesQuery,
    SearchMessagesQuery,
)
from ragloom.api.schemas.memory_views import found_message, message_content, message_public
from ragloom.errors import ArgumentError
from ragloom.integers import fits_int64
from ragloom.memory import Turn

router = api_router("/messages", tags=["memories"])
ADDED = "All add to task."


def message_target(target: str) -> tuple[str, int]:
    """``<memory_id>:<message_id>`` split, the message id an integer (else a 101 saying so)."""
    memory_id, colon, number = target.rpartition(":")
    if not colon or not memory_id:
        raise ArgumentError(f"A message is named <memory_id>:<message_id>, not '{target}'.")
    text = number.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or not fits_int64(int(text)):
        raise ArgumentError(f"Message id '{number}' is not an integer.")
    return memory_id, int(text)


@router.post("", summary="Add a dialogue turn to memories")
@envelope(Envelope.M)
def add_message(caller: CurrentCaller, services: ServicesDep, body: LooseBody[NewMessageRequest]) -> Response:
    new = body.checked
    turn = Turn(new.agent_id, new.session_id, new.user_id)
    services.memories.messages.add_message(caller, new.memory_ids, new.user_input, new.agent_response, turn)
    return EnvelopeResponse({"code": 0, "message": ADDED, "data": None})


@router.get("/search", summary="Search memories for the messages that answer a query")
@envelope(Envelope.M)
def search_messages(caller: CurrentCaller, services: ServicesDep, query: Query[SearchMessagesQuery]) -> Response:
    result = services.memories.messages.timed_search(caller, query.message_query())
    response = success(Envelope.M, [found_message(found) for found in result.found])
    response.headers.update(server_timing(result.timings))
    return response


@router.get("", summary="The most recent messages of memories")
@envelope(Envelope.M)
def recent_messages(caller: CurrentCaller, services: ServicesDep, query: Query[RecentMessagesQuery]) -> Response:
    records = services.memories.messages.recent(
        caller, query.memory_ids(), query.agent_ids(), query.session(), query.limit_value()
    )
    return success(Envelope.M, [message_public(record) for record in records])


@router.get("/{target}/content", summary="One message, with its embedding")
@envelope(Envelope.M)
def get_message_content(target: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    memory_id, message_id = message_target(target)
    return success(Envelope.M, message_content(services.memories.messages.content(caller, memory_id, message_id)))


@router.put("/{target}", summary="Enable or disable a message")
@envelope(Envelope.M)
def update_message_status(
    target: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[MessageStatusRequest]
) -> Response:
    status = body.checked
    memory_id, message_id = message_target(target)
    services.memories.messages.set_status(caller, memory_id, message_id, status)
    return success(Envelope.M)


@router.delete("/{target}", summary="Forget a message")
@envelope(Envelope.M)
def forget_message(target: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    memory_id, message_id = message_target(target)
    services.memories.messages.forget(caller, memory_id, message_id)
    return success(Envelope.M)

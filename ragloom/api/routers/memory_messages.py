"""``/messages``: add a turn to memories, search them, recent messages, and one message's content,
status and forgetting (contract §12.7–§12.12). Envelope M.

A message is named ``<memory_id>:<message_id>`` in one path segment; a message id that is not an
integer is a 101 saying so (RAGFlow answers 500).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.datastructures import QueryParams

from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, success
from ragloom.api.params import query_int
from ragloom.api.query_lists import id_list
from ragloom.api.routers.retrieval import server_timing
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.api.schemas.memories import read_message_status, read_new_message
from ragloom.api.schemas.memory_views import found_message, message_content, message_public
from ragloom.errors import ArgumentError
from ragloom.integers import fits_int64
from ragloom.memory import MessageQuery, Turn

router = APIRouter(prefix="/messages", tags=["memories"], route_class=EnvelopeRoute)
ADDED = "All add to task."
MOST_RESULTS = 100
SEARCH_TOP_N = 5
RECENT_LIMIT = 10


def message_target(target: str) -> tuple[str, int]:
    """``<memory_id>:<message_id>`` split, the message id an integer (else a 101 saying so)."""
    memory_id, colon, number = target.rpartition(":")
    if not colon or not memory_id:
        raise ArgumentError(f"A message is named <memory_id>:<message_id>, not '{target}'.")
    text = number.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or not fits_int64(int(text)):
        raise ArgumentError(f"Message id '{number}' is not an integer.")
    return memory_id, int(text)


def _memory_ids(params: QueryParams) -> list[str]:
    memory_ids = id_list(params, "memory_id")
    if not memory_ids:
        raise ArgumentError("memory_ids is required.")
    return memory_ids


def _fraction(params: QueryParams, key: str, default: float) -> float:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ArgumentError(f"`{key}` must be a number between 0 and 1, not '{raw}'.")
    return value


@router.post("", summary="Add a dialogue turn to memories")
@envelope(Envelope.M)
def add_message(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    new = read_new_message(body)
    turn = Turn(new.agent_id, new.session_id, new.user_id)
    services.memories.messages.add_message(caller, new.memory_ids, new.user_input, new.agent_response, turn)
    return EnvelopeResponse({"code": 0, "message": ADDED, "data": None})


@router.get("/search", summary="Search memories for the messages that answer a query")
@envelope(Envelope.M)
def search_messages(request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    question = params.get("query")
    if question is None:
        raise ArgumentError("`query` is required.")
    query = MessageQuery(
        question=question,
        memory_ids=_memory_ids(params),
        agent_ids=tuple(id_list(params, "agent_id")),
        session_id=params.get("session_id") or None,
        user_id=params.get("user_id") or None,
        similarity_threshold=_fraction(params, "similarity_threshold", 0.2),
        keywords_similarity_weight=_fraction(params, "keywords_similarity_weight", 0.7),
        top_n=query_int(params, "top_n", SEARCH_TOP_N, low=1, high=MOST_RESULTS),
    )
    result = services.memories.messages.timed_search(caller, query)
    response = success(Envelope.M, [found_message(found) for found in result.found])
    response.headers.update(server_timing(result.timings))
    return response


@router.get("", summary="The most recent messages of memories")
@envelope(Envelope.M)
def recent_messages(request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    records = services.memories.messages.recent(
        caller,
        _memory_ids(params),
        id_list(params, "agent_id"),
        params.get("session_id") or None,
        query_int(params, "limit", RECENT_LIMIT, low=1, high=MOST_RESULTS),
    )
    return success(Envelope.M, [message_public(record) for record in records])


@router.get("/{target}/content", summary="One message, with its embedding")
@envelope(Envelope.M)
def get_message_content(target: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    memory_id, message_id = message_target(target)
    return success(Envelope.M, message_content(services.memories.messages.content(caller, memory_id, message_id)))


@router.put("/{target}", summary="Enable or disable a message")
@envelope(Envelope.M)
def update_message_status(target: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    status = read_message_status(body)
    memory_id, message_id = message_target(target)
    services.memories.messages.set_status(caller, memory_id, message_id, status)
    return success(Envelope.M)


@router.delete("/{target}", summary="Forget a message")
@envelope(Envelope.M)
def forget_message(target: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    memory_id, message_id = message_target(target)
    services.memories.messages.forget(caller, memory_id, message_id)
    return success(Envelope.M)

"""``/memories``: create, list, read, update and delete memories, and list a memory's messages
(contract §12.1–§12.6). Envelope M: success ``message`` is the boolean ``true``."""

from __future__ import annotations

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.params import page_and_size, sane_page
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.ids import id_list
from ragloom.api.schemas.memories import ListMemoriesQuery, MemoryChangesRequest, MemoryMessagesQuery, NewMemoryRequest
from ragloom.api.schemas.memory_views import memory_list_item, memory_public, message_page

router = api_router("/memories", tags=["memories"])
PAGE_SIZE = 50


@router.post("", summary="Create a memory")
@envelope(Envelope.M)
def create_memory(caller: CurrentCaller, services: ServicesDep, body: LooseBody[NewMemoryRequest]) -> Response:
    return success(Envelope.M, memory_public(services.memories.create(caller, body.checked)))


@router.get("", summary="List memories")
@envelope(Envelope.M)
def list_memories(caller: CurrentCaller, services: ServicesDep, query: Query[ListMemoriesQuery]) -> Response:
    views, total = services.memories.list_page(caller, query.listing(PAGE_SIZE))
    return success(Envelope.M, {"memory_list": [memory_list_item(view) for view in views], "total_count": total})


@router.get("/{memory_id}/config", summary="Get a memory's configuration")
@envelope(Envelope.M)
def get_memory_config(memory_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.M, memory_public(services.memories.config(caller, memory_id)))


@router.get("/{memory_id}", summary="List a memory's messages (raw ones, with what was extracted from each)")
@envelope(Envelope.M)
def list_memory_messages(
    memory_id: str, caller: CurrentCaller, services: ServicesDep, query: Query[MemoryMessagesQuery]
) -> Response:
    given = query.given()
    page, page_size = sane_page(*page_and_size(given, page=1, page_size=PAGE_SIZE), default_size=PAGE_SIZE)
    agent_ids = id_list(given.get("agent_id"))
    listed = services.memories.messages.page(
        caller, memory_id, agent_ids, given.get("keywords") or None, page, page_size
    )
    return success(Envelope.M, message_page(listed))


@router.put("/{memory_id}", summary="Update a memory")
@envelope(Envelope.M)
def update_memory(
    memory_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[MemoryChangesRequest]
) -> Response:
    return success(Envelope.M, memory_public(services.memories.update(caller, memory_id, body.checked)))


@router.delete("/{memory_id}", summary="Delete a memory and its messages")
@envelope(Envelope.M)
def delete_memory(memory_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    services.memories.delete(caller, memory_id)
    return success(Envelope.M)

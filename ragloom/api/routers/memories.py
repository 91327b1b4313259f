"""``/memories``: create, list, read, update and delete memories, and list a memory's messages
(contract §12.1–§12.6). Envelope M: success ``message`` is the boolean ``true``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ragloom.api.deps import CurrentCaller, LooseBody, ServicesDep
from ragloom.api.envelopes import Envelope, success
from ragloom.api.params import page_and_size, sane_page
from ragloom.api.query_lists import id_list
from ragloom.api.routing import EnvelopeRoute, envelope
from ragloom.api.schemas.memories import read_memory_changes, read_new_memory, type_filter
from ragloom.api.schemas.memory_views import memory_list_item, memory_public, message_page
from ragloom.memory import MemoryListing

router = APIRouter(prefix="/memories", tags=["memories"], route_class=EnvelopeRoute)
PAGE_SIZE = 50


@router.post("", summary="Create a memory")
@envelope(Envelope.M)
def create_memory(caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return success(Envelope.M, memory_public(services.memories.create(caller, read_new_memory(body))))


@router.get("", summary="List memories")
@envelope(Envelope.M)
def list_memories(request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    page, page_size = sane_page(*page_and_size(params, page=1, page_size=PAGE_SIZE), default_size=PAGE_SIZE)
    owners = [*id_list(params, "tenant_id"), *id_list(params, "owner_ids")]
    types = id_list(params, "memory_type")
    listing = MemoryListing(
        page=page,
        page_size=page_size,
        types=type_filter(types),
        tenant_ids=owners or None,
        storage_type=params.get("storage_type") or None,
        keywords=params.get("keywords") or None,
        ids=id_list(params, "ids"),
    )
    views, total = services.memories.list_page(caller, listing)
    return success(Envelope.M, {"memory_list": [memory_list_item(view) for view in views], "total_count": total})


@router.get("/{memory_id}/config", summary="Get a memory's configuration")
@envelope(Envelope.M)
def get_memory_config(memory_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return success(Envelope.M, memory_public(services.memories.config(caller, memory_id)))


@router.get("/{memory_id}", summary="List a memory's messages (raw ones, with what was extracted from each)")
@envelope(Envelope.M)
def list_memory_messages(memory_id: str, request: Request, caller: CurrentCaller, services: ServicesDep) -> Response:
    params = request.query_params
    page, page_size = sane_page(*page_and_size(params, page=1, page_size=PAGE_SIZE), default_size=PAGE_SIZE)
    listed = services.memories.messages.page(
        caller, memory_id, id_list(params, "agent_id"), params.get("keywords") or None, page, page_size
    )
    return success(Envelope.M, message_page(listed))


@router.put("/{memory_id}", summary="Update a memory")
@envelope(Envelope.M)
def update_memory(memory_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody) -> Response:
    return success(Envelope.M, memory_public(services.memories.update(caller, memory_id, read_memory_changes(body))))


@router.delete("/{memory_id}", summary="Delete a memory and its messages")
@envelope(Envelope.M)
def delete_memory(memory_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    services.memories.delete(caller, memory_id)
    return success(Envelope.M)

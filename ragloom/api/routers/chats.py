"""``/chats``: chat assistants — create, list, read, update, delete (contract §8).

Success is envelope J; refusals are D-shaped 102s, except ``No authorization.`` (J 109,
``data: false``) for a chat that is not the caller's (envelope JD).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response

from ragloom.api.deps import CurrentCaller, ServicesDep
from ragloom.api.envelopes import Envelope, EnvelopeResponse, success
from ragloom.api.inputs import LooseBody, NoBody, Query
from ragloom.api.routing import api_router, envelope
from ragloom.api.schemas.chats import ChatRequest, DeleteChatsRequest, ListChatsQuery, chat_list_item, chat_public
from ragloom.services.chats import ChatView, Deletion, requested_ids

router = api_router("/chats", tags=["chats"])


def _chat(view: ChatView) -> Response:
    return success(Envelope.J, chat_public(view.record, view.dataset_names))


def deletion_response(deletion: Deletion | None, kind: str, all_ok: Callable[[Deletion], Any]) -> Response:
    """The answer to a bulk delete: ``{}`` when nothing was asked, the partial-success
    message when some ids failed, else ``all_ok(deletion)``."""
    if deletion is None:
        return success(Envelope.J, {})
    if deletion.errors:
        message = f"Partially deleted {deletion.success_count} {kind} with {len(deletion.errors)} errors"
        data = {"success_count": deletion.success_count, "errors": deletion.errors}
        return EnvelopeResponse({"code": 0, "message": message, "data": data})
    return success(Envelope.J, all_ok(deletion))


@router.post("", summary="Create a chat assistant")
@envelope(Envelope.JD)
def create_chat(caller: CurrentCaller, services: ServicesDep, body: LooseBody[ChatRequest]) -> Response:
    return _chat(services.chats.create(caller, body.changes()[0]))


@router.get("", summary="List chat assistants")
@envelope(Envelope.JD)
def list_chats(caller: CurrentCaller, services: ServicesDep, query: Query[ListChatsQuery]) -> Response:
    views, total = services.chats.list_page(caller, query.listing())
    items = [chat_list_item(view.record, view.dataset_names, view.owner) for view in views]
    return success(Envelope.J, {"chats": items, "total": total})


@router.delete("", summary="Delete chat assistants")
@envelope(Envelope.JD)
def delete_chats(caller: CurrentCaller, services: ServicesDep, body: LooseBody[DeleteChatsRequest]) -> Response:
    ids = requested_ids(body.given())
    legacy_id = body.given().get("chat_id")
    if ids is None and not body.everything() and isinstance(legacy_id, str) and legacy_id:
        # The pre-0.24 body ``{"chat_id": ...}`` deletes that one chat.
        services.chats.delete(caller, legacy_id)
        return success(Envelope.J, True)
    deletion = services.chats.delete_many(caller, ids, body.everything())
    return deletion_response(deletion, "chats", lambda done: {"success_count": done.success_count})


@router.get("/{chat_id}", summary="Get a chat assistant")
@envelope(Envelope.JD)
def get_chat(chat_id: str, caller: CurrentCaller, services: ServicesDep) -> Response:
    return _chat(services.chats.get(caller, chat_id))


@router.patch("/{chat_id}", summary="Update a chat assistant (prompt_config and llm_setting merged)")
@envelope(Envelope.JD)
def patch_chat(chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[ChatRequest]) -> Response:
    return _chat(services.chats.update(caller, chat_id, body.changes()[0], merge=True))


@router.put(
    "/{chat_id}",
    summary="Update a chat assistant (prompt_config and llm_setting replaced, unless sent as the older llm/prompt)",
)
@envelope(Envelope.JD)
def put_chat(chat_id: str, caller: CurrentCaller, services: ServicesDep, body: LooseBody[ChatRequest]) -> Response:
    changes, older_shape = body.changes()
    return _chat(services.chats.update(caller, chat_id, changes, merge=older_shape))


@router.delete("/{chat_id}", summary="Delete a chat assistant")
@envelope(Envelope.JD)
def delete_chat(chat_id: str, caller: CurrentCaller, services: ServicesDep, _: NoBody) -> Response:
    services.chats.delete(caller, chat_id)
    return success(Envelope.J, True)

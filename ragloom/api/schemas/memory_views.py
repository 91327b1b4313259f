"""Memories (contract §2.9) and their messages (§2.10) as the routes show them."""

from __future__ import annotations

from typing import Any

from ragloom.clock import datetime_text, http_date
from ragloom.memory import FoundMessage, ListedMessage, MemoryView, MessagePage
from ragloom.memory.kinds import types_of
from ragloom.storage.index import ChunkRecord
from ragloom.storage.metadata.tables import Memory, Task

UNKNOWN_AGENT = "Unknown"


def _type_names(memory: Memory) -> list[str]:
    return [kind.value for kind in types_of(memory.memory_type)]


def memory_public(view: MemoryView) -> dict[str, Any]:
    """A memory as create, update and ``…/config`` return it (``owner_name`` is null on create and update)."""
    memory = view.record
    return {
        "id": memory.id,
        "name": memory.name,
        "avatar": memory.avatar,
        "tenant_id": memory.tenant_id,
        "owner_name": view.owner_name,
        "memory_type": _type_names(memory),
        "storage_type": memory.storage_type,
        "embd_id": memory.embd_id,
        "llm_id": memory.llm_id,
        "permissions": memory.permissions,
        "description": memory.description,
        "memory_size": memory.memory_size,
        "forgetting_policy": memory.forgetting_policy,
        "temperature": memory.temperature,
        "system_prompt": memory.system_prompt,
        "user_prompt": memory.user_prompt,
        "create_time": memory.create_time,
        "create_date": http_date(memory.create_time),
        "update_time": memory.update_time,
        "update_date": http_date(memory.update_time),
    }


LIST_ITEM_KEYS = (
    "id",
    "name",
    "avatar",
    "tenant_id",
    "owner_name",
    "memory_type",
    "storage_type",
    "permissions",
    "description",
    "create_time",
    "create_date",
)


def memory_list_item(view: MemoryView) -> dict[str, Any]:
    """A memory as ``GET /memories`` lists it: fewer fields than :func:`memory_public`."""
    shown = memory_public(view)
    return {key: shown[key] for key in LIST_ITEM_KEYS}


def message_public(record: ChunkRecord, *, with_content: bool = True) -> dict[str, Any]:
    """A message's fields (§2.10); the per-memory listing leaves ``content`` out."""
    message = record.message
    assert message is not None, "a message record"
    shown: dict[str, Any] = {
        "message_id": message.message_id,
        "message_type": message.message_type,
        "source_id": message.source_id,
        "memory_id": record.dataset_id,
        "user_id": message.user_id,
        "agent_id": message.agent_id,
        "session_id": message.session_id,
        "valid_at": datetime_text(message.valid_at),
        "invalid_at": datetime_text(message.invalid_at),
        "forget_at": datetime_text(message.forget_at),
        "status": record.available,
    }
    if with_content:
        shown["content"] = record.content
    return shown


def message_content(record: ChunkRecord) -> dict[str, Any]:
    """``GET /messages/{memory_id}:{message_id}/content``: the message with its id and vector."""
    vector = [] if record.vector is None else [float(value) for value in record.vector]
    return {
        **message_public(record),
        "id": f"{record.dataset_id}_{record.id}",
        "content_embed": vector,
        "zone_id": 0,
    }


def found_message(found: FoundMessage) -> dict[str, Any]:
    """A search hit: the message and its hybrid ``similarity`` (an addition to RAGFlow's fields)."""
    return {**message_public(found.record), "similarity": found.similarity}


def _task(task: Task | None) -> dict[str, Any]:
    return {} if task is None else {"progress": task.progress, "progress_msg": task.progress_msg}


def _with_agent(record: ChunkRecord, names: dict[str, str]) -> dict[str, Any]:
    agent_id = record.message.agent_id if record.message is not None else ""
    return {**message_public(record, with_content=False), "agent_name": names.get(agent_id, UNKNOWN_AGENT)}


def listed_message(listed: ListedMessage, names: dict[str, str]) -> dict[str, Any]:
    """A raw message of ``GET /memories/{id}`` with what was extracted from it and its task."""
    return {
        **_with_agent(listed.record, names),
        "extract": [_with_agent(record, names) for record in listed.extracted],
        "task": _task(listed.task),
    }


def message_page(page: MessagePage) -> dict[str, Any]:
    """The ``data`` of ``GET /memories/{id}``."""
    return {
        "messages": {
            "message_list": [listed_message(listed, page.agent_names) for listed in page.messages],
            "total_count": page.total,
        },
        "storage_type": "table",
    }

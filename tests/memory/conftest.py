"""Memories in-process, on the scripted model server: its hashed bag-of-words embeddings (so a
search is deterministic) and a chat model whose answer a test scripts."""

from __future__ import annotations

import pytest

from ragloom.memory import MemoryService, NewMemory
from ragloom.memory.kinds import MessageType
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.conftest import SCRIPTED_CHAT_MODEL, SCRIPTED_EMBEDDING_MODEL


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.fixture
def memories(services: Services) -> MemoryService:
    return services.memories


def new_memory(
    services: Services, caller: Caller, name: str = "notes", types: tuple[str, ...] = ("raw",), **settings: object
) -> str:
    """A memory on the scripted models; ``settings`` are then applied as an update."""
    from ragloom.memory import MemoryChanges

    spec = NewMemory(name, tuple(MessageType(kind) for kind in types), SCRIPTED_EMBEDDING_MODEL, SCRIPTED_CHAT_MODEL)
    memory_id = services.memories.create(caller, spec).record.id
    if settings:
        services.memories.update(caller, memory_id, MemoryChanges(**settings))  # type: ignore[arg-type]
    return memory_id

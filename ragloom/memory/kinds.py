"""The names and limits of memories, each owned here: message types (and the memory-type bit
mask built from them), permissions, storage types, the forgetting policy, sizes."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

DEFAULT_MEMORY_SIZE = 5 * 1024 * 1024
MAX_MEMORY_SIZE = 10 * 1024 * 1024
BYTES_PER_DIMENSION = 8
"""What one embedding dimension counts against a memory's size, as the SDK reference documents."""
DEFAULT_TEMPERATURE = 0.5
NAME_LIMIT = 128


class MessageType(StrEnum):
    """What a message holds; a memory's ``memory_type`` says which types it keeps."""

    RAW = "raw"  # the turn as it was said: "User Input: …\nAgent Response: …"
    SEMANTIC = "semantic"  # facts about the user or the world
    EPISODIC = "episodic"  # events, with when they happened
    PROCEDURAL = "procedural"  # habits, preferences, how things are done

    @property
    def bit(self) -> int:
        """This type's bit in RAGFlow's ``memory_type`` mask: raw 1, semantic 2, episodic 4, procedural 8."""
        return 1 << list(MessageType).index(self)

    @property
    def extracted(self) -> bool:
        """Whether messages of this type are extracted from a raw message by the chat model."""
        return self is not MessageType.RAW


def type_mask(types: Iterable[MessageType]) -> int:
    """The bit mask of ``types``; raw is always kept."""
    mask = MessageType.RAW.bit
    for kind in types:
        mask |= kind.bit
    return mask


def types_of(mask: int) -> list[MessageType]:
    """The types a mask holds, in RAGFlow's order (raw, semantic, episodic, procedural)."""
    return [kind for kind in MessageType if mask & kind.bit]


def extracted_types(mask: int) -> list[MessageType]:
    """The types the chat model is asked for."""
    return [kind for kind in types_of(mask) if kind.extracted]


class Permission(StrEnum):
    """Who may use a memory (ragloom has no teams yet: ``team`` shares nothing)."""

    ME = "me"
    TEAM = "team"


class StorageType(StrEnum):
    """How a memory's messages are kept: as records of the chunk index (``graph`` is reserved)."""

    TABLE = "table"
    GRAPH = "graph"


class ForgettingPolicy(StrEnum):
    """What goes when a memory is full: first in, first out (forgotten messages before others)."""

    FIFO = "FIFO"

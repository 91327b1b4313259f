"""The chunk index's backends by name (``[index] backend``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragloom.storage.index.protocol import ChunkIndex
from ragloom.storage.index.sqlite import SqliteChunkIndex
from ragloom.storage.registry import Registry

if TYPE_CHECKING:
    from ragloom.settings import Settings


def sqlite_chunk_index(settings: Settings) -> ChunkIndex:
    """SQLite FTS5 + numpy in ``[index.sqlite] path`` (default: ``index.sqlite`` in the data directory)."""
    section = settings.index.sqlite
    return SqliteChunkIndex(section.path or settings.data_dir / "index.sqlite", busy_timeout_ms=section.busy_timeout_ms)


def builtin_chunk_indexes() -> Registry[ChunkIndex]:
    """A registry of the chunk indexes ragloom ships."""
    registry: Registry[ChunkIndex] = Registry("index.backend")
    registry.register("sqlite", sqlite_chunk_index)
    return registry

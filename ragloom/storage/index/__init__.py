"""The chunk index: the protocol, its records and backends."""

from ragloom.storage.index.protocol import Capability, ChunkIndex
from ragloom.storage.index.records import (
    Admission,
    ChunkRecord,
    DocumentStats,
    GraphFields,
    GraphPart,
    Matches,
    MessageFields,
    MessageFilter,
    MessageStats,
    RecordKind,
    ScoredChunk,
)
from ragloom.storage.index.sqlite import SqliteChunkIndex

__all__ = [
    "Admission",
    "Capability",
    "ChunkIndex",
    "ChunkRecord",
    "DocumentStats",
    "GraphFields",
    "GraphPart",
    "Matches",
    "MessageFields",
    "MessageFilter",
    "MessageStats",
    "RecordKind",
    "ScoredChunk",
    "SqliteChunkIndex",
]

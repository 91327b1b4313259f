"""The chunk index: the protocol, its records and backends."""

from ragloom.storage.index.protocol import Capability, ChunkIndex
from ragloom.storage.index.records import ChunkRecord, DocumentStats, Matches, ScoredChunk
from ragloom.storage.index.sqlite import SqliteChunkIndex

__all__ = ["Capability", "ChunkIndex", "ChunkRecord", "DocumentStats", "Matches", "ScoredChunk", "SqliteChunkIndex"]

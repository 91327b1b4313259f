"""The chunk index's backends by name (``[index] backend``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragloom.errors import ConfigError
from ragloom.storage.index.protocol import ChunkIndex
from ragloom.storage.index.sqlite import SqliteChunkIndex
from ragloom.storage.registry import Registry

if TYPE_CHECKING:
    from ragloom.settings import Settings


def sqlite_chunk_index(settings: Settings) -> ChunkIndex:
    """SQLite FTS5 + numpy in ``[index.sqlite] path`` (default: ``index.sqlite`` in the data directory)."""
    section = settings.index.sqlite
    return SqliteChunkIndex(section.path or settings.data_dir / "index.sqlite", busy_timeout_ms=section.busy_timeout_ms)


def postgres_index_url(settings: Settings) -> str:
    """``[index.postgresql] url``, else the metadata database's URL when that is PostgreSQL."""
    url = settings.index.postgresql.url
    if url is not None and url.get_secret_value():
        return url.get_secret_value()
    database = settings.database.postgresql.url
    if settings.database.backend == "postgresql" and database is not None and database.get_secret_value():
        return database.get_secret_value()
    raise ConfigError(
        "index.backend is 'postgresql' but index.postgresql.url is not set "
        "(nor is the metadata database PostgreSQL, whose URL it would share)"
    )


def postgres_chunk_index(settings: Settings) -> ChunkIndex:
    """PostgreSQL + pgvector at ``[index.postgresql] url`` (default: ``[database.postgresql] url``)."""
    url = postgres_index_url(settings)
    try:
        from ragloom.storage.index.postgresql import PostgresChunkIndex
    except ImportError as error:
        raise ConfigError(
            f"index.backend is 'postgresql' but its client library is missing ({error.name}): "
            "pip install 'ragloom[postgresql]'"
        ) from None
    from ragloom.storage.index.postgresql_schema import HnswGraph

    section = settings.index.postgresql
    return PostgresChunkIndex(
        url, ef_search=section.hnsw_ef_search, graph=HnswGraph(section.hnsw_m, section.hnsw_ef_construction)
    )


def builtin_chunk_indexes() -> Registry[ChunkIndex]:
    """A registry of the chunk indexes ragloom ships."""
    registry: Registry[ChunkIndex] = Registry("index.backend")
    registry.register("sqlite", sqlite_chunk_index)
    registry.register("postgresql", postgres_chunk_index)
    return registry

"""The metadata store's backends by name (``[database] backend``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragloom.errors import ConfigError
from ragloom.storage.metadata.store import MetadataStore
from ragloom.storage.registry import Registry

if TYPE_CHECKING:
    from ragloom.settings import Settings


def sqlite_metadata_store(settings: Settings) -> MetadataStore:
    """SQLite in ``[database.sqlite] path`` (default: ``ragloom.db`` in the data directory)."""
    section = settings.database.sqlite
    path = section.path or settings.data_dir / "ragloom.db"
    return MetadataStore(f"sqlite:///{path}", busy_timeout_ms=section.busy_timeout_ms)


def postgres_metadata_store(settings: Settings) -> MetadataStore:
    """PostgreSQL at ``[database.postgresql] url``: the same models and migrations as SQLite."""
    url = settings.database.postgresql.url
    if url is None or not url.get_secret_value():
        raise ConfigError("database.backend is 'postgresql' but database.postgresql.url is not set")
    return MetadataStore(url.get_secret_value())


def builtin_metadata_stores() -> Registry[MetadataStore]:
    """A registry of the metadata stores ragloom ships."""
    registry: Registry[MetadataStore] = Registry("database.backend")
    registry.register("sqlite", sqlite_metadata_store)
    registry.register("postgresql", postgres_metadata_store)
    return registry

"""The registries of every storage role, and opening the backends settings choose from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragloom.storage.blobs.backends import builtin_blob_stores
from ragloom.storage.blobs.protocol import BlobStore
from ragloom.storage.index.backends import builtin_chunk_indexes
from ragloom.storage.index.protocol import ChunkIndex
from ragloom.storage.metadata.backends import builtin_metadata_stores
from ragloom.storage.metadata.store import MetadataStore
from ragloom.storage.queue.backends import builtin_task_queues
from ragloom.storage.queue.protocol import TaskQueue
from ragloom.storage.registry import Registry

if TYPE_CHECKING:
    from ragloom.settings import Settings


@dataclass(frozen=True)
class StorageBackends:
    """One registry per storage role; a plug-in registers its backend in the one of its role."""

    metadata: Registry[MetadataStore]
    blobs: Registry[BlobStore]
    index: Registry[ChunkIndex]
    queue: Registry[TaskQueue]

    @classmethod
    def builtin(cls) -> StorageBackends:
        """Registries holding the backends ragloom ships."""
        return cls(
            metadata=builtin_metadata_stores(),
            blobs=builtin_blob_stores(),
            index=builtin_chunk_indexes(),
            queue=builtin_task_queues(),
        )

    def check(self, settings: Settings) -> None:
        """Refuse settings that name a backend no registry has, before anything is opened."""
        self.metadata.factory(settings.database.backend)
        self.blobs.factory(settings.blobs.backend)
        self.index.factory(settings.index.backend)
        self.queue.factory(settings.queue.chosen(settings.database))

"""The blob store's backends by name (``[blobs] backend``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragloom.errors import ConfigError
from ragloom.storage.blobs.local import LocalBlobStore
from ragloom.storage.blobs.protocol import BlobStore
from ragloom.storage.registry import Registry

if TYPE_CHECKING:
    from ragloom.settings import Settings


def local_blob_store(settings: Settings) -> BlobStore:
    """Files under ``[blobs.local] path`` (default: ``blobs/`` in the data directory)."""
    return LocalBlobStore(settings.blobs.local.path or settings.data_dir / "blobs")


def s3_blob_store(settings: Settings) -> BlobStore:
    """Objects in ``[blobs.s3] bucket``; checks at once that the bucket answers to the credentials."""
    try:
        from ragloom.storage.blobs.s3 import S3BlobStore
    except ImportError as error:
        raise ConfigError(
            f"blobs.backend is 's3' but its client library is missing ({error.name}): pip install 'ragloom[s3]'"
        ) from None
    store = S3BlobStore.connect(settings.blobs.s3)
    store.check_access()
    return store


def builtin_blob_stores() -> Registry[BlobStore]:
    """A registry of the blob stores ragloom ships."""
    registry: Registry[BlobStore] = Registry("blobs.backend")
    registry.register("local", local_blob_store)
    registry.register("s3", s3_blob_store)
    return registry

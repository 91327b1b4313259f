"""Blob storage: the protocol and its backends."""

from ragloom.storage.blobs.local import LocalBlobStore
from ragloom.storage.blobs.protocol import BlobInfo, BlobNotFoundError, BlobStore, check_key

__all__ = ["BlobInfo", "BlobNotFoundError", "BlobStore", "LocalBlobStore", "check_key"]

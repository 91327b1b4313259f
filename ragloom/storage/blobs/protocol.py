"""The blob store role: where uploaded files' bytes live.

Keys are ``/``-separated segments of ``[A-Za-z0-9._-]``; a segment is never ``.`` or
``..``, so a key can never name a place outside the store. Services build keys from ids,
never from user-supplied file names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

from ragloom.errors import StorageError

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


class BlobNotFoundError(StorageError):
    """The key holds no blob."""


@dataclass(frozen=True)
class BlobInfo:
    """What :meth:`BlobStore.put` wrote."""

    key: str
    size: int
    sha256: str


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid blob key, else raise ``ValueError``."""
    segments = key.split("/")
    if not key or any(not _SEGMENT.fullmatch(part) or part in {".", ".."} for part in segments):
        raise ValueError(f"Invalid blob key: {key!r}")
    return key


@runtime_checkable
class BlobStore(Protocol):
    """A flat key -> bytes store.

    Semantics every backend keeps (checked by ``ragloom.testing.blob_store``):

    - ``put`` is atomic: a reader sees the old blob or the whole new one, never part;
      it replaces an existing blob and returns the size and SHA-256 of what it stored.
    - A ``put`` interrupted by a crash leaves nothing any method shows (no key, no bytes);
      whatever it did leave behind (a temporary file, an unfinished upload) is removed by
      ``discard_interrupted_writes``, which is only safe while no ``put`` is in flight (at
      start-up), unless it is told to keep writes begun after a time (``begun_before``): then
      it is safe while other processes write, if none takes longer than that.
    - ``get``/``iter_chunks``/``size`` of a missing key raise :class:`BlobNotFoundError`.
    - ``delete`` is idempotent and says whether something was removed.
    - ``iter_keys(prefix)`` lists every stored key starting with ``prefix``, in no set order;
      with ``modified_before`` (a Unix time), only those last written before it.
    - An invalid key raises ``ValueError`` on every method.
    """

    def put(self, key: str, data: bytes | BinaryIO) -> BlobInfo:
        """Store ``data`` (bytes, or a binary file read to its end) under ``key``."""
        ...

    def get(self, key: str) -> bytes:
        """The whole blob."""
        ...

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The blob in pieces of at most ``chunk_size`` bytes (for streaming)."""
        ...

    def size(self, key: str) -> int:
        """The blob's length in bytes."""
        ...

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a blob."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the blob; ``False`` if there was none."""
        ...

    def iter_keys(self, prefix: str = "", *, modified_before: float | None = None) -> Iterator[str]:
        """Every key that starts with ``prefix`` (last written before ``modified_before``, when given)."""
        ...

    def discard_interrupted_writes(self, *, begun_before: float | None = None) -> int:
        """Remove what interrupted ``put`` calls left behind (those begun before ``begun_before``, a
        Unix time, when given); returns how many were removed."""
        ...

"""Blob store backend on a local directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ragloom.storage.blobs.protocol import BlobInfo, BlobNotFoundError, check_key

_TEMP_PREFIX = ".partial-"


class LocalBlobStore:
    """Blobs as files under ``root``; writes go to a temporary file, then ``os.replace``.

    The temporary file is named ``.partial-*`` next to the blob; a crash mid-write leaves it
    there, unlisted, until :meth:`discard_interrupted_writes`.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes | BinaryIO) -> BlobInfo:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, temporary = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                if isinstance(data, bytes | bytearray | memoryview):
                    chunk = bytes(data)
                    out.write(chunk)
                    digest.update(chunk)
                    size = len(chunk)
                else:
                    while piece := data.read(1 << 20):
                        out.write(piece)
                        digest.update(piece)
                        size += len(piece)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return BlobInfo(key=key, size=size, sha256=digest.hexdigest())

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFoundError(f"No blob at {key}") from None

    def iter_chunks(self, key: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise BlobNotFoundError(f"No blob at {key}") from None
        return _read_in_chunks(handle, chunk_size)

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise BlobNotFoundError(f"No blob at {key}")
        return path.stat().st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> bool:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, IsADirectoryError):
            return False
        self._prune_empty_parents(path.parent)
        return True

    def iter_keys(self, prefix: str = "", *, modified_before: float | None = None) -> Iterator[str]:
        for directory, _folders, files in os.walk(self.root):
            for name in files:
                if name.startswith(_TEMP_PREFIX):
                    continue
                path = Path(directory, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix) and _written_before(path, modified_before):
                    yield key

    def discard_interrupted_writes(self, *, begun_before: float | None = None) -> int:
        partials = [
            Path(directory, name)
            for directory, _folders, files in os.walk(self.root)
            for name in files
            if name.startswith(_TEMP_PREFIX)
        ]
        # a partial file is written to as its put goes on: one untouched since ``begun_before`` was
        # begun before it too, and its put has stopped (a stricter test than the put's start)
        partials = [partial for partial in partials if _written_before(partial, begun_before)]
        for partial in partials:
            partial.unlink(missing_ok=True)
            self._prune_empty_parents(partial.parent)
        return len(partials)

    def _prune_empty_parents(self, directory: Path) -> None:
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent


def _written_before(path: Path, when: float | None) -> bool:
    """Whether ``path`` was last written before ``when`` (always, without a time; never, once gone)."""
    if when is None:
        return True
    try:
        return path.stat().st_mtime < when
    except FileNotFoundError:
        return False


def _read_in_chunks(handle: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with handle:
        while piece := handle.read(chunk_size):
            yield piece

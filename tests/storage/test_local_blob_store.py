"""The local-directory blob store passes the conformance suite and keeps files inside its root."""

from pathlib import Path

import pytest

from ragloom.storage.blobs import LocalBlobStore
from ragloom.testing.blob_store import BlobStoreConformance


class TestLocalBlobStore(BlobStoreConformance):
    @pytest.fixture
    def blob_store(self, tmp_path: Path) -> LocalBlobStore:
        return LocalBlobStore(tmp_path / "blobs")


def test_files_live_under_the_root_and_empty_folders_are_pruned(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put("tenant/dataset/doc", b"data")
    assert (tmp_path / "blobs" / "tenant" / "dataset" / "doc").read_bytes() == b"data"
    store.delete("tenant/dataset/doc")
    assert list((tmp_path / "blobs").iterdir()) == []


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    class Exploding:
        def __init__(self) -> None:
            self.calls = 0

        def read(self, _size: int) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("disk on fire")
            return b"x" * 10

    store = LocalBlobStore(tmp_path / "blobs")
    with pytest.raises(OSError, match="disk on fire"):
        store.put("t/d/doc", Exploding())  # type: ignore[arg-type]
    assert not store.exists("t/d/doc")
    assert [path for path in (tmp_path / "blobs").rglob("*") if path.is_file()] == []
    assert list(store.iter_keys()) == []

"""The local-directory blob store passes the conformance suite and keeps files inside its root."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragloom.storage.blobs import BlobStore, LocalBlobStore
from ragloom.testing.blob_store import BlobStoreConformance

# A put whose source sends 1 MiB and then nothing: the writer is stuck mid-file until killed.
_WRITER = "import sys; from pathlib import Path; from ragloom.storage.blobs import LocalBlobStore; "
_WRITER += "LocalBlobStore(Path(sys.argv[1])).put(sys.argv[2], sys.stdin.buffer)"


def kill_in_the_middle_of_a_put(root: Path, key: str) -> None:
    """Start a process writing ``key`` under ``root`` and SIGKILL it once its partial file exists."""
    before = set(root.rglob(".partial-*"))
    with subprocess.Popen([sys.executable, "-c", _WRITER, str(root), key], stdin=subprocess.PIPE) as writer:
        assert writer.stdin is not None
        writer.stdin.write(b"x" * ((1 << 20) + 1))
        writer.stdin.flush()
        deadline = time.monotonic() + 30
        while not [path for path in set(root.rglob(".partial-*")) - before if path.stat().st_size]:
            assert time.monotonic() < deadline, "the writer never started its file"
            time.sleep(0.02)
        writer.kill()
        writer.stdin.close()
    assert writer.returncode == -9


class TestLocalBlobStore(BlobStoreConformance):
    @pytest.fixture
    def blob_store(self, tmp_path: Path) -> LocalBlobStore:
        return LocalBlobStore(tmp_path / "blobs")

    def leave_an_interrupted_write(self, blob_store: BlobStore, key: str) -> None:
        assert isinstance(blob_store, LocalBlobStore)
        kill_in_the_middle_of_a_put(blob_store.root, key)


def test_discarding_partial_files_prunes_the_folders_they_leave_empty(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put("tenant/dataset/kept", b"kept")
    kill_in_the_middle_of_a_put(store.root, "other/dataset/doc")
    assert (tmp_path / "blobs" / "other").is_dir()
    assert store.discard_interrupted_writes() == 1
    assert not (tmp_path / "blobs" / "other").exists()
    assert [path.name for path in (tmp_path / "blobs").rglob("*") if path.is_file()] == ["kept"]


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

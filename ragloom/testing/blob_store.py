"""Conformance tests every :class:`~ragloom.storage.blobs.BlobStore` backend must pass.

Use it by subclassing and providing a ``blob_store`` fixture that yields an empty store,
and ``leave_an_interrupted_write``, which leaves what a process killed in the middle of a
``put`` leaves (best done by killing one)::

    class TestMyBlobStore(BlobStoreConformance):
        @pytest.fixture
        def blob_store(self): ...

        def leave_an_interrupted_write(self, blob_store, key): ...
"""

from __future__ import annotations

import hashlib
import io
import threading
import time

import pytest

from ragloom.storage.blobs import BlobNotFoundError, BlobStore


class BlobStoreConformance:
    """The semantics stated in :class:`BlobStore`'s docstring, as tests."""

    @pytest.fixture
    def blob_store(self) -> BlobStore:
        raise NotImplementedError("a backend's test class provides an empty store")

    def leave_an_interrupted_write(self, blob_store: BlobStore, key: str) -> None:
        raise NotImplementedError("a backend's test class interrupts a put of its own")

    def test_is_a_blob_store(self, blob_store: BlobStore) -> None:
        assert isinstance(blob_store, BlobStore)

    def test_put_then_get_returns_the_same_bytes(self, blob_store: BlobStore) -> None:
        payload = bytes(range(256)) * 10
        info = blob_store.put("t/a/1", payload)
        assert (info.key, info.size) == ("t/a/1", len(payload))
        assert blob_store.get("t/a/1") == payload

    def test_put_reads_a_file_object_to_its_end(self, blob_store: BlobStore) -> None:
        payload = b"x" * (3 * 1024 * 1024 + 7)
        info = blob_store.put("big", io.BytesIO(payload))
        assert info.size == len(payload)
        assert blob_store.size("big") == len(payload)
        assert b"".join(blob_store.iter_chunks("big", chunk_size=1 << 20)) == payload

    def test_put_reports_the_sha256(self, blob_store: BlobStore) -> None:
        info = blob_store.put("h", b"abc")
        assert info.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        payload = bytes(range(256)) * 20_000
        streamed = blob_store.put("h", io.BytesIO(payload))
        assert (streamed.size, streamed.sha256) == (len(payload), hashlib.sha256(payload).hexdigest())

    def test_empty_blob_is_stored(self, blob_store: BlobStore) -> None:
        blob_store.put("empty", b"")
        assert blob_store.exists("empty")
        assert blob_store.get("empty") == b""
        assert blob_store.size("empty") == 0

    def test_put_replaces(self, blob_store: BlobStore) -> None:
        blob_store.put("k", b"old")
        blob_store.put("k", b"new!")
        assert blob_store.get("k") == b"new!"
        assert blob_store.size("k") == 4
        assert list(blob_store.iter_keys()) == ["k"]

    def test_iter_chunks_respects_the_chunk_size(self, blob_store: BlobStore) -> None:
        blob_store.put("c", b"0123456789")
        assert list(blob_store.iter_chunks("c", chunk_size=4)) == [b"0123", b"4567", b"89"]

    def test_missing_key_raises_not_found(self, blob_store: BlobStore) -> None:
        with pytest.raises(BlobNotFoundError):
            blob_store.get("nope")
        with pytest.raises(BlobNotFoundError):
            blob_store.size("nope")
        with pytest.raises(BlobNotFoundError):
            list(blob_store.iter_chunks("nope"))
        assert not blob_store.exists("nope")

    def test_delete_is_idempotent(self, blob_store: BlobStore) -> None:
        blob_store.put("d/x", b"1")
        assert blob_store.delete("d/x") is True
        assert blob_store.delete("d/x") is False
        assert not blob_store.exists("d/x")

    def test_a_new_store_is_empty(self, blob_store: BlobStore) -> None:
        assert list(blob_store.iter_keys()) == []
        assert blob_store.discard_interrupted_writes() == 0

    def test_the_folder_of_a_key_is_not_a_blob(self, blob_store: BlobStore) -> None:
        """Keys are flat: ``t/d/x`` existing says nothing of ``t/d`` or ``t``."""
        blob_store.put("t/d/x", b"1")
        for folder in ("t/d", "t"):
            assert not blob_store.exists(folder)
            with pytest.raises(BlobNotFoundError):
                blob_store.get(folder)
            with pytest.raises(BlobNotFoundError):
                blob_store.size(folder)
            assert blob_store.delete(folder) is False
        assert list(blob_store.iter_keys()) == ["t/d/x"]
        assert blob_store.get("t/d/x") == b"1"

    def test_iter_chunks_of_an_empty_blob_yields_nothing_but_whole_bytes(self, blob_store: BlobStore) -> None:
        blob_store.put("e", b"")
        assert b"".join(blob_store.iter_chunks("e")) == b""
        blob_store.put("n", b"0123456789ab")
        assert list(blob_store.iter_chunks("n", chunk_size=4)) == [b"0123", b"4567", b"89ab"]

    def test_iter_keys_lists_by_prefix(self, blob_store: BlobStore) -> None:
        for key in ("t1/d1/a", "t1/d1/b", "t1/d2/c", "t2/d3/e"):
            blob_store.put(key, b".")
        assert sorted(blob_store.iter_keys()) == ["t1/d1/a", "t1/d1/b", "t1/d2/c", "t2/d3/e"]
        assert sorted(blob_store.iter_keys("t1/d1/")) == ["t1/d1/a", "t1/d1/b"]
        blob_store.delete("t1/d2/c")
        assert sorted(blob_store.iter_keys("t1/")) == ["t1/d1/a", "t1/d1/b"]

    @pytest.mark.parametrize("key", ["", "/abs", "a/../b", "..", "a//b", "a/./b", "sp ace", "a\\b", "nul\x00"])
    def test_invalid_keys_are_refused(self, blob_store: BlobStore, key: str) -> None:
        with pytest.raises(ValueError, match="Invalid blob key"):
            blob_store.put(key, b"x")
        with pytest.raises(ValueError, match="Invalid blob key"):
            blob_store.get(key)
        with pytest.raises(ValueError, match="Invalid blob key"):
            blob_store.delete(key)
        with pytest.raises(ValueError, match="Invalid blob key"):
            blob_store.size(key)
        with pytest.raises(ValueError, match="Invalid blob key"):
            blob_store.exists(key)
        with pytest.raises(ValueError, match="Invalid blob key"):
            list(blob_store.iter_chunks(key))

    def test_readers_never_see_a_partial_write(self, blob_store: BlobStore) -> None:
        first, second = b"a" * 2_000_000, b"b" * 2_000_000
        blob_store.put("atomic", first)
        seen: set[bytes] = set()
        done = threading.Event()

        def read() -> None:
            while not done.is_set():
                seen.add(blob_store.get("atomic"))

        reader = threading.Thread(target=read)
        reader.start()
        for _ in range(5):
            blob_store.put("atomic", second)
            blob_store.put("atomic", first)
        done.set()
        reader.join()
        assert seen <= {first, second}

    def test_an_interrupted_write_is_invisible_until_discarded(self, blob_store: BlobStore) -> None:
        blob_store.put("t/d/kept", b"kept")
        self.leave_an_interrupted_write(blob_store, "t/d/new")
        self.leave_an_interrupted_write(blob_store, "t/d/kept")  # an interrupted replacement
        assert not blob_store.exists("t/d/new")
        assert sorted(blob_store.iter_keys()) == ["t/d/kept"]
        assert blob_store.get("t/d/kept") == b"kept"
        assert blob_store.discard_interrupted_writes() == 2
        assert blob_store.discard_interrupted_writes() == 0
        assert sorted(blob_store.iter_keys()) == ["t/d/kept"]
        assert blob_store.get("t/d/kept") == b"kept"
        blob_store.put("t/d/new", b"whole")
        assert blob_store.get("t/d/new") == b"whole"

    def test_the_age_filters_keep_what_was_written_after_the_time_given(self, blob_store: BlobStore) -> None:
        """What several servers sharing a store need: a start-up sweep that leaves others' fresh work alone."""
        blob_store.put("t/e/old", b"old")
        self.leave_an_interrupted_write(blob_store, "t/e/new")
        past, future = time.time() - 3600, time.time() + 3600
        assert list(blob_store.iter_keys("t/e/", modified_before=past)) == []
        assert list(blob_store.iter_keys("t/e/", modified_before=future)) == ["t/e/old"]
        assert blob_store.discard_interrupted_writes(begun_before=past) == 0
        assert blob_store.discard_interrupted_writes(begun_before=future) == 1
        assert blob_store.discard_interrupted_writes() == 0
        assert list(blob_store.iter_keys("t/e/")) == ["t/e/old"]

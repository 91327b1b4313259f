"""The embedded SQLite chunk index passes the conformance suite."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ragloom.storage.index import SqliteChunkIndex
from ragloom.testing.chunk_index import ChunkIndexConformance, chunk


class TestSqliteChunkIndex(ChunkIndexConformance):
    @pytest.fixture
    def chunk_index(self, tmp_path: Path) -> Iterator[SqliteChunkIndex]:
        index = SqliteChunkIndex(tmp_path / "index.sqlite")
        yield index
        index.close()


def test_two_handles_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    """The server and a worker process open the same file; a write by one is searchable by the other."""
    first = SqliteChunkIndex(tmp_path / "index.sqlite")
    second = SqliteChunkIndex(tmp_path / "index.sqlite")
    first.upsert([chunk("a", "shared words", vector=[1.0, 0.0])])
    import numpy as np

    assert [hit.chunk_id for hit in second.search_vector(["ds1"], np.asarray([1.0, 0.0], dtype=np.float32))] == ["a"]
    first.upsert([chunk("b", "more words", vector=[0.0, 1.0])])
    assert second.search_vector(["ds1"], np.asarray([0.0, 1.0], dtype=np.float32))[0].chunk_id == "b"
    first.close()
    second.close()

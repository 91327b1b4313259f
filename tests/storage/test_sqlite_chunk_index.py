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


def test_an_index_from_before_memories_is_upgraded_in_place(tmp_path: Path) -> None:
    """A version-2 file (no message columns) gains them on open, keeping its chunks."""
    import sqlite3

    from ragloom.storage.index.sqlite_messages import MESSAGE_COLUMNS
    from ragloom.testing.index_records import message

    path = tmp_path / "index.sqlite"
    index = SqliteChunkIndex(path)
    index.upsert([chunk("a", "kept words")])
    index.close()
    old = sqlite3.connect(path)
    old.execute("DROP INDEX chunk_kind")
    for column in MESSAGE_COLUMNS:
        old.execute(f"ALTER TABLE chunk DROP COLUMN {column}")
    old.execute("PRAGMA user_version = 2")
    old.commit()
    old.close()

    upgraded = SqliteChunkIndex(path)
    assert [record.id for record in upgraded.page("ds1", "doc1")[0]] == ["a"]
    assert upgraded.add_messages("m1", [message(1, "hello", size=5)], capacity=10).admitted
    assert upgraded.message_stats("m1").count == 1
    upgraded.close()


def test_concurrent_searches_compute_at_most_one_per_core_and_each_gets_its_own_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixteen threads searching at once take turns, as many at a time as the process has cores."""
    import os
    import threading
    import time

    import numpy as np

    from ragloom.storage.index import sqlite as sqlite_index

    index = SqliteChunkIndex(tmp_path / "index.sqlite")
    words = ["alpha", "beta", "gamma", "delta"]
    index.upsert(
        [chunk(f"c{n}", f"{words[n % 4]} text {n}", vector=[float(n % 4 == k) for k in range(4)]) for n in range(40)]
    )
    computing = 0
    most = 0
    lock = threading.Lock()
    real = sqlite_index.match_snapshots

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal computing, most
        with lock:
            computing += 1
            most = max(most, computing)
        try:
            time.sleep(0.01)  # long enough for the other threads to pile up
            return real(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                computing -= 1

    monkeypatch.setattr(sqlite_index, "match_snapshots", counted)

    def ask(k: int) -> list[str]:
        vector = np.asarray([float(j == k % 4) for j in range(4)], dtype=np.float32)
        matches = index.match(["ds1"], [words[k % 4]], vector, top_k=10)
        return sorted(str(chunk_id) for chunk_id in matches.chunk_ids)

    alone = [ask(k) for k in range(16)]
    answers: list[list[str]] = [[] for _ in range(16)]
    threads = [threading.Thread(target=lambda k=k: answers.__setitem__(k, ask(k))) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    index.close()
    assert answers == alone
    assert all(answer for answer in answers)
    assert 1 <= most <= len(os.sched_getaffinity(0))


def test_reads_of_named_documents_cost_what_those_documents_hold(tmp_path: Path) -> None:
    """Naming the documents a retrieval found, and a document's counts after parsing, read those
    documents' rows, not the whole dataset's once per document (SQLite once chose the index on
    (dataset, kind) for these, which made every retrieval cost documents x chunks)."""
    index = SqliteChunkIndex(tmp_path / "index.sqlite")
    documents = [f"doc{number}" for number in range(1000)]
    index.upsert(
        [
            chunk(f"{document}-{part}", f"text {part}", document_id=document)
            for document in documents
            for part in range(3)
        ]
    )
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    index._connection().set_progress_handler(count, 100)  # every 100 virtual machine instructions
    assert index.document_names("ds1", documents[:500]) == {document: f"{document}.txt" for document in documents[:500]}
    assert index.document_stats("ds1", "doc7").chunk_count == 3
    # 120 steps through the documents' index; scanning the dataset's rows for each document took 22,725
    assert steps < 2_000, steps
    index.close()

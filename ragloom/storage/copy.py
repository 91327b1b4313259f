"""Copying a whole ragloom from one set of stores to another: moving an embedded data directory up
to PostgreSQL + S3 (``ragloom copy``), or between any two backends the registries hold.

1. The target's metadata database is brought to the newest schema, and must hold nothing yet;
   the source's is brought to it too, so both have the same tables and columns.
2. Files: every blob of the source is streamed into the target under its key (never whole in
   memory).
3. The chunk index: every record of every dataset and memory (chunks, summaries, graph records,
   memory messages), vectors included, read page by page in id order and upserted into the
   target. A target with approximate vector indexes (:class:`DeferredVectorIndexes`: PostgreSQL's
   HNSW) builds them once all records are in, rather than inserting each into a graph.
4. The metadata — tenants, API keys, datasets, documents, tasks, chats, sessions, agents, memories,
   search apps, enrichment answers — table by table in dependency order, in one transaction: a copy
   that stops half-way leaves the target's metadata empty, so it can simply be run again (the files
   and records it had copied are written over).
5. Every count is compared — rows per table, blobs, records per dataset or memory — and the copy
   reports them; a difference is an error.

The source must not change while it is copied: stop its server and workers first.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import Table, func, select

from ragloom.errors import StorageError
from ragloom.storage.blobs import BlobStore
from ragloom.storage.index import ChunkIndex, ChunkRecord
from ragloom.storage.index.protocol import DeferredVectorIndexes
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Base, Dataset, Memory

ROWS_PER_INSERT = 500
RECORDS_PER_PAGE = 500
BLOB_PIECE = 1 << 20

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Stores:
    """The stores of one ragloom (the task queue lives in the metadata database)."""

    metadata: MetadataStore
    blobs: BlobStore
    index: ChunkIndex


@dataclass
class CopyReport:
    """What was copied: rows per table, blobs, and index records per dataset or memory."""

    rows: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    records: dict[str, int] = field(default_factory=dict)

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


class _Pieces(io.RawIOBase):
    """A blob's pieces as a readable stream, so it is never whole in memory."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._pending = piece
        view = memoryview(buffer).cast("B")
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _stream(pieces: Iterator[bytes]) -> BinaryIO:
    return io.BufferedReader(_Pieces(pieces), BLOB_PIECE)


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _counts(store: MetadataStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in _tables()
        }


def _owners(store: MetadataStore) -> list[str]:
    """Whose records the index holds: every dataset's id and every memory's."""
    with store.engine.connect() as connection:
        datasets = connection.execute(select(Dataset.__table__.c.id)).scalars().all()
        memories = connection.execute(select(Memory.__table__.c.id)).scalars().all()
    return sorted({*datasets, *memories})


def copy_all(source: Stores, target: Stores, progress: Progress = lambda _line: None) -> CopyReport:
    """Copy everything ``source`` holds into ``target`` (see the module docstring) and check the counts."""
    target.metadata.migrate()
    held = {name: count for name, count in _counts(target.metadata).items() if count}
    if held:
        listed = ", ".join(f"{count} {name}" for name, count in sorted(held.items()))
        raise StorageError(f"the target database is not empty ({listed}); copy into an empty one")
    source.metadata.migrate()
    report = CopyReport()

    keys = sorted(source.blobs.iter_keys())
    for number, key in enumerate(keys, 1):
        target.blobs.put(key, _stream(source.blobs.iter_chunks(key, BLOB_PIECE)))
        if number % 100 == 0 or number == len(keys):
            progress(f"files: {number} of {len(keys)}")
    report.blobs = len(keys)

    owners = _owners(source.metadata)
    deferred = target.index if isinstance(target.index, DeferredVectorIndexes) else None
    if deferred is not None:
        deferred.defer_vector_indexes()  # one build at the end instead of a graph insert per record
    for number, owner in enumerate(owners, 1):
        copied = 0
        for page in _pages(source.index, owner):
            target.index.upsert(page)
            copied += len(page)
        report.records[owner] = copied
        progress(f"index: {number} of {len(owners)} datasets and memories ({report.total_records} records)")
    if deferred is not None:
        progress("index: building the vector indexes")
        deferred.rebuild_vector_indexes()

    with source.metadata.engine.connect() as reading, target.metadata.engine.begin() as writing:
        for table in _tables():
            copied = 0
            batch: list[dict[str, Any]] = []
            for row in reading.execute(select(table)).mappings():
                batch.append(dict(row))
                if len(batch) == ROWS_PER_INSERT:
                    writing.execute(table.insert(), batch)
                    copied, batch = copied + len(batch), []
            if batch:
                writing.execute(table.insert(), batch)
                copied += len(batch)
            report.rows[table.name] = copied
        progress(f"metadata: {sum(report.rows.values())} rows in {len(report.rows)} tables")

    _verify(source, target, report)
    return report


def _verify(source: Stores, target: Stores, report: CopyReport) -> None:
    """Refuse a copy whose counts differ from the source's."""
    copied = _counts(target.metadata)
    problems = [
        f"{name}: {count} rows in the source, {report.rows.get(name)} copied, {copied[name]} in the target"
        for name, count in _counts(source.metadata).items()
        if not count == report.rows.get(name) == copied[name]
    ]
    blobs = sum(1 for _key in target.blobs.iter_keys())
    if blobs < report.blobs:
        problems.append(f"files: {report.blobs} in the source, {blobs} in the target")
    for owner, count in report.records.items():
        if (found := sum(len(page) for page in _pages(target.index, owner))) != count:
            problems.append(f"index records of {owner}: {count} in the source, {found} in the target")
    if problems:
        raise StorageError("the copy does not match its source: " + "; ".join(problems))


def _pages(index: ChunkIndex, owner: str) -> Iterator[list[ChunkRecord]]:
    """Every record of a dataset or memory, a page at a time."""
    after = ""
    while page := index.export(owner, after=after, limit=RECORDS_PER_PAGE):
        yield page
        after = page[-1].id

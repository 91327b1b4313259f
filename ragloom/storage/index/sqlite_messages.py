"""Memory messages in the SQLite index: filters, listing, forgetting and FIFO admission.

Messages are rows of the ``chunk`` table with ``kind = 'message'`` (see
:mod:`ragloom.storage.index.sql_messages`). A memory's size is the sum of its rows'
``message_size``, read in the write transaction that admits new messages (``BEGIN IMMEDIATE``
serialises writers of every process), so the capacity holds under concurrent writers and after
restarts with no cache.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Generator, Sequence
from typing import Any

from ragloom.storage.index.records import Admission, ChunkRecord, MessageFilter, MessageStats
from ragloom.storage.index.rows import MESSAGE_COLUMNS
from ragloom.storage.index.snapshot import bump_versions
from ragloom.storage.index.sql_messages import SQLITE
from ragloom.storage.index.sql_messages import admit as admit_messages
from ragloom.storage.index.sql_messages import filter_sql as dialect_filter_sql

__all__ = ["MESSAGE_COLUMNS", "MESSAGE_COLUMN_TYPES", "MESSAGE_INDEX", "admit", "filter_sql", "forget", "page", "stats"]

MESSAGE_COLUMN_TYPES = {
    "kind": "TEXT NOT NULL DEFAULT 'chunk'",
    "message_id": "INTEGER",
    "message_type": "TEXT",
    "message_source": "INTEGER",
    "message_agent": "TEXT",
    "message_session": "TEXT",
    "message_user": "TEXT",
    "valid_at": "REAL",
    "invalid_at": "REAL",
    "forget_at": "REAL",
    "message_size": "INTEGER NOT NULL DEFAULT 0",
}
MESSAGE_INDEX = "CREATE INDEX IF NOT EXISTS chunk_kind ON chunk (dataset_id, kind, valid_at, message_id, message_size)"
_DELETE_BATCH = 500

Writer = Callable[[sqlite3.Connection, Sequence[ChunkRecord]], None]


def filter_sql(where: MessageFilter) -> tuple[str, list[Any]]:
    """The SQL condition (on unqualified ``chunk`` columns) of messages passing ``where``."""
    return dialect_filter_sql(where, SQLITE)


def stats(connection: sqlite3.Connection, memory_id: str) -> MessageStats:
    count, size = connection.execute(
        "SELECT count(*), coalesce(sum(message_size), 0) FROM chunk WHERE dataset_id = ? AND kind = 'message'",
        (memory_id,),
    ).fetchone()
    return MessageStats(int(count), int(size))


class _Steps:
    """:class:`~ragloom.storage.index.sql_messages.AdmissionSteps` on a write transaction."""

    def __init__(self, connection: sqlite3.Connection, memory_id: str, write: Writer) -> None:
        self._connection = connection
        self._memory_id = memory_id
        self._write = write

    def size(self) -> int:
        return stats(self._connection, self._memory_id).size

    def replaced(self, keys: Collection[str]) -> tuple[int, int]:
        count, size = self._connection.execute(
            "SELECT count(*), coalesce(sum(message_size), 0) FROM chunk "
            f"WHERE dataset_id = ? AND kind = 'message' AND id IN ({SQLITE.placeholders(keys)})",
            [self._memory_id, *keys],
        ).fetchone()
        return int(count), int(size)

    def oldest(self, order: str) -> Generator[tuple[Any, str, int, int]]:
        cursor = self._connection.execute(
            "SELECT rowid, id, message_id, message_size FROM chunk "
            f"WHERE dataset_id = ? AND kind = 'message' AND {order}",
            (self._memory_id,),
        )
        try:
            while batch := cursor.fetchmany(256):
                yield from batch
        finally:
            cursor.close()

    def delete(self, rows: Sequence[Any]) -> None:
        for start in range(0, len(rows), _DELETE_BATCH):
            batch = rows[start : start + _DELETE_BATCH]
            self._connection.execute(f"DELETE FROM chunk WHERE rowid IN ({SQLITE.placeholders(batch)})", batch)

    def write(self, records: Sequence[ChunkRecord]) -> None:
        self._write(self._connection, records)

    def changed(self, rewrite: bool) -> None:
        bump_versions(self._connection, [self._memory_id], rewrite=rewrite)


def admit(
    connection: sqlite3.Connection, memory_id: str, records: Sequence[ChunkRecord], capacity: int, write: Writer
) -> Admission:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.add_messages` (call in a write transaction)."""
    return admit_messages(_Steps(connection, memory_id, write), memory_id, records, capacity)


def page(
    connection: sqlite3.Connection,
    memory_ids: Collection[str],
    where: MessageFilter,
    offset: int,
    limit: int | None,
    columns: str,
) -> tuple[list[tuple[Any, ...]], int]:
    """Rows (``columns``) of the memories' messages passing ``where``, newest first, and their count."""
    memories = list(dict.fromkeys(memory_ids))
    if not memories:
        return [], 0
    clause, parameters = filter_sql(where)
    scope = f"dataset_id IN ({SQLITE.placeholders(memories)}) AND {clause}"
    total = connection.execute(f"SELECT count(*) FROM chunk WHERE {scope}", [*memories, *parameters]).fetchone()[0]
    rows = connection.execute(
        f"SELECT {columns} FROM chunk WHERE {scope} "
        "ORDER BY valid_at DESC, message_id DESC, dataset_id LIMIT ? OFFSET ?",
        [*memories, *parameters, -1 if limit is None else limit, offset],
    ).fetchall()
    return rows, int(total)


def forget(connection: sqlite3.Connection, memory_id: str, message_ids: Collection[int], at: float) -> int:
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return 0
    cursor = connection.execute(
        "UPDATE chunk SET forget_at = ? WHERE dataset_id = ? AND kind = 'message' AND forget_at IS NULL "
        f"AND message_id IN ({SQLITE.placeholders(ids)})",
        [at, memory_id, *ids],
    )
    if cursor.rowcount:
        bump_versions(connection, [memory_id])  # snapshots hold who is forgotten
    return int(cursor.rowcount)

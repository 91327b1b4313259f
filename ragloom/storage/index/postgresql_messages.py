"""Memory messages in the PostgreSQL index: listing, forgetting and FIFO admission.

Messages are rows of ``index_record`` with ``kind = 'message'`` (see
:mod:`ragloom.storage.index.sql_messages`). :func:`admit` first takes a transaction-scoped advisory
lock on the memory, so admissions to one memory — from any thread or process — run one after the
other, each reading the size its predecessor left (READ COMMITTED reads what committed before the
lock was granted); admissions to other memories go on in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Sequence
from typing import Any

from ragloom.storage.index.postgresql_connections import Connection
from ragloom.storage.index.records import Admission, ChunkRecord, MessageFilter, MessageStats
from ragloom.storage.index.sql_messages import POSTGRESQL, filter_sql
from ragloom.storage.index.sql_messages import admit as admit_messages

_MEMORY_LOCK = "ragloom.index.memory"
_EVICTION_BATCH = 256

Writer = Callable[[Connection, Sequence[ChunkRecord]], None]


def stats(connection: Connection, memory_id: str) -> MessageStats:
    row = connection.execute(
        "SELECT count(*), coalesce(sum(message_size), 0) FROM index_record WHERE dataset_id = %s AND kind = 'message'",
        (memory_id,),
    ).fetchone()
    return MessageStats(int(row[0]), int(row[1])) if row else MessageStats(0, 0)


class _Steps:
    """:class:`~ragloom.storage.index.sql_messages.AdmissionSteps` in a write transaction."""

    def __init__(self, connection: Connection, memory_id: str, write: Writer) -> None:
        self._connection = connection
        self._memory_id = memory_id
        self._write = write

    def size(self) -> int:
        return stats(self._connection, self._memory_id).size

    def replaced(self, keys: Collection[str]) -> tuple[int, int]:
        row = self._connection.execute(
            "SELECT count(*), coalesce(sum(message_size), 0) FROM index_record "
            "WHERE dataset_id = %s AND kind = 'message' AND id = ANY(%s)",
            (self._memory_id, list(keys)),
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def oldest(self, order: str) -> Generator[tuple[Any, str, int, int]]:
        with self._connection.cursor(name="eviction") as cursor:  # server-side: read only what is needed
            cursor.itersize = _EVICTION_BATCH
            cursor.execute(
                "SELECT rowid, id, message_id, message_size FROM index_record "
                f"WHERE dataset_id = %s AND kind = 'message' AND {order}",
                (self._memory_id,),
            )
            yield from cursor

    def delete(self, rows: Sequence[Any]) -> None:
        if rows:
            self._connection.execute("DELETE FROM index_record WHERE rowid = ANY(%s)", (list(rows),))

    def write(self, records: Sequence[ChunkRecord]) -> None:
        self._write(self._connection, records)

    def changed(self, rewrite: bool) -> None:
        """Nothing to do: the index keeps no cache of a memory."""


def admit(
    connection: Connection,
    memory_id: str,
    records: Sequence[ChunkRecord],
    capacity: int,
    write: Writer,
    lock_totals: Callable[[Connection, Collection[str]], None],
) -> Admission:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.add_messages` (call in a write transaction;
    ``lock_totals`` locks the memory's word totals, which evictions and writes change)."""
    connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (_MEMORY_LOCK, memory_id))
    lock_totals(connection, [memory_id])
    return admit_messages(_Steps(connection, memory_id, write), memory_id, records, capacity)


def page(
    connection: Connection,
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
    clause, parameters = filter_sql(where, POSTGRESQL)
    scope = f"dataset_id = ANY(%s) AND {clause}"
    row = connection.execute(f"SELECT count(*) FROM index_record WHERE {scope}", [memories, *parameters]).fetchone()
    rows = connection.execute(
        f"SELECT {columns} FROM index_record WHERE {scope} "
        "ORDER BY valid_at DESC, message_id DESC, dataset_id LIMIT %s OFFSET %s",
        [memories, *parameters, limit, offset],
    ).fetchall()
    return rows, int(row[0]) if row else 0


def forget(connection: Connection, memory_id: str, message_ids: Collection[int], at: float) -> int:
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return 0
    cursor = connection.execute(
        "UPDATE index_record SET forget_at = %s "
        "WHERE dataset_id = %s AND kind = 'message' AND forget_at IS NULL AND message_id = ANY(%s)",
        (at, memory_id, ids),
    )
    return int(cursor.rowcount)

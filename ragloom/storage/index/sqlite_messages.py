"""Memory messages in the SQLite index: filters, listing, forgetting and FIFO admission.

Messages are rows of the ``chunk`` table with ``kind = 'message'`` and the ``message_*``,
``valid_at``, ``invalid_at`` and ``forget_at`` columns set; their ``dataset_id`` is the
memory's id. A memory's size is the sum of its rows' ``message_size``, read in the write
transaction that admits new messages (``BEGIN IMMEDIATE`` serialises writers of every
process), so the capacity holds under concurrent writers and after restarts with no cache.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from typing import Any

from ragloom.storage.index.records import Admission, ChunkRecord, MessageFilter, MessageStats
from ragloom.storage.index.snapshot import bump_versions

MESSAGE_COLUMNS = (
    "kind",
    "message_id",
    "message_type",
    "message_source",
    "message_agent",
    "message_session",
    "message_user",
    "valid_at",
    "invalid_at",
    "forget_at",
    "message_size",
)
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
# Forgotten messages first, by the time they were forgotten; then the rest, oldest first (the
# second read walks the index above and stops as soon as enough room is found).
EVICTION_ORDER = (
    "forget_at IS NOT NULL ORDER BY forget_at, valid_at, message_id",
    "forget_at IS NULL ORDER BY valid_at, message_id",
)
_DELETE_BATCH = 500

Writer = Callable[[sqlite3.Connection, Sequence[ChunkRecord]], None]


def _placeholders(values: Collection[Any]) -> str:
    return ", ".join("?" for _ in values)


def filter_sql(where: MessageFilter) -> tuple[str, list[Any]]:
    """The SQL condition (on unqualified ``chunk`` columns) of messages passing ``where``."""
    clauses = ["kind = 'message'"]
    parameters: list[Any] = []
    for column, values in (
        ("message_type", where.message_types),
        ("message_agent", where.agent_ids),
        ("message_source", where.source_ids),
    ):
        if values:
            clauses.append(f"{column} IN ({_placeholders(values)})")
            parameters.extend(values)
    if where.session_id is not None:
        clauses.append("message_session = ?")
        parameters.append(where.session_id)
    if where.session_contains:
        clauses.append("instr(message_session, ?) > 0")
        parameters.append(where.session_contains)
    if where.user_id is not None:
        clauses.append("message_user = ?")
        parameters.append(where.user_id)
    if where.forgotten is not None:
        clauses.append("forget_at IS NOT NULL" if where.forgotten else "forget_at IS NULL")
    if where.available is not None:
        clauses.append("available = ?")
        parameters.append(int(where.available))
    return " AND ".join(clauses), parameters


def stats(connection: sqlite3.Connection, memory_id: str) -> MessageStats:
    count, size = connection.execute(
        "SELECT count(*), coalesce(sum(message_size), 0) FROM chunk WHERE dataset_id = ? AND kind = 'message'",
        (memory_id,),
    ).fetchone()
    return MessageStats(int(count), int(size))


def _eviction(
    connection: sqlite3.Connection, memory_id: str, excess: int, keep: set[str]
) -> list[tuple[int, int, int]]:
    """The oldest messages (``rowid``, message id, size) whose removal frees ``excess`` bytes,
    never one of ``keep`` (ids of the messages being added)."""
    chosen: list[tuple[int, int, int]] = []
    freed = 0
    for order in EVICTION_ORDER:
        cursor = connection.execute(
            "SELECT rowid, id, message_id, message_size FROM chunk "
            f"WHERE dataset_id = ? AND kind = 'message' AND {order}",
            (memory_id,),
        )
        try:
            while freed < excess and (batch := cursor.fetchmany(256)):
                for rowid, record_id, message_id, size in batch:
                    if record_id in keep:
                        continue
                    chosen.append((int(rowid), int(message_id), int(size)))
                    freed += int(size)
                    if freed >= excess:
                        break
        finally:
            cursor.close()
        if freed >= excess:
            break
    return chosen


def admit(
    connection: sqlite3.Connection, memory_id: str, records: Sequence[ChunkRecord], capacity: int, write: Writer
) -> Admission:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.add_messages` (call in a write transaction)."""
    for record in records:
        if record.message is None or record.dataset_id != memory_id:
            raise ValueError(f"record {record.id!r} is not a message of memory {memory_id!r}")
    incoming = sum(record.message.size for record in records if record.message is not None)
    current = stats(connection, memory_id).size
    if incoming > capacity:
        return Admission(False, (), current)
    keys = {record.id for record in records}
    replaced_count, replaced = (0, 0)
    if keys:
        replaced_count, replaced = connection.execute(
            "SELECT count(*), coalesce(sum(message_size), 0) FROM chunk "
            f"WHERE dataset_id = ? AND kind = 'message' AND id IN ({_placeholders(keys)})",
            [memory_id, *keys],
        ).fetchone()
    excess = current - int(replaced) + incoming - capacity
    evicted = _eviction(connection, memory_id, excess, keys) if excess > 0 else []
    rowids = [rowid for rowid, _message_id, _size in evicted]
    for start in range(0, len(rowids), _DELETE_BATCH):
        batch = rowids[start : start + _DELETE_BATCH]
        connection.execute(f"DELETE FROM chunk WHERE rowid IN ({_placeholders(batch)})", batch)
    if records:
        write(connection, records)
    if records or evicted:
        bump_versions(connection, [memory_id], rewrite=bool(evicted or replaced_count))
    freed = sum(size for _rowid, _message_id, size in evicted)
    return Admission(
        True, tuple(message_id for _rowid, message_id, _size in evicted), current - replaced - freed + incoming
    )


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
    scope = f"dataset_id IN ({_placeholders(memories)}) AND {clause}"
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
        f"AND message_id IN ({_placeholders(ids)})",
        [at, memory_id, *ids],
    )
    if cursor.rowcount:
        bump_versions(connection, [memory_id])  # snapshots hold who is forgotten
    return int(cursor.rowcount)

"""Knowledge-graph records in the SQLite index: rows of the ``chunk`` table with ``kind = 'graph'``
and their :class:`~ragloom.storage.index.records.GraphFields` as JSON in ``graph_fields``.

A dataset's graph is replaced in one write transaction (``BEGIN IMMEDIATE``): readers in every
process see the old graph or the new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from typing import Any

from ragloom.storage.index.records import ChunkRecord, GraphPart
from ragloom.storage.index.rows import GRAPH_COLUMN
from ragloom.storage.index.snapshot import bump_versions

GRAPH_COLUMN_TYPE = "TEXT"

Writer = Callable[[sqlite3.Connection, Sequence[ChunkRecord]], None]


def delete(connection: sqlite3.Connection, dataset_id: str) -> int:
    """Remove the dataset's graph records (call in a write transaction)."""
    cursor = connection.execute("DELETE FROM chunk WHERE dataset_id = ? AND kind = 'graph'", (dataset_id,))
    if cursor.rowcount:
        bump_versions(connection, [dataset_id])
    return int(cursor.rowcount)


def replace(connection: sqlite3.Connection, dataset_id: str, records: Sequence[ChunkRecord], write: Writer) -> int:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.replace_graph` (call in a write transaction)."""
    for record in records:
        if record.graph is None or record.dataset_id != dataset_id:
            raise ValueError(f"record {record.id!r} is not a graph record of dataset {dataset_id!r}")
    removed = delete(connection, dataset_id)
    if records:
        write(connection, records)
        bump_versions(connection, [dataset_id], rewrite=bool(removed))
    return removed


def rows(
    connection: sqlite3.Connection, dataset_id: str, parts: Collection[GraphPart], columns: str
) -> list[tuple[Any, ...]]:
    """Rows (``columns``) of the dataset's graph records of ``parts`` (all without)."""
    where, parameters = "dataset_id = ? AND kind = 'graph'", [dataset_id]
    wanted = [part.value for part in parts]
    if wanted:
        where += f" AND json_extract({GRAPH_COLUMN}, '$.part') IN ({', '.join('?' for _ in wanted)})"
        parameters.extend(wanted)
    return connection.execute(f"SELECT {columns} FROM chunk WHERE {where} ORDER BY rowid", parameters).fetchall()

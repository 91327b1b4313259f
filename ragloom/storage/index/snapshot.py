"""An in-memory view of one dataset's records, for fast vector and term matching.

Each process keeps, per dataset (or memory), the records' row ids, ids, documents, parents,
availability, kinds and vectors as numpy arrays, plus a cache of term postings (which rows
contain a term, read from FTS5 once and reused). The view is kept in step with the
database through two counters every write bumps in its own transaction: ``version``
(any change) and ``rewrites`` (anything but adding new chunks). When only new chunks
arrived, they are appended; otherwise the view is read again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ragloom.storage.index.records import MessageFilter, RecordKind
from ragloom.storage.index.snapshot_messages import COLUMNS, MessageColumns, message_mask
from ragloom.storage.index.vector_lists import VectorLists

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

POSTINGS_LIMIT = 20_000_000  # cached posting entries per dataset before the cache starts over


@dataclass(frozen=True)
class Versions:
    """A dataset's change counters."""

    version: int
    rewrites: int


KIND_CODES = {RecordKind.CHUNK: 0, RecordKind.MESSAGE: 1, RecordKind.GRAPH: 2}
"""How a snapshot codes each record kind (the SQL reading rows codes them the same way)."""


def bump_versions(connection: sqlite3.Connection, dataset_ids: Collection[str], *, rewrite: bool = True) -> None:
    """Record a change of the datasets (in the writing transaction); ``rewrite`` is false when
    records were only added."""
    step = int(rewrite)
    connection.executemany(
        "INSERT INTO dataset_version (dataset_id, version, rewrites) VALUES (?, 1, ?) "
        "ON CONFLICT (dataset_id) DO UPDATE SET version = version + 1, rewrites = rewrites + ?",
        [(dataset_id, step, step) for dataset_id in set(dataset_ids)],
    )


def read_versions(connection: sqlite3.Connection, dataset_id: str) -> Versions:
    row = connection.execute(
        "SELECT version, rewrites FROM dataset_version WHERE dataset_id = ?", (dataset_id,)
    ).fetchone()
    return Versions(int(row[0]), int(row[1])) if row else Versions(0, 0)


@dataclass
class DatasetSnapshot:
    """One dataset's records as arrays, in row-id order; ``kinds`` holds each row's kind as a code
    of :data:`KIND_CODES` (chunk, memory message, graph record)."""

    versions: Versions
    rowids: npt.NDArray[np.int64]
    ids: npt.NDArray[np.object_]
    document_ids: npt.NDArray[np.object_]
    parent_ids: npt.NDArray[np.object_]
    available: npt.NDArray[np.bool_]
    vectors: npt.NDArray[np.float32]
    has_vector: npt.NDArray[np.bool_]
    kinds: npt.NDArray[np.int8]
    messages: MessageColumns | None = None  # set when the dataset holds messages (a memory)
    vector_lists: VectorLists = field(default_factory=VectorLists)  # shared with the extensions of this view
    _postings: dict[str, npt.NDArray[np.int32]] = field(default_factory=dict)
    _posting_entries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def size(self) -> int:
        return int(self.rowids.size)

    @property
    def is_message(self) -> npt.NDArray[np.bool_]:
        mask: npt.NDArray[np.bool_] = self.kinds == KIND_CODES[RecordKind.MESSAGE]
        return mask

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    def positions_of(self, rowids: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Where ``rowids`` stand in this snapshot (row ids it does not hold are dropped)."""
        import numpy as np

        if not rowids.size or not self.size:
            return np.zeros(0, dtype=np.int32)
        places = np.searchsorted(self.rowids, rowids)
        inside = places < self.size
        places, rowids = places[inside], rowids[inside]
        found: npt.NDArray[np.int32] = places[self.rowids[places] == rowids].astype(np.int32)
        return found

    def cached_postings(self, term: str) -> npt.NDArray[np.int32] | None:
        """Positions of the rows containing ``term``, if this snapshot has read them already."""
        return self._postings.get(term)

    def remember_postings(self, term: str, rowids: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Keep which of this snapshot's rows contain ``term`` (given the sorted row ids of every row
        of the table containing it) until the dataset changes; returns their positions."""
        positions = self.positions_of(rowids)
        with self._lock:
            if self._posting_entries + positions.size > POSTINGS_LIMIT:
                self._postings.clear()
                self._posting_entries = 0
            self._postings[term] = positions
            self._posting_entries += int(positions.size)
        return positions


def postings(
    connection: sqlite3.Connection, snapshots: Sequence[DatasetSnapshot], term: str
) -> list[npt.NDArray[np.int32]]:
    """Each snapshot's rows containing ``term``, from its cache, reading FTS5 at most once for all
    the snapshots that have not seen the term yet."""
    import numpy as np

    found = [snapshot.cached_postings(term) for snapshot in snapshots]
    if any(positions is None for positions in found):
        row = connection.execute(
            "SELECT group_concat(rowid) FROM chunk_fts WHERE chunk_fts MATCH ?", (match_expression([term]),)
        ).fetchone()
        # group_concat's text parsed by numpy in C (a list of strings converted one by one costs ×7).
        rowids = np.fromstring(row[0], dtype=np.int64, sep=",") if row and row[0] else np.zeros(0, dtype=np.int64)
        rowids.sort()
        found = [
            positions if positions is not None else snapshot.remember_postings(term, rowids)
            for snapshot, positions in zip(snapshots, found, strict=True)
        ]
    return [positions for positions in found if positions is not None]


_SELECT = (
    "SELECT rowid, id, document_id, parent_id, available, vector, "
    f"CASE kind WHEN 'message' THEN 1 WHEN 'graph' THEN 2 ELSE 0 END, {COLUMNS} "
    "FROM chunk WHERE dataset_id = ?"
)


def _message_columns(rows: list[tuple[Any, ...]]) -> MessageColumns | None:
    return MessageColumns.of(rows) if any(row[6] == KIND_CODES[RecordKind.MESSAGE] for row in rows) else None


def _kinds(rows: list[tuple[Any, ...]]) -> npt.NDArray[np.int8]:
    import numpy as np

    return np.array([row[6] for row in rows], dtype=np.int8)


def _arrays(rows: list[tuple[Any, ...]], dimension: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_], int]:
    """The rows' vectors as one matrix (zeros where a row has none, or one of another size),
    which rows have one, and the dimension."""
    import numpy as np

    if dimension == 0:
        dimension = next((len(row[5]) // 4 for row in rows if row[5] is not None), 0)
    present = np.array([row[5] is not None and len(row[5]) == 4 * dimension > 0 for row in rows], dtype=bool)
    if dimension == 0:
        return np.zeros((len(rows), 0), dtype=np.float32), present, 0
    zero = bytes(4 * dimension)
    blobs = [row[5] if row[5] is not None and len(row[5]) == 4 * dimension else zero for row in rows]
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(rows), dimension), present, dimension


def load(connection: sqlite3.Connection, dataset_id: str, versions: Versions) -> DatasetSnapshot:
    """Read a dataset's chunks (call inside one read transaction, with ``versions`` read in it)."""
    import numpy as np

    rows = connection.execute(f"{_SELECT} ORDER BY rowid", (dataset_id,)).fetchall()
    vectors, present, _dimension = _arrays(rows, 0)
    return DatasetSnapshot(
        versions=versions,
        rowids=np.array([row[0] for row in rows], dtype=np.int64),
        ids=np.array([row[1] for row in rows], dtype=object),
        document_ids=np.array([row[2] for row in rows], dtype=object),
        parent_ids=np.array([row[3] for row in rows], dtype=object),
        available=np.array([bool(row[4]) for row in rows], dtype=bool),
        vectors=vectors,
        has_vector=present,
        kinds=_kinds(rows),
        messages=_message_columns(rows),
    )


def extend(
    connection: sqlite3.Connection, dataset_id: str, snapshot: DatasetSnapshot, versions: Versions
) -> DatasetSnapshot:
    """``snapshot`` plus the chunks added since it was read (valid only when nothing was rewritten)."""
    import numpy as np

    after = int(snapshot.rowids[-1]) if snapshot.size else -1
    rows = connection.execute(f"{_SELECT} AND rowid > ? ORDER BY rowid", (dataset_id, after)).fetchall()
    if not rows:
        return DatasetSnapshot(
            versions,
            snapshot.rowids,
            snapshot.ids,
            snapshot.document_ids,
            snapshot.parent_ids,
            snapshot.available,
            snapshot.vectors,
            snapshot.has_vector,
            snapshot.kinds,
            snapshot.messages,
            snapshot.vector_lists,
        )
    vectors, present, dimension = _arrays(rows, snapshot.dimension)
    if snapshot.size and dimension != snapshot.dimension:
        return load(connection, dataset_id, versions)
    return DatasetSnapshot(
        versions=versions,
        rowids=np.concatenate([snapshot.rowids, np.array([row[0] for row in rows], dtype=np.int64)]),
        ids=np.concatenate([snapshot.ids, np.array([row[1] for row in rows], dtype=object)]),
        document_ids=np.concatenate([snapshot.document_ids, np.array([row[2] for row in rows], dtype=object)]),
        parent_ids=np.concatenate([snapshot.parent_ids, np.array([row[3] for row in rows], dtype=object)]),
        available=np.concatenate([snapshot.available, np.array([bool(row[4]) for row in rows], dtype=bool)]),
        vectors=np.vstack([snapshot.vectors, vectors]) if snapshot.size else vectors,
        has_vector=np.concatenate([snapshot.has_vector, present]),
        kinds=np.concatenate([snapshot.kinds, _kinds(rows)]),
        messages=_joined(snapshot, rows),
        vector_lists=snapshot.vector_lists,
    )


def _joined(snapshot: DatasetSnapshot, rows: list[tuple[Any, ...]]) -> MessageColumns | None:
    """The snapshot's message columns followed by those of ``rows`` (``None`` when neither has messages)."""
    added = _message_columns(rows)
    if snapshot.messages is None and added is None:
        return None
    before = snapshot.messages or MessageColumns.of([(None,) * 6] * snapshot.size)
    return before + (added or MessageColumns.of([(None,) * 6] * len(rows)))


def match_expression(terms: Sequence[str]) -> str:
    """An FTS5 query matching any of ``terms``, each as a quoted phrase."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in dict.fromkeys(terms) if term.strip()]
    return " OR ".join(quoted)


def eligible_rows(
    snapshot: DatasetSnapshot,
    document_ids: Collection[str],
    kind: RecordKind,
    messages: MessageFilter | None = None,
) -> npt.NDArray[np.bool_]:
    """Rows a query may see: available ones of that kind, of the wanted documents if any are named,
    and (for messages) those passing ``messages``."""
    import numpy as np

    eligible: npt.NDArray[np.bool_] = snapshot.available & (snapshot.kinds == KIND_CODES[kind])
    if document_ids:
        eligible &= np.isin(snapshot.document_ids, list(document_ids))
    if kind is RecordKind.MESSAGE and messages is not None:
        if snapshot.messages is None:
            return np.zeros(snapshot.size, dtype=bool)
        eligible &= message_mask(snapshot.messages, snapshot.is_message, snapshot.available, messages)
    return eligible

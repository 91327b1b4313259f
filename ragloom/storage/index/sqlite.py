"""The embedded chunk index: SQLite FTS5 over pre-analysed terms, vectors scored with numpy.

One database file (``index.sqlite`` in the data directory), in WAL mode, shared by the
server and its workers. Chunks, memory messages and knowledge-graph records are rows of one
table, told apart by ``kind`` (messages: :mod:`ragloom.storage.index.sqlite_messages`, graphs:
:mod:`ragloom.storage.index.sqlite_graph`). Full-text search is FTS5's
BM25 over the term columns, weighted as RAGFlow boosts its fields. Each process keeps a
per-dataset matrix of the vectors and reloads it when the dataset's version (bumped by every
write in the same transaction, by any process) has moved. Vector search scans it exactly, except
that ``match`` in a dataset of more than :data:`~ragloom.storage.index.vector_lists.APPROXIMATE_FROM`
vectors picks its vector candidates from inverted lists and re-scores them exactly
(:mod:`ragloom.storage.index.vector_lists`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ragloom.storage.index import sqlite_graph, sqlite_messages
from ragloom.storage.index.candidates import unit_vector
from ragloom.storage.index.protocol import Capability
from ragloom.storage.index.records import (
    Admission,
    ChunkRecord,
    DocumentStats,
    GraphPart,
    Matches,
    MessageFilter,
    MessageStats,
    RecordKind,
    ScoredChunk,
)
from ragloom.storage.index.rows import COLUMNS, GRAPH_COLUMN, TERM_COLUMNS, TERM_WEIGHTS, record_of, row_values
from ragloom.storage.index.snapshot import (
    DatasetSnapshot,
    bump_versions,
    eligible_rows,
    extend,
    load,
    match_expression,
    read_versions,
)
from ragloom.storage.index.sqlite_match import MatchScope, match_snapshots
from ragloom.storage.index.sqlite_messages import MESSAGE_COLUMN_TYPES, MESSAGE_COLUMNS, MESSAGE_INDEX
from ragloom.storage.index.sqlite_tags import remove_tags, replace_tag, tag_counts
from ragloom.storage.index.vector_lists import APPROXIMATE_FROM

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

SCHEMA_VERSION = 4
_COLUMNS = (*COLUMNS, "vector")
_READ_COLUMNS = ", ".join(COLUMNS)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS chunk (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    document_name TEXT NOT NULL,
    content TEXT NOT NULL,
    ord INTEGER NOT NULL,
    available INTEGER NOT NULL,
    content_terms TEXT NOT NULL,
    content_fine_terms TEXT NOT NULL,
    title_terms TEXT NOT NULL,
    important_terms TEXT NOT NULL,
    question_terms TEXT NOT NULL,
    important_keywords TEXT NOT NULL,
    questions TEXT NOT NULL,
    tag_keywords TEXT NOT NULL,
    tag_features TEXT NOT NULL,
    positions TEXT NOT NULL,
    image_id TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    created_at REAL NOT NULL,
    extra TEXT NOT NULL,
    {",".join(f"{column} {MESSAGE_COLUMN_TYPES[column]}" for column in MESSAGE_COLUMNS)},
    {GRAPH_COLUMN} {sqlite_graph.GRAPH_COLUMN_TYPE},
    vector BLOB,
    UNIQUE (dataset_id, id)
);
CREATE INDEX IF NOT EXISTS chunk_document ON chunk (dataset_id, document_id, ord);
CREATE INDEX IF NOT EXISTS chunk_parent ON chunk (dataset_id, parent_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(
    {", ".join(TERM_COLUMNS)}, content='chunk', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0'
);
CREATE TRIGGER IF NOT EXISTS chunk_fts_insert AFTER INSERT ON chunk BEGIN
    INSERT INTO chunk_fts (rowid, {", ".join(TERM_COLUMNS)})
    VALUES (new.rowid, {", ".join(f"new.{column}" for column in TERM_COLUMNS)});
END;
CREATE TRIGGER IF NOT EXISTS chunk_fts_delete AFTER DELETE ON chunk BEGIN
    INSERT INTO chunk_fts (chunk_fts, rowid, {", ".join(TERM_COLUMNS)})
    VALUES ('delete', old.rowid, {", ".join(f"old.{column}" for column in TERM_COLUMNS)});
END;
CREATE TRIGGER IF NOT EXISTS chunk_fts_update AFTER UPDATE OF {", ".join(TERM_COLUMNS)} ON chunk BEGIN
    INSERT INTO chunk_fts (chunk_fts, rowid, {", ".join(TERM_COLUMNS)})
    VALUES ('delete', old.rowid, {", ".join(f"old.{column}" for column in TERM_COLUMNS)});
    INSERT INTO chunk_fts (rowid, {", ".join(TERM_COLUMNS)})
    VALUES (new.rowid, {", ".join(f"new.{column}" for column in TERM_COLUMNS)});
END;
CREATE TABLE IF NOT EXISTS dataset_version (
    dataset_id TEXT PRIMARY KEY, version INTEGER NOT NULL, rewrites INTEGER NOT NULL DEFAULT 0
);
"""


def _placeholders(values: Collection[Any]) -> str:
    return ", ".join("?" for _ in values)


class SqliteChunkIndex:
    """The default, embedded :class:`~ragloom.storage.index.protocol.ChunkIndex`."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 30_000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._snapshots: dict[str, DatasetSnapshot] = {}
        self._snapshots_lock = threading.Lock()
        # as many searches compute at once as the process has cores: more only take turns at the
        # GIL and the caches (16 at once on 2 cores cost each one more CPU than one at a time)
        self._matching = threading.BoundedSemaphore(len(os.sched_getaffinity(0)) or 1)
        connection = self._connection()
        if connection.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            # Idempotent statements in one write transaction: safe when processes start together.
            connection.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
            with self._writing() as writing:
                version = writing.execute("PRAGMA user_version").fetchone()[0]
                if version == 1:
                    writing.execute("ALTER TABLE dataset_version ADD COLUMN rewrites INTEGER NOT NULL DEFAULT 0")
                present = {row[1] for row in writing.execute("PRAGMA table_info(chunk)")}
                for column in MESSAGE_COLUMNS:  # version 3: memory messages
                    if column not in present:
                        writing.execute(f"ALTER TABLE chunk ADD COLUMN {column} {MESSAGE_COLUMN_TYPES[column]}")
                writing.execute(MESSAGE_INDEX)
                if GRAPH_COLUMN not in present:  # version 4: knowledge graphs
                    writing.execute(f"ALTER TABLE chunk ADD COLUMN {GRAPH_COLUMN} {sqlite_graph.GRAPH_COLUMN_TYPE}")
                writing.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset({Capability.FULL_TEXT, Capability.VECTOR})

    # ---- connections -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")

    @staticmethod
    def _bump(connection: sqlite3.Connection, dataset_ids: Collection[str], *, rewrite: bool = True) -> None:
        """Record a change of the datasets; ``rewrite`` is false when chunks were only added."""
        bump_versions(connection, dataset_ids, rewrite=rewrite)

    def close(self) -> None:
        with self._connections_lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()
        with self._snapshots_lock:
            self._snapshots.clear()

    # ---- rows ---------------------------------------------------------------------------------

    @staticmethod
    def _row(record: ChunkRecord) -> tuple[Any, ...]:
        if record.vector is None:
            return (*row_values(record), None)
        import numpy as np

        return (*row_values(record), np.asarray(record.vector, dtype=np.float32).tobytes())

    @staticmethod
    def _record(row: Sequence[Any], vector: bytes | None = None) -> ChunkRecord:
        if vector is None:
            return record_of(row, None)
        import numpy as np

        return record_of(row, np.frombuffer(vector, dtype=np.float32).copy())

    # ---- writes -------------------------------------------------------------------------------

    @classmethod
    def _write(cls, connection: sqlite3.Connection, records: Sequence[ChunkRecord]) -> None:
        """Insert or replace ``records`` (inside a write transaction; versions are the caller's)."""
        assignments = ", ".join(f"{column} = excluded.{column}" for column in _COLUMNS[2:])
        statement = (
            f"INSERT INTO chunk ({', '.join(_COLUMNS)}) VALUES ({_placeholders(_COLUMNS)}) "
            f"ON CONFLICT (dataset_id, id) DO UPDATE SET {assignments}"
        )
        connection.executemany(statement, [cls._row(record) for record in records])

    def upsert(self, chunks: Sequence[ChunkRecord]) -> None:
        if not chunks:
            return
        by_dataset: dict[str, list[str]] = {}
        for chunk in chunks:
            by_dataset.setdefault(chunk.dataset_id, []).append(chunk.id)
        with self._writing() as connection:
            for dataset_id, ids in by_dataset.items():
                existing = connection.execute(
                    f"SELECT count(*) FROM chunk WHERE dataset_id = ? AND id IN ({_placeholders(ids)})",
                    [dataset_id, *ids],
                ).fetchone()[0]
                self._bump(connection, [dataset_id], rewrite=bool(existing))
            self._write(connection, chunks)

    def set_available(
        self, dataset_id: str, available: bool, *, document_id: str | None = None, chunk_ids: Collection[str] = ()
    ) -> int:
        if chunk_ids:
            ids = list(chunk_ids)
            where, parameters = (
                f"dataset_id = ? AND (id IN ({_placeholders(ids)}) OR parent_id IN ({_placeholders(ids)}))",
                [dataset_id, *ids, *ids],
            )
        elif document_id is not None:
            where, parameters = "dataset_id = ? AND document_id = ?", [dataset_id, document_id]
        else:
            return 0
        with self._writing() as connection:
            cursor = connection.execute(f"UPDATE chunk SET available = ? WHERE {where}", [int(available), *parameters])
            listed = connection.execute(
                f"SELECT count(*) FROM chunk WHERE {where} AND parent_id = ''", parameters
            ).fetchone()[0]
            if cursor.rowcount:
                self._bump(connection, [dataset_id])
        return int(listed)

    def rename_document(self, dataset_id: str, document_id: str, name: str, title_terms: str) -> None:
        with self._writing() as connection:
            connection.execute(
                "UPDATE chunk SET document_name = ?, title_terms = ? WHERE dataset_id = ? AND document_id = ?",
                (name, title_terms, dataset_id, document_id),
            )
            self._bump(connection, [dataset_id])

    def delete(self, dataset_id: str, *, document_ids: Collection[str] = (), chunk_ids: Collection[str] = ()) -> int:
        if chunk_ids:
            ids = list(chunk_ids)
            listed_where = f"dataset_id = ? AND id IN ({_placeholders(ids)}) AND parent_id = ''"
            where = f"dataset_id = ? AND (id IN ({_placeholders(ids)}) OR parent_id IN ({_placeholders(ids)}))"
            listed_parameters, parameters = [dataset_id, *ids], [dataset_id, *ids, *ids]
        elif document_ids:
            documents = list(document_ids)
            where = f"dataset_id = ? AND document_id IN ({_placeholders(documents)})"
            listed_where, parameters = f"{where} AND parent_id = ''", [dataset_id, *documents]
            listed_parameters = parameters
        else:
            return 0
        with self._writing() as connection:
            listed = connection.execute(
                f"SELECT count(*) FROM chunk WHERE {listed_where}", listed_parameters
            ).fetchone()[0]
            cursor = connection.execute(f"DELETE FROM chunk WHERE {where}", parameters)
            if cursor.rowcount:
                self._bump(connection, [dataset_id])
        return int(listed)

    def delete_datasets(self, dataset_ids: Collection[str]) -> int:
        ids = list(dataset_ids)
        if not ids:
            return 0
        with self._writing() as connection:
            cursor = connection.execute(f"DELETE FROM chunk WHERE dataset_id IN ({_placeholders(ids)})", ids)
            connection.execute(f"DELETE FROM dataset_version WHERE dataset_id IN ({_placeholders(ids)})", ids)
        with self._snapshots_lock:
            for dataset_id in ids:
                self._snapshots.pop(dataset_id, None)
        return int(cursor.rowcount)

    # ---- reads --------------------------------------------------------------------------------

    def get(self, dataset_id: str, chunk_id: str, *, with_vector: bool = False) -> ChunkRecord | None:
        columns = f"{_READ_COLUMNS}, vector" if with_vector else _READ_COLUMNS
        with self._reading() as connection:
            row = connection.execute(
                f"SELECT {columns} FROM chunk WHERE dataset_id = ? AND id = ?", (dataset_id, chunk_id)
            ).fetchone()
        if row is None:
            return None
        return self._record(row[:-1], row[-1]) if with_vector else self._record(row)

    def fetch(self, dataset_id: str, chunk_ids: Collection[str]) -> list[ChunkRecord]:
        ids = list(chunk_ids)
        if not ids:
            return []
        with self._reading() as connection:
            rows = connection.execute(
                f"SELECT {_READ_COLUMNS} FROM chunk WHERE dataset_id = ? AND id IN ({_placeholders(ids)})",
                [dataset_id, *ids],
            ).fetchall()
        return [self._record(row) for row in rows]

    def document_names(self, dataset_id: str, document_ids: Collection[str]) -> dict[str, str]:
        documents = list(dict.fromkeys(document_ids))
        if not documents:
            return {}
        # One chunk per document, found through the (dataset_id, document_id) index: a document's
        # chunks all carry its name, so reading one is enough however many it has.
        names = (
            "SELECT document_name FROM chunk INDEXED BY chunk_document "
            "WHERE dataset_id = ? AND document_id = wanted.id AND kind = 'chunk' LIMIT 1"
        )
        with self._reading() as connection:
            rows = connection.execute(
                f"SELECT wanted.id, ({names}) FROM (SELECT value AS id FROM json_each(?)) AS wanted",
                [dataset_id, json.dumps(documents)],
            ).fetchall()
        return {document_id: name for document_id, name in rows if name is not None}

    def export(self, dataset_id: str, *, after: str = "", limit: int = 1000) -> list[ChunkRecord]:
        with self._reading() as connection:
            rows = connection.execute(
                f"SELECT {_READ_COLUMNS}, vector FROM chunk WHERE dataset_id = ? AND id > ? ORDER BY id LIMIT ?",
                (dataset_id, after, max(0, limit)),
            ).fetchall()
        return [self._record(row[:-1], row[-1]) for row in rows]

    def page(
        self,
        dataset_id: str,
        document_id: str,
        *,
        terms: Sequence[str] = (),
        available: bool | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[ChunkRecord], int]:
        where = "c.dataset_id = ? AND c.document_id = ? AND c.parent_id = '' AND c.kind = 'chunk'"
        parameters: list[Any] = [dataset_id, document_id]
        source = "chunk AS c"
        if available is not None:
            where += " AND c.available = ?"
            parameters.append(int(available))
        if terms:
            expression = match_expression(terms)
            if not expression:
                return [], 0
            source = "chunk_fts JOIN chunk AS c ON c.rowid = chunk_fts.rowid"
            where += " AND chunk_fts MATCH ?"
            parameters.append(expression)
        columns = ", ".join(f"c.{column}" for column in _READ_COLUMNS.split(", "))
        with self._reading() as connection:
            total = connection.execute(f"SELECT count(*) FROM {source} WHERE {where}", parameters).fetchone()[0]
            rows = connection.execute(
                f"SELECT {columns} FROM {source} WHERE {where} ORDER BY c.ord, c.id LIMIT ? OFFSET ?",
                [*parameters, -1 if limit is None else limit, offset],
            ).fetchall()
        return [self._record(row) for row in rows], int(total)

    def document_stats(self, dataset_id: str, document_id: str) -> DocumentStats:
        with self._reading() as connection:
            count, tokens = connection.execute(
                "SELECT count(*), coalesce(sum(token_count), 0) FROM chunk INDEXED BY chunk_document "
                "WHERE dataset_id = ? AND document_id = ? AND parent_id = '' AND kind = 'chunk'",
                (dataset_id, document_id),
            ).fetchone()
        return DocumentStats(chunk_count=int(count), token_count=int(tokens))

    # ---- tags ---------------------------------------------------------------------------------

    def tag_counts(self, dataset_ids: Collection[str]) -> list[tuple[str, int]]:
        with self._reading() as connection:
            return tag_counts(connection, dataset_ids)

    def replace_tag(self, dataset_id: str, old: str, new: str) -> int:
        with self._writing() as connection:
            return replace_tag(connection, dataset_id, old, new)

    def remove_tags(self, dataset_id: str, tags: Collection[str]) -> int:
        with self._writing() as connection:
            return remove_tags(connection, dataset_id, tags)

    # ---- search -------------------------------------------------------------------------------

    def search_text(
        self,
        dataset_ids: Collection[str],
        terms: Sequence[str],
        *,
        document_ids: Collection[str] = (),
        limit: int = 1024,
    ) -> list[ScoredChunk]:
        expression = match_expression(terms)
        datasets = list(dataset_ids)
        if not expression or not datasets or limit <= 0:
            return []
        where = (
            f"chunk_fts MATCH ? AND c.dataset_id IN ({_placeholders(datasets)}) "
            "AND c.available = 1 AND c.kind = 'chunk'"
        )
        parameters: list[Any] = [expression, *datasets]
        if document_ids:
            documents = list(document_ids)
            where += f" AND c.document_id IN ({_placeholders(documents)})"
            parameters.extend(documents)
        weights = ", ".join(str(weight) for weight in TERM_WEIGHTS)
        with self._reading() as connection:
            rows = connection.execute(
                f"SELECT c.id, c.dataset_id, c.document_id, bm25(chunk_fts, {weights}) AS rank "
                f"FROM chunk_fts JOIN chunk AS c ON c.rowid = chunk_fts.rowid WHERE {where} "
                "ORDER BY rank LIMIT ?",
                [*parameters, limit],
            ).fetchall()
        return [
            ScoredChunk(chunk_id, dataset_id, document_id, -float(rank))
            for chunk_id, dataset_id, document_id, rank in rows
        ]

    def _snapshot(self, connection: sqlite3.Connection, dataset_id: str) -> DatasetSnapshot:
        """The dataset's in-memory view, brought up to date (call inside a read transaction)."""
        versions = read_versions(connection, dataset_id)
        with self._snapshots_lock:
            cached = self._snapshots.get(dataset_id)
        if cached is not None and cached.versions == versions:
            return cached
        if cached is not None and cached.versions.rewrites == versions.rewrites:
            fresh = extend(connection, dataset_id, cached, versions)
        else:
            fresh = load(connection, dataset_id, versions)
        with self._snapshots_lock:
            self._snapshots[dataset_id] = fresh
        return fresh

    def search_vector(
        self,
        dataset_ids: Collection[str],
        vector: npt.NDArray[np.float32],
        *,
        document_ids: Collection[str] = (),
        limit: int = 1024,
    ) -> list[ScoredChunk]:
        import numpy as np

        query = unit_vector(vector)
        if query is None or limit <= 0:
            return []
        hits: list[ScoredChunk] = []
        with self._reading() as connection:
            snapshots = [
                (dataset_id, self._snapshot(connection, dataset_id)) for dataset_id in dict.fromkeys(dataset_ids)
            ]
        for dataset_id, snapshot in snapshots:
            if snapshot.dimension != query.size:
                continue
            candidates = np.flatnonzero(eligible_rows(snapshot, document_ids, RecordKind.CHUNK) & snapshot.has_vector)
            if not candidates.size:
                continue
            scores = (snapshot.vectors @ query)[candidates]
            keep = min(limit, candidates.size)
            best = np.argpartition(-scores, keep - 1)[:keep]
            hits.extend(
                ScoredChunk(
                    str(snapshot.ids[candidates[i]]),
                    dataset_id,
                    str(snapshot.document_ids[candidates[i]]),
                    float(scores[i]),
                )
                for i in best
            )
        hits.sort(key=lambda hit: -hit.score)
        return hits[:limit]

    def warm(self, dataset_ids: Collection[str], *, wait: bool = False) -> None:
        """Read the datasets into this process's memory now rather than at their first query, and
        start building the vector lists of those large enough (see
        :mod:`~ragloom.storage.index.vector_lists`); with ``wait``, until those are built."""
        import numpy as np

        with self._reading() as connection:
            snapshots = [self._snapshot(connection, dataset_id) for dataset_id in dict.fromkeys(dataset_ids)]
        for snapshot in snapshots:
            if int(np.count_nonzero(snapshot.has_vector)) >= APPROXIMATE_FROM:
                snapshot.vector_lists.build_from(snapshot.vectors)
                if wait:
                    snapshot.vector_lists.wait()

    def match(
        self,
        dataset_ids: Collection[str],
        terms: Sequence[str],
        vector: npt.NDArray[np.float32] | None,
        *,
        document_ids: Collection[str] = (),
        top_k: int = 1024,
        kind: RecordKind = RecordKind.CHUNK,
        messages: MessageFilter | None = None,
        counts: bool = False,
    ) -> Matches:
        scope = MatchScope(document_ids, kind, messages)
        with self._matching, self._reading() as connection:
            return match_snapshots(
                connection,
                lambda dataset_id: self._snapshot(connection, dataset_id),
                dataset_ids,
                terms,
                vector,
                scope,
                top_k=top_k,
                counts=counts,
            )

    # ---- messages of memories -----------------------------------------------------------------

    def add_messages(self, memory_id: str, messages: Sequence[ChunkRecord], capacity: int) -> Admission:
        with self._writing() as connection:
            return sqlite_messages.admit(connection, memory_id, messages, capacity, self._write)

    def messages(
        self,
        memory_ids: Collection[str],
        where: MessageFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[ChunkRecord], int]:
        with self._reading() as connection:
            rows, total = sqlite_messages.page(
                connection, memory_ids, where or MessageFilter(), offset, limit, _READ_COLUMNS
            )
        return [self._record(row) for row in rows], total

    def forget_messages(self, memory_id: str, message_ids: Collection[int], at: float) -> int:
        with self._writing() as connection:
            return sqlite_messages.forget(connection, memory_id, message_ids, at)

    def replace_graph(self, dataset_id: str, records: Sequence[ChunkRecord]) -> int:
        with self._writing() as connection:
            return sqlite_graph.replace(connection, dataset_id, records, self._write)

    def graph_records(self, dataset_id: str, parts: Collection[GraphPart] = ()) -> list[ChunkRecord]:
        with self._reading() as connection:
            found = sqlite_graph.rows(connection, dataset_id, parts, _READ_COLUMNS)
        return [self._record(row) for row in found]

    def delete_graph(self, dataset_id: str) -> int:
        with self._writing() as connection:
            return sqlite_graph.delete(connection, dataset_id)

    def message_stats(self, memory_id: str) -> MessageStats:
        with self._reading() as connection:
            return sqlite_messages.stats(connection, memory_id)

"""The scale-out chunk index: PostgreSQL with pgvector, full-text search over ragloom's own terms.

One table holds chunks, memory messages and knowledge-graph records (``index_record``, see
:mod:`~ragloom.storage.index.postgresql_schema`), shared by every server and worker process on every
host. The facts and rankings are the embedded index's (:class:`~ragloom.storage.index.SqliteChunkIndex`)
for the same data:

- full text: the stored terms are split into words as FTS5 splits them and kept in a ``tsvector``
  with their positions, so a term matches the same records (phrases included), and ``search_text``
  ranks by FTS5's own BM25 (:mod:`~ragloom.storage.index.postgresql_text`);
- vectors: pgvector's ``vector`` with no fixed dimension, since each dataset has its embedding
  model's; each dimension in use has a partial HNSW index of its own, used when a query may see
  more vectors than an exact scan should read; similarities are always computed exactly
  (:mod:`~ragloom.storage.index.postgresql_match`);
- memory admissions hold an advisory lock per memory (:mod:`~ragloom.storage.index.postgresql_messages`),
  graph replacements one per dataset, so both are atomic against writers in other processes.

Connections come from a small pool (:mod:`~ragloom.storage.index.postgresql_connections`), so the
index is safe to share between threads.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ragloom.storage.index import postgresql_messages
from ragloom.storage.index.candidates import unit_vector
from ragloom.storage.index.postgresql_connections import Connection, ConnectionPool
from ragloom.storage.index.postgresql_match import EF_SEARCH, Scope, match, nearest, vector_text
from ragloom.storage.index.postgresql_schema import HNSW_MAX_DIMENSION, HnswGraph, create_schema
from ragloom.storage.index.postgresql_tags import remove_tags, replace_tag, tag_counts
from ragloom.storage.index.postgresql_text import IndexStatistics, any_query, phrase_query, rank, word_vector
from ragloom.storage.index.postgresql_vectors import VectorIndexes
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
from ragloom.storage.index.rows import COLUMNS, TERM_COLUMNS, record_of, row_values
from ragloom.storage.index.words import words

_GRAPH_LOCK = "ragloom.index.graph"
_READ_COLUMNS = ", ".join(COLUMNS)
_WRITE_COLUMNS = (*COLUMNS, "words", "word_counts", "word_count", "dimension", "embedding")
_INSERT_ROW = f"({', '.join(['%s'] * len(COLUMNS))}, %s::tsvector, %s::integer[], %s, %s, %s::vector)"
_INSERT_CONFLICT = (
    f" ON CONFLICT (dataset_id, id) DO UPDATE SET "
    f"{', '.join(f'{column} = EXCLUDED.{column}' for column in _WRITE_COLUMNS[2:])}"
)
_WRITE_BATCH = 1000
"""Records per INSERT (each a statement, so the count triggers run once per batch, not once per record;
46 parameters a record stay within PostgreSQL's 65,535)."""


def _row(record: ChunkRecord) -> tuple[Any, ...]:
    words_text, counts = word_vector([getattr(record, column) for column in TERM_COLUMNS])
    vector = None if record.vector is None else np.asarray(record.vector, dtype=np.float32).ravel()
    dimension = 0 if vector is None else int(vector.size)
    embedding = None if vector is None or not dimension else vector_text(vector)
    return (*row_values(record), words_text, counts, sum(counts), dimension, embedding)


def _record(row: Sequence[Any], vector: Sequence[float] | None = None) -> ChunkRecord:
    return record_of(row, None if vector is None else np.asarray(vector, dtype=np.float32))


def _lock_totals(connection: Connection, dataset_ids: Collection[str]) -> None:
    """Lock the word totals of the datasets, in key order, before a write that changes them (the
    trigger would lock them one by one, in any order): writers that add or remove rows of a dataset
    then queue here, and two writers of several datasets cannot deadlock."""
    ids = sorted(set(dataset_ids))
    connection.execute(
        "INSERT INTO index_word_total (dataset_id, records, words) SELECT unnest(%s::text[]), 0, 0 "
        "ON CONFLICT (dataset_id) DO NOTHING",
        (ids,),
    )
    connection.execute(
        "SELECT 1 FROM index_word_total WHERE dataset_id = ANY(%s) ORDER BY dataset_id FOR UPDATE", (ids,)
    )


class PostgresChunkIndex:
    """A :class:`~ragloom.storage.index.protocol.ChunkIndex` in a PostgreSQL database with pgvector.

    ``url`` is a libpq connection URL (``postgresql://user:password@host/database``); the tables
    are created on open if missing. ``ef_search`` is the HNSW search's beam (pgvector's
    ``hnsw.ef_search``): wider finds more of the exact nearest neighbours and takes longer. ``graph`` is
    how new HNSW indexes are built (:meth:`rebuild_vector_indexes` applies it to existing ones). With
    ``build_vector_indexes`` false, writes build no HNSW index: a bulk load writes its rows first and
    calls :meth:`rebuild_vector_indexes` once, which pgvector does far faster than inserting row by row
    into a graph (searches scan exactly until then).
    """

    def __init__(
        self,
        url: str,
        *,
        ef_search: int = EF_SEARCH,
        graph: HnswGraph | None = None,
        build_vector_indexes: bool = True,
    ) -> None:
        self.url = url
        self.ef_search = ef_search
        self._pool = ConnectionPool(url)
        create_schema(self._pool)
        self._vector_indexes = VectorIndexes(self._pool, graph or HnswGraph(), build=build_vector_indexes)

    @property
    def graph(self) -> HnswGraph:
        """How this index builds HNSW graphs."""
        return self._vector_indexes.graph

    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset({Capability.FULL_TEXT, Capability.VECTOR})

    def close(self) -> None:
        self._pool.close()

    # ---- writes -------------------------------------------------------------------------------

    @staticmethod
    def _write(connection: Connection, records: Sequence[ChunkRecord]) -> None:
        """Insert or replace ``records`` in their order (row ids follow it, as the embedded index's do; a key
        given twice takes the place of its first and the values of its last); the caller has locked their
        datasets' totals (:func:`_lock_totals`)."""
        latest: dict[tuple[str, str], ChunkRecord] = {}
        for record in records:
            latest[(record.dataset_id, record.id)] = record  # one row per key: ON CONFLICT updates a row once
        rows = [_row(record) for record in latest.values()]
        for first in range(0, len(rows), _WRITE_BATCH):
            batch = rows[first : first + _WRITE_BATCH]
            connection.execute(
                f"INSERT INTO index_record ({', '.join(_WRITE_COLUMNS)}) VALUES "
                f"{', '.join([_INSERT_ROW] * len(batch))}{_INSERT_CONFLICT}",
                [value for row in batch for value in row],
            )

    def _index_vectors(self, records: Sequence[ChunkRecord]) -> None:
        """Have each dimension just written get its HNSW index (built in the background, once)."""
        self._vector_indexes.ensure(
            int(np.asarray(record.vector).size) for record in records if record.vector is not None
        )

    def defer_vector_indexes(self) -> None:
        """Writes from now on build no HNSW index until :meth:`rebuild_vector_indexes` (a bulk load)."""
        self._vector_indexes.defer()

    def rebuild_vector_indexes(self) -> list[int]:
        """Build the HNSW index of every vector dimension stored (at most 2,000) again with :attr:`graph`,
        or for the first time; the dimensions, in order. Blocks until done; searches and writes go on. Writes
        build the index of a new dimension again from then on."""
        with self._pool.connection() as connection:
            rows = connection.execute(
                "SELECT DISTINCT dimension FROM index_record WHERE dimension BETWEEN 1 AND %s ORDER BY dimension",
                (HNSW_MAX_DIMENSION,),
            ).fetchall()
        dimensions = [int(dimension) for (dimension,) in rows]
        self._vector_indexes.rebuild(dimensions)
        return dimensions

    def wait_for_vector_indexes(self, timeout: float | None = None) -> None:
        """Wait for the HNSW index builds under way (see :mod:`~ragloom.storage.index.postgresql_vectors`)."""
        self._vector_indexes.wait(timeout)

    def upsert(self, chunks: Sequence[ChunkRecord]) -> None:
        if not chunks:
            return
        with self._pool.transaction() as connection:
            _lock_totals(connection, {chunk.dataset_id for chunk in chunks})
            self._write(connection, chunks)
        self._index_vectors(chunks)

    def set_available(
        self, dataset_id: str, available: bool, *, document_id: str | None = None, chunk_ids: Collection[str] = ()
    ) -> int:
        if chunk_ids:
            ids = list(chunk_ids)
            where, parameters = "dataset_id = %s AND (id = ANY(%s) OR parent_id = ANY(%s))", [dataset_id, ids, ids]
        elif document_id is not None:
            where, parameters = "dataset_id = %s AND document_id = %s", [dataset_id, document_id]
        else:
            return 0
        with self._pool.transaction() as connection:
            _lock_totals(connection, [dataset_id])  # availability changes the term counts
            connection.execute(f"UPDATE index_record SET available = %s WHERE {where}", [available, *parameters])
            row = connection.execute(
                f"SELECT count(*) FROM index_record WHERE {where} AND parent_id = ''", parameters
            ).fetchone()
        return int(row[0]) if row else 0

    def rename_document(self, dataset_id: str, document_id: str, name: str, title_terms: str) -> None:
        columns = ", ".join(TERM_COLUMNS)
        title = TERM_COLUMNS.index("title_terms")
        with self._pool.transaction() as connection:
            _lock_totals(connection, [dataset_id])
            rows = connection.execute(
                f"SELECT rowid, {columns} FROM index_record WHERE dataset_id = %s AND document_id = %s "
                "ORDER BY rowid FOR UPDATE",
                (dataset_id, document_id),
            ).fetchall()
            rowids, vectors, counts = [], [], []
            for rowid, *terms in rows:
                terms[title] = title_terms
                words_text, column_counts = word_vector(terms)
                rowids.append(rowid)
                vectors.append(words_text)
                counts.append("{" + ",".join(map(str, column_counts)) + "}")
            # One statement: the count triggers then run once, not once per chunk.
            connection.execute(
                "UPDATE index_record AS record SET document_name = %s, title_terms = %s, words = new.words::tsvector, "
                "word_counts = new.counts::integer[], "
                "word_count = (SELECT coalesce(sum(count), 0) FROM unnest(new.counts::integer[]) AS count) "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS new (rowid, words, counts) "
                "WHERE record.rowid = new.rowid",
                (name, title_terms, rowids, vectors, counts),
            )

    def delete(self, dataset_id: str, *, document_ids: Collection[str] = (), chunk_ids: Collection[str] = ()) -> int:
        if chunk_ids:
            ids = list(chunk_ids)
            listed_where, listed_parameters = "dataset_id = %s AND id = ANY(%s) AND parent_id = ''", [dataset_id, ids]
            where, parameters = "dataset_id = %s AND (id = ANY(%s) OR parent_id = ANY(%s))", [dataset_id, ids, ids]
        elif document_ids:
            where, parameters = "dataset_id = %s AND document_id = ANY(%s)", [dataset_id, list(document_ids)]
            listed_where, listed_parameters = f"{where} AND parent_id = ''", parameters
        else:
            return 0
        with self._pool.transaction() as connection:
            _lock_totals(connection, [dataset_id])
            row = connection.execute(f"SELECT count(*) FROM index_record WHERE {listed_where}", listed_parameters)
            listed = row.fetchone()
            connection.execute(f"DELETE FROM index_record WHERE {where}", parameters)
        return int(listed[0]) if listed else 0

    def delete_datasets(self, dataset_ids: Collection[str]) -> int:
        ids = sorted(set(dataset_ids))
        if not ids:
            return 0
        with self._pool.transaction() as connection:
            _lock_totals(connection, ids)
            deleted = connection.execute("DELETE FROM index_record WHERE dataset_id = ANY(%s)", (ids,)).rowcount
            connection.execute("DELETE FROM index_word_total WHERE dataset_id = ANY(%s)", (ids,))
            for table in ("index_term_count", "index_record_count"):  # counted down to zero by the trigger
                connection.execute(f"DELETE FROM {table} WHERE dataset_id = ANY(%s)", (ids,))
        return int(deleted)

    # ---- reads --------------------------------------------------------------------------------

    def get(self, dataset_id: str, chunk_id: str, *, with_vector: bool = False) -> ChunkRecord | None:
        columns = f"{_READ_COLUMNS}, embedding::real[]" if with_vector else _READ_COLUMNS
        with self._pool.connection() as connection:
            row = connection.execute(
                f"SELECT {columns} FROM index_record WHERE dataset_id = %s AND id = %s", (dataset_id, chunk_id)
            ).fetchone()
        if row is None:
            return None
        return _record(row[:-1], row[-1]) if with_vector else _record(row)

    def export(self, dataset_id: str, *, after: str = "", limit: int = 1000) -> list[ChunkRecord]:
        # keyset paging on the primary key (dataset_id, id), in the database's order of ids
        with self._pool.connection() as connection:
            rows = connection.execute(
                f"SELECT {_READ_COLUMNS}, embedding::real[] FROM index_record WHERE dataset_id = %s AND id > %s "
                "ORDER BY id LIMIT %s",
                (dataset_id, after, max(0, limit)),
            ).fetchall()
        return [_record(row[:-1], row[-1]) for row in rows]

    def fetch(self, dataset_id: str, chunk_ids: Collection[str]) -> list[ChunkRecord]:
        ids = list(chunk_ids)
        if not ids:
            return []
        with self._pool.connection() as connection:
            rows = connection.execute(
                f"SELECT {_READ_COLUMNS} FROM index_record WHERE dataset_id = %s AND id = ANY(%s)", (dataset_id, ids)
            ).fetchall()
        return [_record(row) for row in rows]

    def document_names(self, dataset_id: str, document_ids: Collection[str]) -> dict[str, str]:
        documents = list(dict.fromkeys(document_ids))
        if not documents:
            return {}
        # One chunk per document (index_record_document), however many chunks it has.
        with self._pool.connection() as connection:
            rows = connection.execute(
                "SELECT wanted.id, (SELECT document_name FROM index_record WHERE dataset_id = %s "
                "AND document_id = wanted.id COLLATE \"C\" AND kind = 'chunk' LIMIT 1) "
                "FROM unnest(%s::text[]) AS wanted (id)",
                (dataset_id, documents),
            ).fetchall()
        return {document_id: name for document_id, name in rows if name is not None}

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
        where = "dataset_id = %s AND document_id = %s AND parent_id = '' AND kind = 'chunk'"
        parameters: list[Any] = [dataset_id, document_id]
        if available is not None:
            where += " AND available = %s"
            parameters.append(available)
        if terms:
            wanted = any_query([phrase_query(term) for term in terms])
            if wanted is None:
                return [], 0
            where += " AND words @@ %s::tsquery"
            parameters.append(wanted)
        with self._pool.transaction(read_only=True, repeatable=True) as connection:
            row = connection.execute(f"SELECT count(*) FROM index_record WHERE {where}", parameters).fetchone()
            rows = connection.execute(
                f"SELECT {_READ_COLUMNS} FROM index_record WHERE {where} ORDER BY ord, id LIMIT %s OFFSET %s",
                [*parameters, limit, offset],
            ).fetchall()
        return [_record(found) for found in rows], int(row[0]) if row else 0

    def document_stats(self, dataset_id: str, document_id: str) -> DocumentStats:
        with self._pool.connection() as connection:
            row = connection.execute(
                "SELECT count(*), coalesce(sum(token_count), 0) FROM index_record "
                "WHERE dataset_id = %s AND document_id = %s AND parent_id = '' AND kind = 'chunk'",
                (dataset_id, document_id),
            ).fetchone()
        return DocumentStats(chunk_count=int(row[0]), token_count=int(row[1])) if row else DocumentStats(0, 0)

    # ---- tags ---------------------------------------------------------------------------------

    def tag_counts(self, dataset_ids: Collection[str]) -> list[tuple[str, int]]:
        with self._pool.connection() as connection:
            return tag_counts(connection, dataset_ids)

    def replace_tag(self, dataset_id: str, old: str, new: str) -> int:
        with self._pool.transaction() as connection:
            return replace_tag(connection, dataset_id, old, new)

    def remove_tags(self, dataset_id: str, tags: Collection[str]) -> int:
        with self._pool.transaction() as connection:
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
        unique = [term for term in dict.fromkeys(terms) if term.strip()]  # the phrases FTS5 would be given
        queries = [phrase_query(term) for term in unique]
        wanted = any_query(queries)
        datasets = list(dict.fromkeys(dataset_ids))
        if wanted is None or not datasets or limit <= 0:
            return []
        phrases = [words(term) for term in unique]
        where, parameters = Scope(datasets, document_ids=document_ids).sql()
        query_words = sorted({word for phrase in phrases for word in phrase})
        with self._pool.transaction(read_only=True, repeatable=True) as connection:
            rows = connection.execute(
                "SELECT rowid, id, dataset_id, document_id, word_counts, "
                "(SELECT coalesce(jsonb_object_agg(lexeme, positions), '{}') FROM unnest(words) "
                "WHERE lexeme = ANY(%s)) "
                f"FROM index_record WHERE {where} AND words @@ %s::tsquery",
                [query_words, *parameters, wanted],
            ).fetchall()
            if not rows:
                return []
            totals = connection.execute(
                "SELECT coalesce(sum(records), 0), coalesce(sum(words), 0) FROM index_word_total"
            ).fetchone()
            present = [query for query in queries if query is not None]
            containing = connection.execute(
                f"SELECT {', '.join('count(*) FILTER (WHERE words @@ %s::tsquery)' for _ in present)} "
                "FROM index_record WHERE words @@ %s::tsquery",
                [*present, wanted],
            ).fetchone()
        counts = iter(containing or ())
        statistics = IndexStatistics(
            int(totals[0]) if totals else 0,
            int(totals[1]) if totals else 0,
            [int(next(counts)) if query is not None else 0 for query in queries],
        )
        scored = [
            (rank(phrases, places, word_counts, statistics), rowid, chunk, dataset, document)
            for rowid, chunk, dataset, document, word_counts, places in rows
        ]
        scored.sort(key=lambda hit: (-hit[0], hit[1]))  # best first; ties in row order
        return [
            ScoredChunk(chunk, dataset, document, score) for score, _rowid, chunk, dataset, document in scored[:limit]
        ]

    def search_vector(
        self,
        dataset_ids: Collection[str],
        vector: npt.NDArray[np.float32],
        *,
        document_ids: Collection[str] = (),
        limit: int = 1024,
    ) -> list[ScoredChunk]:
        query = unit_vector(vector)
        datasets = list(dict.fromkeys(dataset_ids))
        if query is None or limit <= 0 or not datasets:
            return []
        scope = Scope(datasets, document_ids=document_ids)
        where, parameters = scope.sql()
        with self._pool.transaction(read_only=True, repeatable=True) as connection:
            row = connection.execute(
                f"SELECT count(*) FROM index_record WHERE {where} AND dimension = %s", [*parameters, int(query.size)]
            ).fetchone()
            candidates = int(row[0]) if row else 0
            found = (
                nearest(connection, scope, query, limit, candidates=candidates, ef_search=self.ef_search)
                if candidates
                else []
            )
        return [ScoredChunk(chunk, dataset, document, score) for _rowid, chunk, dataset, document, score in found]

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
        scope = Scope(list(dict.fromkeys(dataset_ids)), kind, document_ids, messages)
        with self._pool.transaction(read_only=True, repeatable=True) as connection:
            return match(connection, scope, terms, vector, top_k=top_k, ef_search=self.ef_search, counts=counts)

    # ---- messages of memories -----------------------------------------------------------------

    def add_messages(self, memory_id: str, messages: Sequence[ChunkRecord], capacity: int) -> Admission:
        with self._pool.transaction() as connection:
            admission = postgresql_messages.admit(connection, memory_id, messages, capacity, self._write, _lock_totals)
        self._index_vectors(messages)
        return admission

    def messages(
        self,
        memory_ids: Collection[str],
        where: MessageFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[ChunkRecord], int]:
        with self._pool.transaction(read_only=True, repeatable=True) as connection:
            rows, total = postgresql_messages.page(
                connection, memory_ids, where or MessageFilter(), offset, limit, _READ_COLUMNS
            )
        return [_record(row) for row in rows], total

    def forget_messages(self, memory_id: str, message_ids: Collection[int], at: float) -> int:
        with self._pool.transaction() as connection:
            return postgresql_messages.forget(connection, memory_id, message_ids, at)

    def message_stats(self, memory_id: str) -> MessageStats:
        with self._pool.connection() as connection:
            return postgresql_messages.stats(connection, memory_id)

    # ---- knowledge graphs of datasets ---------------------------------------------------------

    def replace_graph(self, dataset_id: str, records: Sequence[ChunkRecord]) -> int:
        for record in records:
            if record.graph is None or record.dataset_id != dataset_id:
                raise ValueError(f"record {record.id!r} is not a graph record of dataset {dataset_id!r}")
        with self._pool.transaction() as connection:
            # One replacement of a dataset's graph at a time: two at once would leave a mix of both.
            connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (_GRAPH_LOCK, dataset_id))
            _lock_totals(connection, [dataset_id])
            removed = self._delete_graph(connection, dataset_id)
            if records:
                self._write(connection, records)
        self._index_vectors(records)
        return removed

    @staticmethod
    def _delete_graph(connection: Connection, dataset_id: str) -> int:
        cursor = connection.execute("DELETE FROM index_record WHERE dataset_id = %s AND kind = 'graph'", (dataset_id,))
        return int(cursor.rowcount)

    def graph_records(self, dataset_id: str, parts: Collection[GraphPart] = ()) -> list[ChunkRecord]:
        where = "dataset_id = %s AND kind = 'graph'"
        parameters: list[Any] = [dataset_id]
        if parts:
            where += " AND graph_fields::jsonb ->> 'part' = ANY(%s)"
            parameters.append([part.value for part in parts])
        with self._pool.connection() as connection:
            rows = connection.execute(
                f"SELECT {_READ_COLUMNS} FROM index_record WHERE {where} ORDER BY rowid", parameters
            ).fetchall()
        return [_record(row) for row in rows]

    def delete_graph(self, dataset_id: str) -> int:
        with self._pool.transaction() as connection:
            connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (_GRAPH_LOCK, dataset_id))
            _lock_totals(connection, [dataset_id])
            return self._delete_graph(connection, dataset_id)

"""Vector search and ``match`` for the PostgreSQL index, reporting the facts the SQLite index reports.

``match`` runs in one REPEATABLE READ transaction:

1. how many records the query may see (eligible), and how many have a vector of the query's
   dimension: read from ``index_record_count`` when the scope is whole datasets, else counted with
   the B-tree indexes;
2. with terms: how many eligible records contain each term, and the ``top_k`` best by the candidate
   weights of :func:`~ragloom.storage.index.candidates.term_weights`
   (:mod:`~ragloom.storage.index.postgresql_terms`: word counts are read, not counted, and only the
   postings of the rarest terms are scored);
3. with a vector: the ``top_k`` nearest (:func:`nearest`);
4. for the union of both: which terms each contains and its exact cosine (one statement).

Cosine is the inner product with the unit query (stored vectors are unit length, as every embedding
model's are normalised), as the SQLite index computes it. Records with a vector of another dimension
than the query's are never vector candidates. Among candidates tied at the ``top_k`` boundary either
backend may keep any.

The HNSW search runs with ``hnsw.ef_search`` (``ef_search``, default :data:`EF_SEARCH`, the setting
``index.postgresql.hnsw_ef_search``) and a strictly ordered iterative scan, which goes on until
``limit`` rows pass the filters. A beam of a thousand (the old setting for
``top_k`` 1024) took about twice as long (80–140 ms against 45–55 ms at 100,000 chunks on a busy
machine) for a top ten that agreed with an exact search on 1.000 of the neighbours rather than 0.990
(``benchmarks/scale.py``) — the far end of 1,024 candidates is a tail the scorer weighs little. Only
rowids are read from it: the cosines come with the facts in step 4, each vector read once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ragloom.storage.index.candidates import COUNTED_COLUMNS, term_counts, unit_vector
from ragloom.storage.index.postgresql_connections import Connection
from ragloom.storage.index.postgresql_schema import HNSW_MAX_DIMENSION
from ragloom.storage.index.postgresql_terms import best_by_text, frequencies
from ragloom.storage.index.postgresql_text import phrase_query
from ragloom.storage.index.records import Matches, MessageFilter, RecordKind
from ragloom.storage.index.sql_messages import POSTGRESQL, filter_sql

EXACT_SCAN_LIMIT = 20_000
"""Up to this many eligible vectors, nearest neighbours are found by an exact scan; above it the
query may use the dimension's HNSW index (the planner chooses)."""
EF_SEARCH = 400
"""The HNSW search's beam (candidates kept while walking the graph) before iterative scans widen it.
At a million clustered 384-dimension vectors beams of 100, 200 and 400 found 0.920, 0.949 and 0.958
of the exact top ten, each within 4% of the others' retrieval p50 (the full-text part dominates);
``benchmarks/scale.py`` measures both at each beam."""


@dataclass(frozen=True)
class Scope:
    """Which records a query may see: the available ones of that kind in the datasets, of those
    documents (if named), and for messages those passing ``messages``."""

    dataset_ids: Sequence[str]
    kind: RecordKind = RecordKind.CHUNK
    document_ids: Collection[str] = ()
    messages: MessageFilter | None = None

    def sql(self) -> tuple[str, list[Any]]:
        """The condition on ``index_record`` and its parameters."""
        clauses = ["dataset_id = ANY(%s)", "kind = %s", "available"]
        parameters: list[Any] = [list(self.dataset_ids), self.kind.value]
        if self.document_ids:
            clauses.append("document_id = ANY(%s)")
            parameters.append(list(self.document_ids))
        if self.kind is RecordKind.MESSAGE and self.messages is not None:
            clause, more = filter_sql(self.messages, POSTGRESQL)
            clauses.append(clause)
            parameters.extend(more)
        return " AND ".join(clauses), parameters

    def counted(self) -> tuple[Sequence[str], str] | None:
        """The datasets and kind when the scope is every available record of that kind in them (what
        ``index_record_count`` and ``index_term_count`` count); ``None`` with a filter."""
        if self.document_ids or (self.kind is RecordKind.MESSAGE and self.messages is not None):
            return None
        return self.dataset_ids, self.kind.value


def vector_text(vector: npt.NDArray[np.float32]) -> str:
    """pgvector's text form of ``vector`` (each float32 written so it reads back exactly)."""
    return "[" + ",".join(map(repr, np.asarray(vector, dtype=np.float32).ravel().tolist())) + "]"


def _nearest_sql(scope: Scope, query: npt.NDArray[np.float32], candidates: int, columns: str) -> tuple[str, list[Any]]:
    where, parameters = scope.sql()
    dimension = int(query.size)
    text = vector_text(query)
    if candidates > EXACT_SCAN_LIMIT and dimension <= HNSW_MAX_DIMENSION:
        # The expression of the dimension's partial HNSW index, so the planner can use it.
        order = f"embedding::vector({dimension}) <#> %s::vector({dimension})"
    else:
        order = "embedding <#> %s::vector, rowid"
    return (
        f"SELECT {columns} FROM index_record WHERE {where} AND dimension = %s ORDER BY {order} LIMIT %s",
        [*parameters, dimension, text],
    )


def _prepare_hnsw(connection: Connection, query: npt.NDArray[np.float32], candidates: int, ef_search: int) -> None:
    if candidates > EXACT_SCAN_LIMIT and query.size <= HNSW_MAX_DIMENSION:
        # Iterative scans keep going until ``limit`` rows pass the filters (pgvector >= 0.8).
        connection.execute(
            "SELECT set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', %s, true)",
            (str(ef_search),),
        )


def nearest(
    connection: Connection,
    scope: Scope,
    query: npt.NDArray[np.float32],
    limit: int,
    *,
    candidates: int,
    ef_search: int = EF_SEARCH,
) -> list[tuple[int, str, str, str, float]]:
    """The ``limit`` eligible records nearest to the unit ``query`` as (rowid, id, dataset, document,
    cosine), nearest first; ``candidates`` is how many eligible records have a vector of its dimension,
    ``ef_search`` the HNSW beam if the index is used."""
    _prepare_hnsw(connection, query, candidates, ef_search)
    sql, parameters = _nearest_sql(
        scope, query, candidates, "rowid, id, dataset_id, document_id, -(embedding <#> %s::vector)"
    )
    rows = connection.execute(sql, [vector_text(query), *parameters, limit]).fetchall()
    return [
        (int(rowid), id_, dataset, document, float(similarity)) for rowid, id_, dataset, document, similarity in rows
    ]


def nearest_rows(
    connection: Connection,
    scope: Scope,
    query: npt.NDArray[np.float32],
    limit: int,
    *,
    candidates: int,
    ef_search: int = EF_SEARCH,
) -> list[int]:
    """The rowids of :func:`nearest` (the index orders them; no vector is read back from the table)."""
    _prepare_hnsw(connection, query, candidates, ef_search)
    sql, parameters = _nearest_sql(scope, query, candidates, "rowid")
    return [int(rowid) for (rowid,) in connection.execute(sql, [*parameters, limit]).fetchall()]


def match(
    connection: Connection,
    scope: Scope,
    terms: Sequence[str],
    vector: npt.NDArray[np.float32] | None,
    *,
    top_k: int,
    ef_search: int = EF_SEARCH,
    counts: bool = False,
) -> Matches:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.match` (call in one REPEATABLE READ transaction;
    ``ef_search`` is the HNSW beam if the index is used)."""
    if not scope.dataset_ids or top_k <= 0:
        return Matches.empty(len(terms))
    # Each statement reads a few thousand rows through an index: starting parallel workers costs more
    # than it saves, and takes cores other queries would use.
    connection.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)")
    query = unit_vector(vector)
    dimension = 0 if query is None else int(query.size)
    where, parameters = scope.sql()
    counted = scope.counted()
    if counted is not None:
        row = connection.execute(
            "SELECT coalesce(sum(records), 0), coalesce(sum(records) FILTER (WHERE dimension = %s), 0) "
            "FROM index_record_count WHERE dataset_id = ANY(%s) AND kind = %s",
            [dimension, list(counted[0]), counted[1]],
        ).fetchone()
    else:
        row = connection.execute(
            f"SELECT count(*), count(*) FILTER (WHERE dimension = %s) FROM index_record WHERE {where}",
            [dimension, *parameters],
        ).fetchone()
    eligible, with_vector = (int(row[0]), int(row[1]) if dimension else 0) if row else (0, 0)
    if not eligible:
        return Matches.empty(len(terms))
    phrases = [phrase_query(term) for term in terms]
    frequency = frequencies(connection, where, parameters, terms, counted)
    chosen = best_by_text(connection, where, parameters, terms, frequency, eligible, top_k) if frequency.any() else []
    if query is not None and with_vector:
        chosen.extend(nearest_rows(connection, scope, query, top_k, candidates=with_vector, ef_search=ef_search))
    matches = Matches.empty(len(terms))
    matches.document_frequency = frequency
    matches.eligible = eligible
    if not chosen:
        return matches
    present = [number for number, phrase in enumerate(phrases) if phrase is not None]
    hits = "".join(", words @@ %s::tsquery" for _ in present)
    similarity = "CASE WHEN dimension = %s THEN -(embedding <#> %s::vector) ELSE 0 END" if query is not None else "0"
    counted_columns = "".join(f", {column}" for column in COUNTED_COLUMNS) if counts else ""
    rows = connection.execute(
        f"SELECT rowid, id, dataset_id, document_id, parent_id, {similarity}{counted_columns}{hits} "
        "FROM index_record WHERE rowid = ANY(%s)",
        [
            *((dimension, vector_text(query)) if query is not None else ()),
            *(phrases[number] for number in present),
            sorted(set(chosen)),
        ],
    ).fetchall()
    place = {dataset_id: number for number, dataset_id in enumerate(dict.fromkeys(scope.dataset_ids))}
    rows.sort(key=lambda found: (place[found[2]], found[0]))
    term_hits = np.zeros((len(rows), len(terms)), dtype=bool)
    first_hit = 6 + len(COUNTED_COLUMNS) if counts else 6
    for number, found in enumerate(rows):
        for column, hit in zip(present, found[first_hit:], strict=True):
            term_hits[number, column] = bool(hit)
    matches.chunk_ids = [found[1] for found in rows]
    matches.dataset_ids = [found[2] for found in rows]
    matches.document_ids = [found[3] for found in rows]
    matches.parent_ids = [found[4] for found in rows]
    matches.vector_similarity = np.array([found[5] for found in rows], dtype=np.float32)
    matches.term_hits = term_hits
    if counts:
        matches.term_counts, matches.lengths = term_counts(
            term_hits, lambda chosen_rows: [rows[row][6:first_hit] for row in chosen_rows], terms
        )
    return matches

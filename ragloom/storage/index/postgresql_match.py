"""Vector search and ``match`` for the PostgreSQL index, reporting the facts the SQLite index reports.

``match`` runs in one REPEATABLE READ transaction:

1. count the eligible records (those the query may see), and those with a vector of the query's
   dimension — B-tree index counts;
2. with terms: how many eligible records contain each term (the GIN index finds the records that
   contain any; each phrase is checked on those), then the ``top_k`` best by the candidate weights
   of :func:`~ragloom.storage.index.candidates.term_weights`;
3. with a vector: the ``top_k`` nearest (:func:`nearest`);
4. for the union of both: which terms each contains and its exact cosine.

Cosine is the inner product with the unit query (stored vectors are unit length, as every embedding
model's are normalised), as the SQLite index computes it. Records with a vector of another dimension
than the query's are never vector candidates. Among candidates tied at the ``top_k`` boundary either
backend may keep any.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ragloom.storage.index.candidates import term_weights, unit_vector
from ragloom.storage.index.postgresql_connections import Connection
from ragloom.storage.index.postgresql_schema import HNSW_MAX_DIMENSION
from ragloom.storage.index.postgresql_text import any_query, phrase_query
from ragloom.storage.index.records import Matches, MessageFilter, RecordKind
from ragloom.storage.index.sql_messages import POSTGRESQL, filter_sql

EXACT_SCAN_LIMIT = 20_000
"""Up to this many eligible vectors, nearest neighbours are found by an exact scan; above it the
query may use the dimension's HNSW index (the planner chooses)."""


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


def vector_text(vector: npt.NDArray[np.float32]) -> str:
    """pgvector's text form of ``vector`` (each float32 written so it reads back exactly)."""
    return "[" + ",".join(map(repr, np.asarray(vector, dtype=np.float32).ravel().tolist())) + "]"


def nearest(
    connection: Connection, scope: Scope, query: npt.NDArray[np.float32], limit: int, *, candidates: int
) -> list[tuple[int, str, str, str, float]]:
    """The ``limit`` eligible records nearest to the unit ``query`` as (rowid, id, dataset, document,
    cosine), nearest first; ``candidates`` is how many eligible records have a vector of its dimension."""
    where, parameters = scope.sql()
    dimension = int(query.size)
    if candidates > EXACT_SCAN_LIMIT and dimension <= HNSW_MAX_DIMENSION:
        # The expression of the dimension's partial HNSW index; iterative scans keep going until
        # ``limit`` rows pass the filters (pgvector >= 0.8).
        connection.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)")
        connection.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(min(1000, max(100, limit))),))
        distance = f"embedding::vector({dimension}) <#> %s::vector({dimension})"
        order = distance
    else:
        distance = "embedding <#> %s::vector"
        order = f"{distance}, rowid"
    text = vector_text(query)
    rows = connection.execute(
        f"SELECT rowid, id, dataset_id, document_id, -({distance}) FROM index_record "
        f"WHERE {where} AND dimension = %s ORDER BY {order} LIMIT %s",
        [text, *parameters, dimension, text, limit],
    ).fetchall()
    return [
        (int(rowid), id_, dataset, document, float(similarity)) for rowid, id_, dataset, document, similarity in rows
    ]


def _by_text(
    connection: Connection, scope: Scope, phrases: list[str | None], eligible: int, top_k: int
) -> tuple[npt.NDArray[np.int64], list[int]]:
    """How many eligible records contain each phrase, and the rowids of the ``top_k`` best by text."""
    frequency = np.zeros(len(phrases), dtype=np.int64)
    wanted = any_query(phrases)
    if wanted is None:
        return frequency, []
    where, parameters = scope.sql()
    present = [number for number, phrase in enumerate(phrases) if phrase is not None]
    counts = connection.execute(
        f"SELECT {', '.join('count(*) FILTER (WHERE words @@ %s::tsquery)' for _ in present)} "
        f"FROM index_record WHERE {where} AND words @@ %s::tsquery",
        [*(phrases[number] for number in present), *parameters, wanted],
    ).fetchone()
    for number, count in zip(present, counts or (), strict=True):
        frequency[number] = int(count)
    if not frequency.any():
        return frequency, []
    weights = term_weights(eligible, frequency)
    found = [number for number in present if frequency[number]]
    relevance = " + ".join("CASE WHEN words @@ %s::tsquery THEN %s ELSE 0 END" for _ in found)
    weighted = [value for number in found for value in (phrases[number], float(weights[number]))]
    rows = connection.execute(
        f"SELECT rowid FROM index_record WHERE {where} AND words @@ %s::tsquery "
        f"ORDER BY ({relevance})::real DESC, rowid LIMIT %s",
        [*parameters, wanted, *weighted, top_k],
    ).fetchall()
    return frequency, [int(rowid) for (rowid,) in rows]


def match(
    connection: Connection,
    scope: Scope,
    terms: Sequence[str],
    vector: npt.NDArray[np.float32] | None,
    *,
    top_k: int,
) -> Matches:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.match` (call in one REPEATABLE READ transaction)."""
    if not scope.dataset_ids or top_k <= 0:
        return Matches.empty(len(terms))
    query = unit_vector(vector)
    dimension = 0 if query is None else int(query.size)
    where, parameters = scope.sql()
    row = connection.execute(
        f"SELECT count(*), count(*) FILTER (WHERE dimension = %s) FROM index_record WHERE {where}",
        [dimension, *parameters],
    ).fetchone()
    eligible, with_vector = (int(row[0]), int(row[1]) if dimension else 0) if row else (0, 0)
    if not eligible:
        return Matches.empty(len(terms))
    phrases = [phrase_query(term) for term in terms]
    frequency, chosen = _by_text(connection, scope, phrases, eligible, top_k)
    if query is not None and with_vector:
        chosen.extend(hit[0] for hit in nearest(connection, scope, query, top_k, candidates=with_vector))
    matches = Matches.empty(len(terms))
    matches.document_frequency = frequency
    matches.eligible = eligible
    if not chosen:
        return matches
    present = [number for number, phrase in enumerate(phrases) if phrase is not None]
    hits = "".join(", words @@ %s::tsquery" for _ in present)
    similarity = "CASE WHEN dimension = %s THEN -(embedding <#> %s::vector) ELSE 0 END" if query is not None else "0"
    rows = connection.execute(
        f"SELECT rowid, id, dataset_id, document_id, parent_id, {similarity}{hits} "
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
    for number, found in enumerate(rows):
        for column, hit in zip(present, found[6:], strict=True):
            term_hits[number, column] = bool(hit)
    matches.chunk_ids = [found[1] for found in rows]
    matches.dataset_ids = [found[2] for found in rows]
    matches.document_ids = [found[3] for found in rows]
    matches.parent_ids = [found[4] for found in rows]
    matches.vector_similarity = np.array([found[5] for found in rows], dtype=np.float32)
    matches.term_hits = term_hits
    return matches

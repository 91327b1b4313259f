"""``match`` for the SQLite index: candidates from in-memory snapshots and cached FTS5 postings.

Every eligible record of the datasets (chunks, or a memory's messages) is scored twice,
cheaply: by cosine similarity (one matrix product) and by an internal text relevance (the
IDF of the query terms it contains). The union of the ``top_k`` best of each is returned
with the facts the scorer needs. Nothing here decides a record's final score.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ragloom.storage.index.candidates import term_weights, unit_vector
from ragloom.storage.index.records import Matches, MessageFilter, RecordKind
from ragloom.storage.index.snapshot import DatasetSnapshot, eligible_rows, postings


@dataclass(frozen=True)
class MatchScope:
    """Which records of a dataset a query may see: of those documents (if named), of that kind,
    and for messages those passing ``messages``."""

    document_ids: Collection[str] = ()
    kind: RecordKind = RecordKind.CHUNK
    messages: MessageFilter | None = None


@dataclass
class _Part:
    """The eligible rows of one dataset."""

    dataset_id: str
    snapshot: DatasetSnapshot
    rows: npt.NDArray[np.intp]  # positions in the snapshot
    vector_similarity: npt.NDArray[np.float32]
    has_vector: npt.NDArray[np.bool_]
    hits: npt.NDArray[np.bool_]  # rows × terms


def _top(scores: npt.NDArray[np.float32], count: int, *, positive: bool) -> npt.NDArray[np.intp]:
    candidates = np.flatnonzero(scores > 0) if positive else np.arange(scores.size)
    if candidates.size <= count:
        return candidates
    best = np.argpartition(-scores[candidates], count - 1)[:count]
    return candidates[best]


def _part(
    dataset_id: str,
    snapshot: DatasetSnapshot,
    term_rows: Sequence[npt.NDArray[np.int32]],
    query: npt.NDArray[np.float32] | None,
    scope: MatchScope,
) -> _Part | None:
    """The eligible rows of one dataset; ``term_rows[j]`` are its rows containing term ``j``."""
    rows = np.flatnonzero(eligible_rows(snapshot, scope.document_ids, scope.kind, scope.messages))
    if not rows.size:
        return None
    if query is not None and snapshot.dimension == query.size:
        similarity = (snapshot.vectors @ query)[rows].astype(np.float32)
    else:
        similarity = np.zeros(rows.size, dtype=np.float32)
    hits = np.zeros((rows.size, len(term_rows)), dtype=bool)
    if term_rows:
        place = np.full(snapshot.size, -1, dtype=np.int64)
        place[rows] = np.arange(rows.size)
        for column, containing in enumerate(term_rows):
            found = place[containing]
            hits[found[found >= 0], column] = True
    return _Part(dataset_id, snapshot, rows, similarity, snapshot.has_vector[rows], hits)


def match_snapshots(
    connection: sqlite3.Connection,
    snapshot_of: Callable[[str], DatasetSnapshot],
    dataset_ids: Collection[str],
    terms: Sequence[str],
    vector: npt.NDArray[np.float32] | None,
    scope: MatchScope,
    *,
    top_k: int = 1024,
) -> Matches:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.match` (call inside one read
    transaction on ``connection``; ``snapshot_of`` gives a dataset's up-to-date snapshot in it)."""
    if not dataset_ids or top_k <= 0:
        return Matches.empty(len(terms))
    query = unit_vector(vector)
    snapshots = {dataset_id: snapshot_of(dataset_id) for dataset_id in dict.fromkeys(dataset_ids)}
    by_term = [postings(connection, list(snapshots.values()), term) for term in terms]
    parts: list[_Part] = []
    for number, (dataset_id, snapshot) in enumerate(snapshots.items()):
        term_rows = [containing[number] for containing in by_term]
        part = _part(dataset_id, snapshot, term_rows, query, scope)
        if part is not None:
            parts.append(part)
    if not parts:
        return Matches.empty(len(terms))
    hits = np.vstack([part.hits for part in parts])
    similarity = np.concatenate([part.vector_similarity for part in parts])
    eligible = int(hits.shape[0])
    frequency = hits.sum(axis=0).astype(np.int64)
    weights = term_weights(eligible, frequency)
    text_relevance = (hits @ weights).astype(np.float32)
    with_vector = np.concatenate([part.has_vector for part in parts])
    nearest = np.flatnonzero(with_vector)
    chosen = np.union1d(
        nearest[_top(similarity[nearest], top_k, positive=False)] if query is not None else np.zeros(0, dtype=np.intp),
        _top(text_relevance, top_k, positive=True),
    )
    starts = np.cumsum([0] + [part.rows.size for part in parts])
    matches = Matches.empty(len(terms))
    matches.vector_similarity = similarity[chosen]
    matches.term_hits = hits[chosen]
    matches.document_frequency = frequency
    matches.eligible = eligible
    for number, part in enumerate(parts):
        local = chosen[(chosen >= starts[number]) & (chosen < starts[number + 1])] - starts[number]
        positions = part.rows[local]
        matches.chunk_ids.extend(part.snapshot.ids[positions].tolist())
        matches.document_ids.extend(part.snapshot.document_ids[positions].tolist())
        matches.parent_ids.extend(part.snapshot.parent_ids[positions].tolist())
        matches.dataset_ids.extend([part.dataset_id] * positions.size)
    return matches

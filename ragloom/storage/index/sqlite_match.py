"""``match`` for the SQLite index: candidates from in-memory snapshots and cached FTS5 postings.

Every eligible record of the datasets (chunks, or a memory's messages) is scored twice,
cheaply: by cosine similarity and by an internal text relevance (the IDF of the query terms it
contains). The union of the ``top_k`` best of each is returned with the facts the scorer needs.
Nothing here decides a record's final score.

The text side works on postings (which eligible rows hold each term), never on a rows × terms
table, so its cost follows the rows that match, not the dataset's size. The vector side scans every
eligible vector exactly (one matrix product) unless the dataset is large enough for its inverted
lists (:mod:`ragloom.storage.index.vector_lists`), whose candidates are re-scored exactly.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragloom.storage.index.candidates import COUNTED_COLUMNS, term_counts, term_weights, unit_vector
from ragloom.storage.index.records import Matches, MessageFilter, RecordKind
from ragloom.storage.index.snapshot import DatasetSnapshot, eligible_rows, postings
from ragloom.storage.index.vector_lists import APPROXIMATE_FROM

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt


@dataclass(frozen=True)
class MatchScope:
    """Which records of a dataset a query may see: of those documents (if named), of that kind,
    and for messages those passing ``messages``."""

    document_ids: Collection[str] = ()
    kind: RecordKind = RecordKind.CHUNK
    messages: MessageFilter | None = None


@dataclass
class _Part:
    """The eligible rows of one dataset, and its candidates by vector."""

    dataset_id: str
    snapshot: DatasetSnapshot
    rows: npt.NDArray[np.intp]  # positions in the snapshot
    term_places: list[npt.NDArray[np.intp]]  # per term: the indices into ``rows`` of those containing it, sorted
    nearest: npt.NDArray[np.intp]  # indices into ``rows``: the best by vector (all of them when exact)
    nearest_similarity: npt.NDArray[np.float32]
    similarity: npt.NDArray[np.float32] | None  # of every row, when the vectors were scanned exactly

    def similarity_of(
        self, local: npt.NDArray[np.intp], query: npt.NDArray[np.float32] | None
    ) -> npt.NDArray[np.float32]:
        """The cosine of the rows at ``local`` (zero without a query or a vector of its size)."""
        import numpy as np

        if self.similarity is not None:
            return self.similarity[local]
        if query is None or self.snapshot.dimension != query.size:
            return np.zeros(local.size, dtype=np.float32)
        # The vector candidates' cosines are known; only the others' rows are read (a gather from
        # the whole matrix, slow for being scattered).
        order = np.argsort(self.nearest)
        known_rows, known_similarity = self.nearest[order], self.nearest_similarity[order]
        at = np.minimum(np.searchsorted(known_rows, local), max(known_rows.size - 1, 0))
        known = known_rows[at] == local if known_rows.size else np.zeros(local.size, dtype=bool)
        found = np.empty(local.size, dtype=np.float32)
        found[known] = known_similarity[at[known]]
        rest = local[~known]
        found[~known] = self.snapshot.vectors[self.rows[rest]] @ query
        return found

    def hits(self, local: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
        """Which terms each of the rows at ``local`` (sorted) contains."""
        import numpy as np

        found = np.zeros((local.size, len(self.term_places)), dtype=bool)
        for column, places in enumerate(self.term_places):
            if places.size:
                at = np.minimum(np.searchsorted(places, local), places.size - 1)
                found[:, column] = places[at] == local
        return found


def _top(scores: npt.NDArray[np.float32], count: int, *, positive: bool) -> npt.NDArray[np.intp]:
    import numpy as np

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
    top_k: int,
) -> _Part | None:
    """The eligible rows of one dataset; ``term_rows[j]`` are its rows containing term ``j``."""
    import numpy as np

    eligible = eligible_rows(snapshot, scope.document_ids, scope.kind, scope.messages)
    rows = np.flatnonzero(eligible)
    if not rows.size:
        return None
    every = rows.size == snapshot.size
    place: npt.NDArray[np.int64] | None = None
    term_places = []
    for containing in term_rows:
        kept = containing[eligible[containing]]
        if every:
            term_places.append(kept.astype(np.intp))
            continue
        if place is None:
            place = np.full(snapshot.size, -1, dtype=np.int64)
            place[rows] = np.arange(rows.size)
        term_places.append(place[kept].astype(np.intp))
    with_vector = np.flatnonzero(snapshot.has_vector[rows])
    empty = np.zeros(0, dtype=np.intp)
    if query is None:
        return _Part(dataset_id, snapshot, rows, term_places, empty, np.zeros(0, dtype=np.float32), None)
    if snapshot.dimension == query.size and with_vector.size >= APPROXIMATE_FROM:
        snapshot.vector_lists.build_from(snapshot.vectors)
        found = snapshot.vector_lists.nearest(snapshot.vectors, eligible & snapshot.has_vector, query, top_k)
        if found is not None:
            local = np.searchsorted(rows, found.positions)
            return _Part(dataset_id, snapshot, rows, term_places, local, found.similarity, None)
    if snapshot.dimension == query.size:
        similarity = (snapshot.vectors @ query)[rows].astype(np.float32)
    else:
        similarity = np.zeros(rows.size, dtype=np.float32)
    nearest = with_vector[_top(similarity[with_vector], top_k, positive=False)]
    return _Part(dataset_id, snapshot, rows, term_places, nearest, similarity[nearest], similarity)


def match_snapshots(
    connection: sqlite3.Connection,
    snapshot_of: Callable[[str], DatasetSnapshot],
    dataset_ids: Collection[str],
    terms: Sequence[str],
    vector: npt.NDArray[np.float32] | None,
    scope: MatchScope,
    *,
    top_k: int = 1024,
    counts: bool = False,
) -> Matches:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.match` (call inside one read
    transaction on ``connection``; ``snapshot_of`` gives a dataset's up-to-date snapshot in it)."""
    import numpy as np

    if not dataset_ids or top_k <= 0:
        return Matches.empty(len(terms))
    query = unit_vector(vector)
    snapshots = {dataset_id: snapshot_of(dataset_id) for dataset_id in dict.fromkeys(dataset_ids)}
    by_term = [postings(connection, list(snapshots.values()), term) for term in terms]
    parts: list[_Part] = []
    for number, (dataset_id, snapshot) in enumerate(snapshots.items()):
        term_rows = [containing[number] for containing in by_term]
        part = _part(dataset_id, snapshot, term_rows, query, scope, top_k)
        if part is not None:
            parts.append(part)
    if not parts:
        return Matches.empty(len(terms))
    starts = np.cumsum([0] + [part.rows.size for part in parts])
    eligible = int(starts[-1])
    frequency = np.array(
        [sum(part.term_places[column].size for part in parts) for column in range(len(terms))], dtype=np.int64
    )
    weights = term_weights(eligible, frequency)
    text_relevance = np.zeros(eligible, dtype=np.float64)
    for start, part in zip(starts, parts, strict=False):
        for column, places in enumerate(part.term_places):
            text_relevance[start + places] += weights[column]
    by_text = _top(text_relevance.astype(np.float32), top_k, positive=True)
    if query is not None:
        nearest = np.concatenate([start + part.nearest for start, part in zip(starts, parts, strict=False)])
        similarity = np.concatenate([part.nearest_similarity for part in parts])
        by_vector = nearest[_top(similarity, top_k, positive=False)]
    else:
        by_vector = np.zeros(0, dtype=np.intp)
    chosen = np.union1d(by_vector, by_text)
    matches = Matches.empty(len(terms))
    found_similarity, found_hits, found_rowids = [], [], []
    for number, part in enumerate(parts):
        local = chosen[(chosen >= starts[number]) & (chosen < starts[number + 1])] - starts[number]
        positions = part.rows[local]
        found_rowids.append(part.snapshot.rowids[positions])
        found_similarity.append(part.similarity_of(local, query))
        found_hits.append(part.hits(local))
        matches.chunk_ids.extend(part.snapshot.ids[positions].tolist())
        matches.document_ids.extend(part.snapshot.document_ids[positions].tolist())
        matches.parent_ids.extend(part.snapshot.parent_ids[positions].tolist())
        matches.dataset_ids.extend([part.dataset_id] * positions.size)
    matches.vector_similarity = np.concatenate(found_similarity).astype(np.float32)
    matches.term_hits = np.vstack(found_hits)
    matches.document_frequency = frequency
    matches.eligible = eligible
    if counts:
        rowids = np.concatenate(found_rowids)
        matches.term_counts, matches.lengths = term_counts(
            matches.term_hits, lambda rows: _counted_columns(connection, rowids[rows]), terms
        )
    return matches


def _counted_columns(connection: sqlite3.Connection, rowids: npt.NDArray[np.int64]) -> list[tuple[str, ...]]:
    """The :data:`~ragloom.storage.index.candidates.COUNTED_COLUMNS` of the rows ``rowids``, in that order."""
    found = {
        row[0]: tuple(row[1:])
        for row in connection.execute(
            f"SELECT rowid, {', '.join(COUNTED_COLUMNS)} FROM chunk WHERE rowid IN (SELECT value FROM json_each(?))",
            (json.dumps(rowids.tolist()),),
        )
    }
    return [found[rowid] for rowid in rowids.tolist()]

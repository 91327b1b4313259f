"""How common each query term is, and the ``top_k`` records by text, for ``match`` on the PostgreSQL index.

**How common** (:func:`frequencies`). A query without a document or message filter reads each word's
count from ``index_term_count`` (kept by triggers on every write, see
:mod:`~ragloom.storage.index.postgresql_schema`): one index lookup per word, however many records
contain it. A phrase (a term of several words) is counted over the records that contain all its
words (the GIN index intersects their postings; positions are checked on those), unless one of its
words is in no record. With a filter every term is counted over the matching records.

**Candidates by text** (:func:`best_by_text`) are the ``top_k`` records with the highest sum of the
weights of the terms they contain (:func:`~ragloom.storage.index.candidates.term_weights`). Scoring
every record that contains any term reads a large share of the index for a common word (a query of ten
words touched 40% of 100,000 chunks). The weights are known before any record is read, so this takes
them in the manner of MaxScore: terms from the heaviest (rarest) down; the *essential* ones are the
heaviest few whose postings together hold at least ``top_k`` records, and only records containing one
of them are read and scored (on every term). A record containing none of them scores at most the sum
of the other terms' weights; when the ``top_k``-th score found reaches that sum no such record can
do better (at most tie), and the answer is final. Otherwise that score bounds the answer from below,
so a second round makes essential every term down to where the remaining weights sum to no more than
it — which again cannot be beaten (a round that finds fewer than ``top_k`` records widens by postings
instead). Each round is one statement reading only the records of its newly essential terms that
contain none of the earlier ones; the common words, whose postings are long, are usually never read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ragloom.storage.index.candidates import term_weights
from ragloom.storage.index.postgresql_connections import Connection
from ragloom.storage.index.postgresql_text import any_query, phrase_query
from ragloom.storage.index.words import words

FIRST_POSTINGS = 8
"""The first round reads the heaviest terms whose postings add up to this many times ``top_k`` (on SciFact
questions over 100,000 chunks: a third of the records containing any term, and a second round in half
the queries; one ``top_k`` of postings left the ``top_k``-th score so low that the second round read
almost all)."""


def _count_rows(connection: Connection, where: str, parameters: list[object], queries: Sequence[str]) -> list[int]:
    """How many records passing ``where`` match each of the tsquery texts ``queries`` (one scan)."""
    wanted = any_query(queries)
    if wanted is None:
        return []
    row = connection.execute(
        f"SELECT {', '.join('count(*) FILTER (WHERE words @@ %s::tsquery)' for _ in queries)} "
        f"FROM index_record WHERE {where} AND words @@ %s::tsquery",
        [*queries, *parameters, wanted],
    ).fetchone()
    return [int(count) for count in row or ()]


def frequencies(
    connection: Connection,
    where: str,
    parameters: list[object],
    terms: Sequence[str],
    counted: tuple[Sequence[str], str] | None,
) -> npt.NDArray[np.int64]:
    """How many records passing ``where`` contain each of ``terms``; ``counted`` (datasets and kind) when
    ``where`` keeps exactly the available records of that kind in those datasets, so that the word
    counts can be read instead of counted."""
    frequency = np.zeros(len(terms), dtype=np.int64)
    split = [words(term) for term in terms]
    if counted is None:
        present = [number for number, found in enumerate(split) if found]
        queries = list(dict.fromkeys(phrase_query(terms[number]) or "" for number in present))
        counts = dict(zip(queries, _count_rows(connection, where, parameters, queries), strict=True))
        for number in present:
            frequency[number] = counts[phrase_query(terms[number]) or ""]
        return frequency
    datasets, kind = counted
    vocabulary = sorted({word for found in split for word in found})
    rows = connection.execute(
        "SELECT term, sum(records) FROM index_term_count WHERE dataset_id = ANY(%s) AND kind = %s "
        "AND term = ANY(%s) GROUP BY term",
        (list(datasets), kind, vocabulary),
    ).fetchall()
    known = {term: int(count) for term, count in rows}
    phrases: dict[str, list[int]] = {}
    for number, found in enumerate(split):
        if len(found) == 1:
            frequency[number] = known.get(found[0], 0)
        elif found and all(known.get(word, 0) > 0 for word in found):
            phrases.setdefault(phrase_query(terms[number]) or "", []).append(number)
    if phrases:
        for query, count in zip(phrases, _count_rows(connection, where, parameters, list(phrases)), strict=True):
            frequency[phrases[query]] = count
    return frequency


def best_by_text(
    connection: Connection,
    where: str,
    parameters: list[object],
    terms: Sequence[str],
    frequency: npt.NDArray[np.int64],
    eligible: int,
    top_k: int,
) -> list[int]:
    """The rowids of the ``top_k`` records passing ``where`` with the highest sum of the weights of the
    terms they contain (ties at the boundary: any), given each term's ``frequency`` among ``eligible``."""
    queries = [phrase_query(term) for term in terms]
    weights = term_weights(eligible, frequency)
    found = [number for number, query in enumerate(queries) if query is not None and frequency[number] > 0]
    if not found:
        return []
    heaviest = sorted(found, key=lambda number: (-weights[number], number))
    rest = np.concatenate([np.cumsum(weights[heaviest][::-1])[::-1], [0.0]])  # rest[m]: the weights of heaviest[m:]
    relevance = " + ".join("CASE WHEN words @@ %s::tsquery THEN %s ELSE 0 END" for _ in found)
    weighted = [value for number in found for value in (queries[number], float(weights[number]))]

    def scored(first: int, last: int) -> list[tuple[float, int]]:
        """The ``top_k`` best of the records containing one of ``heaviest[first:last]`` and none before."""
        wanted = any_query([queries[number] for number in heaviest[first:last]])
        seen = any_query([queries[number] for number in heaviest[:first]])
        rows = connection.execute(
            f"SELECT rowid, {relevance} AS relevance FROM index_record WHERE {where} AND words @@ %s::tsquery "
            f"{'AND NOT words @@ %s::tsquery ' if seen else ''}ORDER BY relevance DESC, rowid LIMIT %s",
            [*weighted, *parameters, wanted, *([seen] if seen else []), top_k],
        ).fetchall()
        return [(float(score), int(rowid)) for rowid, score in rows]

    postings = np.cumsum(frequency[heaviest])
    target = FIRST_POSTINGS * top_k
    read, essential = 0, min(int(np.searchsorted(postings, target)) + 1, len(heaviest))
    best: list[tuple[float, int]] = []
    while True:
        best = sorted([*best, *scored(read, essential)], key=lambda row: (-row[0], row[1]))[:top_k]
        read = essential
        if essential == len(heaviest):
            break
        if len(best) >= top_k:
            floor = best[-1][0]
            if floor >= rest[essential]:
                break  # no record outside can score more
            essential = int(np.argmax(rest <= floor))  # where none can
        else:  # fewer than top_k: every record found is in, and more are needed
            target *= FIRST_POSTINGS
            essential = max(essential + 1, min(int(np.searchsorted(postings, target)) + 1, len(heaviest)))
    return [rowid for _score, rowid in best]

"""Full-text search of the PostgreSQL index over the stored terms, matching as the SQLite index does.

Each record's five term columns are split into words by :func:`~ragloom.storage.index.words.words`
(FTS5's ``unicode61`` rules) and stored as one ``tsvector`` built here, never by a text-search
configuration (no parser, no stemming: the terms are analysed already). The columns follow one
another in :data:`~ragloom.storage.index.rows.TERM_COLUMNS` order with one empty position between
them, so a phrase never spans two columns; ``word_counts`` keeps each column's number of words. A
term is a ``tsquery`` phrase of its words (``'machin' <-> 'learn'``), so "contains the term" means
what FTS5's ``"machin learn"`` means. ``tsvector`` keeps at most 256 positions of one word and none
past 16,383: phrases are matched and counted on those (a record's word counts stay exact).

:func:`rank` scores as FTS5's ``bm25()`` with :data:`~ragloom.storage.index.rows.TERM_WEIGHTS`: the
same statistics (over the whole index, as FTS5 keeps them: rows, words, rows containing each
phrase), the same formula, so ``search_text`` orders hits as the embedded index does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ragloom.storage.index.rows import TERM_WEIGHTS
from ragloom.storage.index.words import words

MAX_POSITION = 16_383  # PostgreSQL's last tsvector position
MAX_POSITIONS = 256  # positions tsvector keeps per word
MAX_WORD_BYTES = 2_046  # the longest word tsvector accepts
_K1 = 1.2  # FTS5's bm25 constants
_B = 0.75


def _quoted(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def word_vector(columns: Sequence[str]) -> tuple[str, list[int]]:
    """The ``tsvector`` text of the term columns (in ``TERM_COLUMNS`` order) and each one's word count."""
    positions: dict[str, list[int]] = {}
    counts: list[int] = []
    start = 1
    for text in columns:
        found = words(text)
        counts.append(len(found))
        for offset, word in enumerate(found):
            position = start + offset
            if position > MAX_POSITION:
                break
            kept = positions.setdefault(word, [])
            if len(kept) < MAX_POSITIONS:
                kept.append(position)
        start += len(found) + 1
    entries = (
        f"{_quoted(word)}:{','.join(map(str, places))}"
        for word, places in positions.items()
        if len(word.encode()) <= MAX_WORD_BYTES
    )
    return " ".join(entries), counts


def phrase_query(term: str) -> str | None:
    """The ``tsquery`` text of ``term`` as a phrase of its words; ``None`` when it has none (it matches nothing)."""
    found = words(term)
    return " <-> ".join(_quoted(word) for word in found) if found else None


def any_query(queries: Sequence[str | None]) -> str | None:
    """A ``tsquery`` matching any of the phrase queries; ``None`` when there is none."""
    present = [f"({query})" for query in dict.fromkeys(queries) if query is not None]
    return " | ".join(present) if present else None


@dataclass(frozen=True)
class IndexStatistics:
    """What FTS5 knows of the whole index: its rows, their words, and how many rows contain each phrase."""

    rows: int
    words: int
    containing: Sequence[int]


def _instances(phrase: Sequence[str], places: Mapping[str, Sequence[int]]) -> list[int]:
    """Positions where ``phrase`` starts (each of its words at the following positions)."""
    if not phrase or any(word not in places for word in phrase):
        return []
    later = [set(places[word]) for word in phrase[1:]]
    return [start for start in places[phrase[0]] if all(start + step + 1 in found for step, found in enumerate(later))]


def rank(
    phrases: Sequence[Sequence[str]],
    places: Mapping[str, Sequence[int]],
    word_counts: Sequence[int],
    statistics: IndexStatistics,
) -> float:
    """FTS5's ``bm25()`` of one row (positive, higher is better): ``places`` holds the row's positions
    of the query's words, ``word_counts`` its columns' word counts."""
    bounds = []
    start = 1
    for count in word_counts:
        bounds.append((start, start + count - 1))
        start += count + 1
    average = statistics.words / statistics.rows if statistics.rows else 0.0
    length = float(sum(word_counts))
    score = 0.0
    for phrase, containing in zip(phrases, statistics.containing, strict=True):
        frequency = 0.0
        for position in _instances(phrase, places):
            column = next((number for number, (low, high) in enumerate(bounds) if low <= position <= high), None)
            if column is not None:
                frequency += TERM_WEIGHTS[column]
        idf = math.log((statistics.rows - containing + 0.5) / (containing + 0.5))
        idf = idf if idf > 0 else 1e-6
        if average > 0:
            # Associated as FTS5 writes it, so the sums agree to the last bit.
            score += idf * ((frequency * (_K1 + 1.0)) / (frequency + _K1 * (1 - _B + _B * length / average)))
    return score

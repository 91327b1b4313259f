"""What every backend's ``match`` computes the same way: the unit query vector, and how much each
query term counts when the backend picks its ``top_k`` candidates by text.

Candidates by text are the eligible records with the highest sum of the weights of the terms they
contain, each term weighted by its IDF among the eligible records; the scorer in ``ragloom.rag``
ranks them afterwards, so these weights only decide who is a candidate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt

from ragloom.storage.index.words import words

COUNTED_COLUMNS = ("content_terms", "title_terms", "important_terms", "question_terms")
"""The stored term columns whose occurrences :func:`term_counts` counts (the first one's words are
the record's length); the fine-grained content terms repeat the content and are left out."""


def unit_vector(vector: npt.NDArray[np.float32] | None) -> npt.NDArray[np.float32] | None:
    """``vector`` flattened and scaled to unit length; ``None`` for none or a zero vector."""
    import numpy as np

    if vector is None:
        return None
    query = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(query))
    return query / norm if norm > 0 else None


def term_weights(eligible: int, frequency: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Each term's weight for choosing candidates: ``log(1 + (N - n + 0.5) / (n + 0.5))`` for ``N``
    eligible records of which ``n`` contain it (always positive)."""
    import numpy as np

    weights: npt.NDArray[np.float64] = np.log1p((eligible - frequency + 0.5) / (frequency + 0.5))
    return weights


def term_counts(
    hits: npt.NDArray[np.bool_],
    read: Callable[[npt.NDArray[np.intp]], Sequence[Sequence[str]]],
    terms: Sequence[str],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """How often each candidate holds each term and how long its content is (see
    :class:`~ragloom.storage.index.records.Matches`), for candidates ``hits`` says hold some term:
    ``read(rows)`` gives those rows' :data:`COUNTED_COLUMNS` texts. A term of several words counts
    where its words stand side by side within one column; the length is the number of words of the
    content terms. Candidates holding no term count zeros everywhere (their length is never used:
    they score no term), and so does a term a candidate does not hold: the full-text index that
    ``hits`` come from splits the same words (:mod:`ragloom.storage.index.words`), so only the terms
    it found are counted."""
    import numpy as np

    counts = np.zeros(hits.shape, dtype=np.int32)
    lengths = np.zeros(hits.shape[0], dtype=np.int32)
    rows = np.flatnonzero(hits.any(axis=1)) if hits.size else np.zeros(0, dtype=np.intp)
    if not rows.size:
        return counts, lengths
    wanted = [words(term) for term in terms]
    phrases = [f" {' '.join(sequence)} " for sequence in wanted]
    for row, columns in zip(rows.tolist(), read(rows), strict=True):
        split = [words(text) for text in columns]
        lengths[row] = len(split[0])
        single: Counter[str] | None = None
        joined: list[str] | None = None
        for place in np.flatnonzero(hits[row]).tolist():
            sequence = wanted[place]
            if len(sequence) == 1:
                if single is None:
                    single = Counter(chain.from_iterable(split))
                counts[row, place] = single[sequence[0]]
            elif sequence:
                if joined is None:
                    joined = [f" {' '.join(column)} " for column in split]
                counts[row, place] = sum(_occurrences(text, phrases[place]) for text in joined)
    return counts, lengths


def _occurrences(text: str, needle: str) -> int:
    """How often ``needle`` (words between single spaces) stands in ``text``, overlaps included
    (" a a " holds " a a " twice in " a a a ")."""
    found, start = 0, text.find(needle)
    while start >= 0:
        found += 1
        start = text.find(needle, start + 1)
    return found

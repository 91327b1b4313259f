"""Table-of-contents re-ranking (retrieval's ``toc_enhance``), the same on every backend.

RAGFlow reads the table of contents of the documents its best hits come from, picks the headings
relevant to the question, and raises the chunks of those sections. ragloom picks the headings
without a model call: a heading is relevant by the weighted share of the question's words its
title holds, and every candidate chunk of its section gains ``TOC_WEIGHT`` times that share (the
best share when sections nest). A question that names a section thus lifts all of the section's
chunks, also those that never repeat the heading's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt


TOC_WEIGHT = 0.2
"""The most a heading adds to its chunks' similarity (when it holds every word of the question)."""
TOC_DOCUMENTS = 3
"""How many documents (those with the most of the best hits) have their contents read."""
TOC_WINDOW = 32
"""How many of the best hits choose those documents."""


def toc_documents(ranked_documents: Sequence[str]) -> list[str]:
    """The documents whose contents are read: the most frequent among the best hits (``ranked_documents``
    in rank order), ties by rank."""
    window = list(ranked_documents[:TOC_WINDOW])
    return sorted(dict.fromkeys(window), key=lambda document: (-window.count(document), window.index(document)))[
        :TOC_DOCUMENTS
    ]


def section_shares(
    question: Mapping[str, float], headings: Iterable[tuple[Sequence[str], Sequence[str]]]
) -> dict[str, float]:
    """Per chunk id, the best share of the question's weight held by a heading whose section holds it.

    ``question`` maps each question word to its weight; ``headings`` are (title words, chunk ids).
    """
    total = sum(question.values())
    shares: dict[str, float] = {}
    if total <= 0:
        return shares
    for title_words, chunk_ids in headings:
        share = sum(weight for word, weight in question.items() if word in set(title_words)) / total
        if share <= 0:
            continue
        for chunk_id in chunk_ids:
            shares[chunk_id] = max(shares.get(chunk_id, 0.0), share)
    return shares


def toc_boosts(keys: Sequence[tuple[str, str]], shares: Mapping[str, float]) -> npt.NDArray[np.float64]:
    """What each candidate (``(dataset id, chunk id)``) gains."""
    import numpy as np

    return np.array([TOC_WEIGHT * shares.get(chunk_id, 0.0) for _dataset, chunk_id in keys], dtype=np.float64)

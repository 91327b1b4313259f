"""Term counts of candidates (``ragloom.storage.index.candidates.term_counts``), which the ``bm25``
scoring modes rank by, against counting every window of every column by hand."""

from __future__ import annotations

import random

import numpy as np

from ragloom.storage.index.candidates import term_counts
from ragloom.storage.index.words import words

VOCABULARY = ["alpha", "beta", "gamma", "delta", "u.s.", "e-mail", "Ünïcödé"]
TERMS = ["alpha", "beta", "gamma delta", "alpha alpha", "u s", "e mail", "ünïcödé", "zeta", "alpha beta alpha"]


def windows_count(columns: list[str], term: str) -> int:
    """How often ``term``'s words stand side by side within one column, every window looked at."""
    wanted = words(term)
    found = 0
    for text in columns:
        column = words(text)
        found += sum(column[start : start + len(wanted)] == wanted for start in range(len(column) - len(wanted) + 1))
    return found


def test_counts_and_lengths_match_counting_every_window() -> None:
    chooser = random.Random(7)
    rows = [
        [" ".join(chooser.choices(VOCABULARY, k=chooser.randint(0, 12))) for _column in range(4)] for _row in range(300)
    ]
    # as the full-text index reports them: which terms each row holds in some column
    hits = np.array([[windows_count(columns, term) > 0 for term in TERMS] for columns in rows], dtype=bool)

    counts, lengths = term_counts(hits, lambda chosen: [rows[row] for row in chosen.tolist()], TERMS)

    expected = [[windows_count(columns, term) for term in TERMS] for columns in rows]
    assert counts.tolist() == expected
    assert lengths.tolist() == [
        len(words(columns[0])) if any(row) else 0 for columns, row in zip(rows, hits, strict=True)
    ]
    assert counts[:, TERMS.index("alpha alpha")].max() >= 2  # overlapping pairs counted
    assert counts[:, TERMS.index("zeta")].max() == 0


def test_only_rows_holding_a_term_are_read() -> None:
    rows = {0: ["alpha beta", "", "", ""], 2: ["beta beta", "beta", "", ""]}
    hits = np.array([[True, True], [False, False], [False, True]])
    read: list[list[int]] = []

    def reader(chosen: np.ndarray) -> list[list[str]]:
        read.append(chosen.tolist())
        return [rows[row] for row in chosen.tolist()]

    counts, lengths = term_counts(hits, reader, ["alpha", "beta"])
    assert read == [[0, 2]]
    assert counts.tolist() == [[1, 1], [0, 0], [0, 3]]
    assert lengths.tolist() == [2, 0, 2]

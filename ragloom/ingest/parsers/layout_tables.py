"""Finding simple tables among the rows of a page by how their words line up.

A table here is at least three consecutive rows, each cut into cells by gaps wider than
:data:`CELL_GAP` font sizes, whose cells fall into the same two or more columns (a column
is the union of the cells' horizontal extents, so left-, right- and centre-aligned columns
all work). Runs whose cells read like running text are not tables: many words per cell,
or every column mostly phrases of three or more words, as two columns of prose would be.
Rows with a single cell are accepted inside a table (an empty cell elsewhere) but never at
its end. Ruled lines are not looked at, so cells that span columns or wrap onto several
lines come out split or merged.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from ragloom.ingest.model import Table
from ragloom.ingest.parsers.layout import Line, Region, Word, join_words, split_row

CELL_GAP = 0.75  # a gap wider than this many font sizes separates two cells
_MIN_ROWS = 3
_MAX_WORDS_PER_CELL = 5  # a median above this reads like prose, not a table
_PHRASE_WORDS = 3  # a cell of this many words or more reads like a phrase
_PROSE_SHARE = 0.7  # ... and a column whose cells are this often phrases like running text
_ROW_GAP = 1.5  # rows of one table are at most this many row heights apart


@dataclass
class _Run:
    """Rows being grown into a table, with the columns their cells define."""

    rows: list[list[list[Word]]] = field(default_factory=list)  # row -> cells -> words
    columns: list[list[float]] = field(default_factory=list)  # [x0, x1] per column, left to right

    def fits(self, cells: Sequence[Sequence[Word]]) -> bool:
        """Whether every cell falls into at most one column, and no column gets two cells."""
        used: set[int] = set()
        for cell in cells:
            hits = [index for index, (x0, x1) in enumerate(self.columns) if cell[0].x0 < x1 and cell[-1].x1 > x0]
            if len(hits) > 1 or (hits and hits[0] in used):
                return False
            used.update(hits)
        return True

    def add(self, cells: list[list[Word]]) -> None:
        for cell in cells:
            x0, x1 = cell[0].x0, cell[-1].x1
            for column in self.columns:
                if x0 < column[1] and x1 > column[0]:
                    column[0], column[1] = min(column[0], x0), max(column[1], x1)
                    break
            else:
                self.columns.append([x0, x1])
        self.columns.sort()
        self.rows.append(cells)

    def is_table(self) -> bool:
        if len(self.rows) < _MIN_ROWS or len(self.columns) < 2:
            return False
        if sum(1 for cells in self.rows if len(cells) >= 2) * 3 < len(self.rows) * 2:
            return False
        words_per_cell = [len(cell) for cells in self.rows for cell in cells]
        return statistics.median(words_per_cell) <= _MAX_WORDS_PER_CELL and not self._columns_of_prose()

    def _columns_of_prose(self) -> bool:
        """Whether every column is mostly phrases of several words, as columns of running text are
        (a real table has at least one column of names, numbers or codes)."""
        phrases = [0] * len(self.columns)
        cells = [0] * len(self.columns)
        for row in self.rows:
            for cell in row:
                index = self._column_of(cell)
                cells[index] += 1
                phrases[index] += len(cell) >= _PHRASE_WORDS
        return all(phrase >= _PROSE_SHARE * count for phrase, count in zip(phrases, cells, strict=True))

    def _column_of(self, cell: Sequence[Word]) -> int:
        return next(i for i, (x0, x1) in enumerate(self.columns) if cell[0].x0 < x1 and cell[-1].x1 > x0)

    def to_region(self) -> Region:
        grid: list[list[str]] = []
        for cells in self.rows:
            row = [""] * len(self.columns)
            for cell in cells:
                row[self._column_of(cell)] = join_words(word.text for word in cell)
            grid.append(row)
        lines = [Line([word for cell in cells for word in cell]) for cells in self.rows]
        return Region(lines, Table(rows=grid[1:], header=grid[0]))


def find_tables(rows: Sequence[Sequence[Word]]) -> tuple[list[Region], list[Sequence[Word]]]:
    """The tables among ``rows`` (top to bottom), and the rows that are not part of one."""
    tables: list[Region] = []
    rest: list[Sequence[Word]] = []
    split = [split_row(row, CELL_GAP) for row in rows]
    index = 0
    while index < len(rows):
        run = _grow(rows, split, index)
        if run is not None and run.is_table():
            tables.append(run.to_region())
            index += len(run.rows)
        elif run is not None and len(run.rows) >= _MIN_ROWS:
            # Aligned rows that are not a table (columns of prose): their later rows would only
            # start shorter runs of the same kind, so the whole run is passed over at once.
            rest.extend(rows[index : index + len(run.rows)])
            index += len(run.rows)
        else:
            rest.append(rows[index])
            index += 1
    return tables, rest


def _grow(rows: Sequence[Sequence[Word]], split: Sequence[list[list[Word]]], start: int) -> _Run | None:
    """The longest run of aligned rows starting at ``start`` (which needs two cells)."""
    if len(split[start]) < 2:
        return None
    run = _Run()
    run.add(split[start])
    for index in range(start + 1, len(rows)):
        above, row = rows[index - 1], rows[index]
        top = min(word.top for word in row)
        gap = top - max(word.bottom for word in above)
        if gap > _ROW_GAP * (max(word.bottom for word in row) - top) or not run.fits(split[index]):
            break
        run.add(split[index])
    kept = run.rows
    while len(kept[-1]) < 2:
        kept.pop()
    # Trailing single cells may have opened columns of their own: rebuild from the rows kept.
    final = _Run()
    for cells in kept:
        final.add(cells)
    return final

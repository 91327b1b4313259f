"""Rows of cells from spreadsheets, CSV and delimited text, for the row-per-chunk methods.

Spreadsheet and CSV parsers give one TABLE block per sheet (``header`` = the first row);
plain text comes as lines. ``qa``, ``table`` and ``tag`` read both the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table

SPREADSHEET_FORMATS = frozenset({"xlsx", "xls", "csv", "tsv"})
DELIMITED_TEXT_FORMATS = frozenset({"txt", "csv", "tsv"})


def tables_of(document: ParsedDocument) -> list[Table]:
    """The tables of the document's TABLE blocks, in order."""
    return [block.table for block in document.blocks if block.kind is BlockKind.TABLE and block.table is not None]


def table_rows(table: Table) -> list[list[str]]:
    """All rows of ``table``, its header first (a header may be data the parser took for one)."""
    rows = [list(table.header)] if table.header else []
    rows.extend(list(row) for row in table.rows)
    return rows


def text_lines(blocks: Iterable[Block]) -> list[str]:
    """The non-table blocks' text, one entry per non-blank line."""
    lines: list[str] = []
    for block in blocks:
        if block.kind is not BlockKind.TABLE:
            lines.extend(line for line in block.text.split("\n") if line.strip())
    return lines


def line_delimiter(lines: Iterable[str]) -> str:
    """TAB if any line holds one, else a comma: one delimiter for the whole file."""
    return "\t" if any("\t" in line for line in lines) else ","


def split_delimited(text: str, delimiter: str, *, strip: bool = True) -> list[list[str]]:
    """Delimited text as rows of cells, stripped unless asked not to (CSV quoting understood; blank rows dropped)."""
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    rows = [[cell.strip() for cell in row] if strip else row for row in reader]
    return [row for row in rows if any(cell.strip() for cell in row)]


def cell(row: list[str], index: int) -> str:
    """The stripped cell at ``index``, or ``""`` past the row's end."""
    return row[index].strip() if index < len(row) else ""


def is_header(row: list[str], first_names: frozenset[str], second_names: frozenset[str]) -> bool:
    """Whether ``row``'s first two cells name the columns (compared case-insensitively)."""
    return cell(row, 0).lower() in first_names and cell(row, 1).lower() in second_names

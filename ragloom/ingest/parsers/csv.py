"""CSV: one table, its first row the header.

The delimiter is chosen among comma, semicolon, tab and pipe by reading the first lines
with each and keeping the one that splits them into the most consistent number (two or
more) of fields; quoting follows the usual CSV rules. Blank rows are dropped and short
rows padded, so every row has as many cells as the widest.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table
from ragloom.ingest.source import SourceFile
from ragloom.ingest.text_decoding import decode_text

DELIMITERS = ",;\t|"
_SNIFF_LINES = 50
_PROGRESS_EVERY = 10000


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """A single TABLE block holding every row (empty document if the file has no cells)."""
    text = decode_text(source)
    delimiter = sniff_delimiter(text)
    context.progress(0.2, f"Decoded; fields are separated by {delimiter!r}.")
    rows: list[list[str]] = []
    total_lines = text.count("\n") + 1
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append([cell.strip() for cell in row])
            if reader.line_num % _PROGRESS_EVERY == 0:
                context.progress(0.2 + 0.7 * min(reader.line_num / total_lines, 1.0), f"{len(rows)} rows read.")
    except csv.Error as error:
        raise IngestError(f"{source.name} line {reader.line_num} cannot be read as CSV: {error}") from None
    document = ParsedDocument(name=source.name, source_format=source.extension)
    if rows:
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        table = Table(rows=rows[1:], header=rows[0])
        document.blocks.append(Block(BlockKind.TABLE, table.to_text(), table=table))
    context.progress(1.0, f"{len(rows)} rows read.")
    return document


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently (comma if none does)."""
    sample = "\n".join(text.split("\n", _SNIFF_LINES)[:_SNIFF_LINES])
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        fields, frequency = Counter(counts).most_common(1)[0]
        score = (frequency / len(counts), fields)
        if fields >= 2 and score > best_score:
            best, best_score = delimiter, score
    return best

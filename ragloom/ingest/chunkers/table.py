"""``table``: one chunk per data row of a spreadsheet, CSV or delimited text.

The first row names the fields (for text, the first line, cut at TABs when it holds one,
else at commas). Each later row becomes a chunk whose content is one ``field: value``
line per non-empty cell and whose ``fields`` map each field to its value, typed by its
column: a column whose every value reads as an integer holds ``int``, as a number
``float``, as a date an ISO date string (``"2024-03-01"``, or with the time when there is
one), anything else text. A document with no data row is an :class:`IngestError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.rows import (
    SPREADSHEET_FORMATS,
    split_delimited,
    table_rows,
    tables_of,
    text_lines,
)
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import ChunkDraft, ParsedDocument

ACCEPTED_FORMATS = SPREADSHEET_FORMATS | {"txt"}
_INT64 = 2**63 - 1
_INTEGER = re.compile(r"^[+-]?(?:0|[1-9]\d*|[1-9]\d{0,2}(?:,\d{3})+)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")

Converter = Callable[[str], Any]


def as_int(text: str) -> int | None:
    """``text`` as a 64-bit integer (``"1,234"`` included), or ``None``."""
    if not _INTEGER.match(text) or (len(text) > 1 and text.lstrip("+-").startswith("0")):
        return None  # leading zeros (postcodes, ids) are text
    value = int(text.replace(",", ""))
    return value if -_INT64 <= value <= _INT64 else None


def as_float(text: str) -> float | None:
    """``text`` as a number, or ``None`` (digit strings too long for an integer stay text)."""
    if not _NUMBER.match(text):
        return None
    if text.lstrip("+-").isdigit() and as_int(text) is None:
        return None
    return float(text)


def as_date(text: str) -> str | None:
    """``text`` as an ISO date (``2024-03-01``) or date-time, or ``None``."""
    match = _DATE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    if moment.time() == datetime.min.time():
        return date(year, month, day).isoformat()
    return moment.isoformat()


def column_converter(values: list[str]) -> Converter:
    """The narrowest type every non-empty value of a column reads as (text when nothing fits)."""
    present = [value for value in values if value]
    for converter in (as_int, as_float, as_date):
        if present and all(converter(value) is not None for value in present):
            return converter
    return str


def field_names(header: list[str], width: int) -> list[str]:
    """Header cells as field names: blanks become ``column N``, repeats get `` (2)``, `` (3)``..."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index in range(max(len(header), width)):
        name = " ".join(header[index].split()) if index < len(header) else ""
        name = name or f"column {index + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def row_drafts(header: list[str], rows: list[list[str]]) -> list[ChunkDraft]:
    """One chunk per row that has any non-empty cell."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    width = max((len(row) for row in rows), default=0)
    names = field_names(header, width)
    converters = [column_converter([row[index].strip() for row in rows if index < len(row)]) for index in range(width)]
    drafts: list[ChunkDraft] = []
    for row in rows:
        lines: list[str] = []
        fields: dict[str, Any] = {}
        for index, raw in enumerate(row):
            value = raw.strip()
            if value:
                lines.append(f"{names[index]}: {value}")
                fields[names[index]] = converters[index](value)
        drafts.append(ChunkDraft("\n".join(lines), fields=fields))
    return drafts


def header_and_rows(document: ParsedDocument) -> list[tuple[list[str], list[list[str]]]]:
    """``(header, data rows)`` of each table (each sheet) of the document."""
    if document.source_format not in ACCEPTED_FORMATS:
        raise IngestError(
            f"The table method does not take .{document.source_format or '(no extension)'} files; "
            f"it takes: {', '.join(sorted(ACCEPTED_FORMATS))}"
        )
    tables = [table_rows(table) for table in tables_of(document)]
    if not tables:
        lines = text_lines(document.blocks)
        delimiter = "\t" if document.source_format == "tsv" or (lines and "\t" in lines[0]) else ","
        tables = [split_delimited("\n".join(lines), delimiter)] if lines else []
    return [(rows[0], rows[1:]) for rows in tables if rows]


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """One chunk per data row; an :class:`IngestError` when there is none."""
    drafts: list[ChunkDraft] = []
    tables = header_and_rows(document)
    for index, (header, rows) in enumerate(tables):
        drafts.extend(row_drafts(header, rows))
        context.progress((index + 1) / len(tables), f"{len(drafts)} rows read.")
    if not drafts:
        raise IngestError(
            "No data rows were found: the table method needs a row of field names, then one row per record."
        )
    return drafts

"""JSON and JSON Lines: one text block per record, as compact JSON.

A record is an item of a top-level array, a line of a ``.jsonl``/``.ldjson`` file, or the
whole value otherwise. A top-level object larger than :data:`SPLIT_OBJECTS_OVER` characters
is split into one record per key (``{"key": value}``) so that a big configuration or export
does not become one giant block. A ``.json`` file that holds one value per line (JSON
Lines under the wrong name) is read as JSON Lines. Invalid JSON is refused with the line
and column of the first error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument
from ragloom.ingest.source import SourceFile
from ragloom.ingest.text_decoding import decode_text

SPLIT_OBJECTS_OVER = 2000
_PROGRESS_EVERY = 5000


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """Records in file order, each a TEXT block of compact JSON (non-ASCII kept as is)."""
    text = decode_text(source)
    context.progress(0.2, "JSON decoded.")
    if source.extension == "json":
        records = _json_records(source.name, text, context)
    else:
        records = _line_records(source.name, text, context)
    blocks = [Block(BlockKind.TEXT, _compact(record)) for record in records]
    context.progress(1.0, f"{len(blocks)} records read.")
    return ParsedDocument(name=source.name, source_format=source.extension, blocks=blocks)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_records(name: str, text: str, context: IngestContext) -> list[Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data" and error.lineno > 1:
            return _line_records(name, text, context)
        raise IngestError(
            f"{name} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise IngestError(f"{name} is nested too deeply to be read") from None
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and len(_compact(value)) > SPLIT_OBJECTS_OVER:
        return [{key: item} for key, item in value.items()]
    return [value]


def _line_records(name: str, text: str, context: IngestContext) -> list[Any]:
    records = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise IngestError(f"{name} line {number} is not valid JSON: {error.msg} at column {error.colno}") from None
        except RecursionError:
            raise IngestError(f"{name} line {number} is nested too deeply to be read") from None
        if number % _PROGRESS_EVERY == 0:
            context.progress(0.2 + 0.7 * number / len(lines), f"{number} lines read.")
    return records

"""``tag``: a tag set, one chunk per row of (content, tags).

Column 1 is the content and column 2 its tags, separated by ``,``, ``，`` or ``;``;
``tag_keywords`` holds them trimmed, without blanks or repeats. Spreadsheets and CSV are
read by cell; in a CSV the tags often spill unquoted over the following columns, so every
column after the first counts there. Plain text has one row per line, content and tags
cut at the first TAB (at the first comma in a file without TABs); a line without the
delimiter continues the previous row's content. A first row naming the columns
(``content``/``tags``) is skipped, and rows without content or tags yield nothing; a
document with no tagged row at all is an :class:`IngestError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.rows import (
    SPREADSHEET_FORMATS,
    cell,
    is_header,
    line_delimiter,
    split_delimited,
    table_rows,
    tables_of,
    text_lines,
)
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import ChunkDraft, ParsedDocument

ACCEPTED_FORMATS = SPREADSHEET_FORMATS | {"txt"}
CONTENT_NAMES = frozenset({"content", "contents", "text", "内容", "文本"})
TAG_NAMES = frozenset({"tag", "tags", "label", "labels", "标签"})
_TAG_SEPARATORS = re.compile(r"[,，;；]")


def split_tags(text: str) -> list[str]:
    """Tags in order of first appearance, trimmed, blanks and repeats dropped."""
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(text):
        tag = tag.strip()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def cell_rows(rows: list[list[str]], spill_over: bool) -> list[tuple[str, str]]:
    """``(content, tags)`` from rows of cells; with ``spill_over`` tags are every cell after the first."""
    return [(cell(row, 0), ",".join(row[1:]) if spill_over else cell(row, 1)) for row in rows]


def line_rows(lines: list[str]) -> list[tuple[str, str]]:
    """``(content, tags)`` from ``content<TAB>tags`` lines; other lines continue the content."""
    delimiter = line_delimiter(lines)
    pairs: list[tuple[str, str]] = []
    for line in lines:
        content, found, tags = line.partition(delimiter)
        if found and content.strip():
            pairs.append((content.strip(), tags))
        elif pairs:
            previous, previous_tags = pairs[-1]
            pairs[-1] = (f"{previous}\n{line.strip()}", previous_tags)
    return pairs


def document_rows(document: ParsedDocument) -> list[tuple[str, str]]:
    """The document's rows as ``(content, tags)``, read the way its format calls for."""
    source_format = document.source_format
    if source_format not in ACCEPTED_FORMATS:
        raise IngestError(
            f"The tag method does not take .{source_format or '(no extension)'} files; "
            f"it takes: {', '.join(sorted(ACCEPTED_FORMATS))}"
        )
    spill_over = source_format in {"csv", "tsv"}
    tables = tables_of(document)
    if tables:
        return [pair for table in tables for pair in _without_header(cell_rows(table_rows(table), spill_over))]
    lines = text_lines(document.blocks)
    if source_format in SPREADSHEET_FORMATS:
        delimiter = "\t" if source_format == "tsv" else ","
        return _without_header(cell_rows(split_delimited("\n".join(lines), delimiter), spill_over))
    return _without_header(line_rows(lines))


def _without_header(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if pairs and is_header([pairs[0][0], pairs[0][1]], CONTENT_NAMES, TAG_NAMES):
        return pairs[1:]
    return pairs


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """One chunk per (content, tags) row."""
    drafts: list[ChunkDraft] = []
    for content, tags in document_rows(document):
        keywords = split_tags(tags)
        if content.strip() and keywords:
            drafts.append(ChunkDraft(content.strip(), tag_keywords=keywords))
    if not drafts:
        raise IngestError("No tagged rows were found: put the content in column 1 and its tags in column 2.")
    context.progress(1.0, f"{len(drafts)} tagged rows.")
    return drafts

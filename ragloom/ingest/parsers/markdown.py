"""Markdown (and MDX): headings, paragraphs, list items, code, pipe tables and front matter.

The common subset of CommonMark and GitHub-flavoured Markdown is understood line by line:
ATX (``## Title``) and setext (underlined) headings, paragraphs (soft line breaks become
spaces), bulleted and numbered list items with their continuation lines (``level`` is the
nesting depth, from 1), fenced and indented code, block quotes, pipe tables (header row,
delimiter row, body) and thematic breaks (dropped). Inline markup is kept as written.
YAML front matter (``---`` ... ``---`` at the top) becomes ``metadata``; simple
``key: value`` pairs and lists are read, anything nested is kept as its raw text. In MDX
files, top-level ``import``/``export`` lines are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table
from ragloom.ingest.source import SourceFile
from ragloom.ingest.text_decoding import decode_text

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LIST = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_DELIMITER_ROW = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_FRONT_MATTER_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?$")


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """Blocks in document order; the front matter's keys in ``metadata``."""
    text = decode_text(source)
    metadata, lines = _front_matter(text.split("\n"))
    if source.extension == "mdx":
        lines = ["" if line.startswith(("import ", "export ")) else line for line in lines]
    context.progress(0.3, "Markdown decoded.")
    blocks = _Reader(lines).blocks()
    context.progress(1.0, f"{len(blocks)} blocks read.")
    return ParsedDocument(name=source.name, source_format=source.extension, blocks=blocks, metadata=metadata)


def _front_matter(lines: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The front matter's values and the lines after it (all lines if there is none)."""
    if not lines or lines[0].strip() != "---":
        return {}, lines
    end = next((index for index in range(1, len(lines)) if lines[index].strip() in ("---", "...")), None)
    if end is None:
        return {}, lines
    metadata: dict[str, Any] = {}
    key = ""
    for line in lines[1:end]:
        match = _FRONT_MATTER_KEY.match(line)
        if match:
            key, value = match.group(1), (match.group(2) or "").strip()
            metadata[key] = _scalar_or_list(value) if value else ""
        elif key and line.strip().startswith("- "):
            previous = metadata[key]
            items = previous if isinstance(previous, list) else []
            metadata[key] = [*items, _unquote(line.strip()[2:].strip())]
        elif key and line.strip():
            previous = metadata[key]
            metadata[key] = (f"{previous}\n" if isinstance(previous, str) and previous else "") + line.strip()
    return metadata, lines[end + 1 :]


def _scalar_or_list(value: str) -> str | list[str]:
    if value.startswith("[") and value.endswith("]"):
        return [_unquote(item.strip()) for item in value[1:-1].split(",") if item.strip()]
    return _unquote(value)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _cells(row: str) -> list[str]:
    """The cells of a pipe-table row (``\\|`` is a literal pipe inside a cell)."""
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


class _Reader:
    """Walks the lines once, emitting a block whenever one ends."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines
        self._index = 0
        self._paragraph: list[str] = []
        self._blocks: list[Block] = []
        self._list_indents: list[int] = []  # indentation of the list items enclosing the current one

    def blocks(self) -> list[Block]:
        while self._index < len(self._lines):
            self._step(self._lines[self._index])
        self._flush()
        return self._blocks

    def _emit(self, kind: BlockKind, text: str, level: int = 0, table: Table | None = None) -> None:
        if text.strip():
            self._blocks.append(Block(kind, text, level=level, table=table))

    def _flush(self) -> None:
        if self._paragraph:
            self._emit(BlockKind.TEXT, " ".join(self._paragraph))
            self._paragraph = []

    def _step(self, line: str) -> None:
        following = self._lines[self._index + 1] if self._index + 1 < len(self._lines) else ""
        if fence := _FENCE.match(line):
            self._flush()
            self._code_fence(fence.group(1), fence.group(2))
            return
        self._index += 1
        if line.strip() and not _LIST.match(line):
            self._list_indents = []
        if not line.strip():
            self._flush()
        elif self._paragraph and (setext := _SETEXT.match(line)):
            text = " ".join(self._paragraph)
            self._paragraph = []
            self._emit(BlockKind.HEADING, text, level=1 if setext.group(1).startswith("=") else 2)
        elif heading := _ATX.match(line):
            self._flush()
            self._emit(BlockKind.HEADING, (heading.group(2) or "").strip(), level=len(heading.group(1)))
        elif _BREAK.match(line):
            self._flush()
        elif "|" in line and _DELIMITER_ROW.match(following) and len(_cells(following)) == len(_cells(line)):
            self._flush()
            self._table(line)
        elif item := _LIST.match(line):
            self._flush()
            self._list_item(item)
        elif quote := _QUOTE.match(line):
            self._flush()
            self._quote(quote.group(1))
        elif not self._paragraph and (line.startswith("    ") or line.startswith("\t")):
            self._indented_code(line)
        else:
            self._paragraph.append(line.strip())

    def _code_fence(self, indent: str, fence: str) -> None:
        body: list[str] = []
        self._index += 1
        while self._index < len(self._lines):
            line = self._lines[self._index]
            self._index += 1
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                break
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
        self._emit(BlockKind.CODE, "\n".join(body))

    def _indented_code(self, first: str) -> None:
        body = [first]
        while self._index < len(self._lines):
            line = self._lines[self._index]
            if line.strip() and not (line.startswith("    ") or line.startswith("\t")):
                break
            body.append(line)
            self._index += 1
        while body and not body[-1].strip():
            body.pop()
        self._emit(BlockKind.CODE, "\n".join(line[4:] if line.startswith("    ") else line[1:] for line in body))

    def _table(self, header_line: str) -> None:
        header = _cells(header_line)
        self._index += 1  # the delimiter row
        rows: list[list[str]] = []
        while self._index < len(self._lines) and "|" in self._lines[self._index] and self._lines[self._index].strip():
            cells = _cells(self._lines[self._index])
            rows.append((cells + [""] * len(header))[: len(header)])
            self._index += 1
        table = Table(rows=rows, header=header)
        self._emit(BlockKind.TABLE, table.to_text(), table=table)

    def _list_item(self, item: re.Match[str]) -> None:
        indent = len(item.group(1).expandtabs(4))
        text = [item.group(3).strip()]
        while self._index < len(self._lines):
            line = self._lines[self._index]
            if not line.strip() or _LIST.match(line) or _FENCE.match(line) or _ATX.match(line) or _QUOTE.match(line):
                break
            text.append(line.strip())
            self._index += 1
        while self._list_indents and self._list_indents[-1] >= indent:
            self._list_indents.pop()
        self._list_indents.append(indent)
        self._emit(BlockKind.LIST_ITEM, " ".join(text), level=len(self._list_indents))

    def _quote(self, first: str) -> None:
        text = [first.strip()] if first.strip() else []
        while self._index < len(self._lines) and (quote := _QUOTE.match(self._lines[self._index])):
            if quote.group(1).strip():
                text.append(quote.group(1).strip())
            self._index += 1
        self._emit(BlockKind.TEXT, " ".join(text))

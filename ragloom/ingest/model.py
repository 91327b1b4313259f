"""What parsers produce and chunkers consume.

A parser turns a file into a :class:`ParsedDocument`: an ordered list of
:class:`Block` s (headings with their level, paragraphs, tables, ...), each with the page
it is on and, for paginated formats, its boxes on that page. A chunker turns that into
:class:`ChunkDraft` s. Neither knows about storage, embeddings or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class BlockKind(StrEnum):
    """What a block of a document is."""

    TITLE = "title"  # the document's own title
    HEADING = "heading"  # a section heading; ``Block.level`` 1 is the outermost
    TEXT = "text"  # a paragraph (or a line of plain text)
    LIST_ITEM = "list_item"
    TABLE = "table"  # ``Block.table`` holds the cells; ``text`` a readable rendering
    CODE = "code"
    CAPTION = "caption"
    FIGURE = "figure"  # text recognised inside an image


@dataclass(frozen=True)
class Position:
    """A box on a page, in points from the page's top-left corner; pages count from 1."""

    page: int
    x0: float
    x1: float
    top: float
    bottom: float

    def as_list(self) -> list[int]:
        """The wire form ``[page, x0, x1, top, bottom]`` (integers)."""
        return [self.page, round(self.x0), round(self.x1), round(self.top), round(self.bottom)]


@dataclass
class Table:
    """Cells of a table, row by row. ``header`` is the first row when the source says so."""

    rows: list[list[str]]
    header: list[str] | None = None
    name: str = ""  # e.g. the sheet name of a spreadsheet

    def to_text(self) -> str:
        """Rows as tab-separated lines (header first)."""
        lines = ["\t".join(self.header)] if self.header else []
        lines.extend("\t".join(row) for row in self.rows)
        return "\n".join(lines)

    def to_html(self) -> str:
        """A plain HTML rendering, as RAGFlow stores table chunks."""

        def escape(cell: str) -> str:
            return cell.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        parts = ["<table>"]
        if self.name:
            parts.append(f"<caption>{escape(self.name)}</caption>")
        if self.header:
            parts.append("<tr>" + "".join(f"<th>{escape(cell)}</th>" for cell in self.header) + "</tr>")
        for row in self.rows:
            parts.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>")
        parts.append("</table>")
        return "".join(parts)


@dataclass
class Block:
    """One unit of a document in reading order."""

    kind: BlockKind
    text: str
    level: int = 0
    page: int | None = None  # page (PDF) or slide (presentation) number, from 1
    positions: list[Position] = field(default_factory=list)
    table: Table | None = None


@dataclass
class ParsedDocument:
    """A file's content in reading order, plus what the file says about itself."""

    name: str
    source_format: str = ""  # the file's extension, lower-case: "pdf", "docx", "md", ...
    blocks: list[Block] = field(default_factory=list)
    pages: int = 0  # pages (PDF), slides (presentations), sheets (spreadsheets); 0 if not paginated
    metadata: dict[str, Any] = field(default_factory=dict)  # e.g. title, author; e-mail headers
    attachments: list[ParsedDocument] = field(default_factory=list)

    def text(self) -> str:
        """All block texts, one per line."""
        return "\n".join(block.text for block in self.blocks if block.text)


@dataclass
class ChunkDraft:
    """A chunk as a chunker proposes it, before analysis, embedding and indexing.

    ``children`` are smaller pieces indexed in the chunk's place for matching (parent-child
    chunking): a hit on a child returns this chunk. ``fields`` are structured values (the
    ``table`` method's columns) kept with the chunk.
    """

    content: str
    positions: list[Position] = field(default_factory=list)
    important_keywords: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    tag_keywords: list[str] = field(default_factory=list)
    doc_type: str = ""  # "" (text), "table" or "image"
    children: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

"""``laws``: one chunk per article, opened by the titles of the divisions that enclose it.

Every line is read for the division it opens (see :mod:`.hierarchy`), whether the parser
gave it as a heading or as plain text. The innermost division present in the document is
the unit of chunking, normally the article (a text with sections but no articles is cut
by section). An article's chunk begins with the titles of its part, chapter and section,
one per line (``"Chapter 1 General Provisions\\nArticle 1 …"``); an article longer than
``chunk_token_num`` is split with the naive merging, each part keeping those titles and
the article's number. Text before the first article (a preamble, or the words under a
chapter title before its first article) forms chunks of its own under the titles in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.ingest.chunkers.hierarchy import Division, division_label, division_of
from ragloom.ingest.chunkers.naive import chunk_blocks
from ragloom.ingest.chunkers.sections import prefixed_chunks
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument


def lines_of(blocks: list[Block]) -> list[Block]:
    """Blocks cut into one block per non-blank line (a PDF paragraph may hold an article's first line)."""
    lines: list[Block] = []
    for block in blocks:
        if block.kind is BlockKind.TABLE:
            lines.append(block)
            continue
        for line in block.text.split("\n"):
            if line.strip():
                lines.append(Block(BlockKind.TEXT, line.strip(), page=block.page, positions=list(block.positions)))
    return lines


class _ArticleChunker:
    """Walks the lines once, keeping the titles in force and the group of lines being collected."""

    def __init__(self, unit: Division, config: Mapping[str, Any]) -> None:
        self.unit = unit
        self.config = config
        self.titles: dict[Division, str] = {}
        self.group: list[Block] = []
        self.prefix = ""
        self.label = ""
        self.drafts: list[ChunkDraft] = []

    def add(self, block: Block) -> None:
        division = division_of(block.text) if block.kind is not BlockKind.TABLE else None
        if division is None:
            if not self.group:
                self._start("")
            self.group.append(block)
        elif division >= self.unit:
            self.flush()
            self._start(division_label(block.text))
            self.group.append(block)
        else:
            self.flush()
            self.titles = {outer: title for outer, title in self.titles.items() if outer < division}
            self.titles[division] = block.text

    def _start(self, label: str) -> None:
        self.prefix = "\n".join(self.titles[division] for division in sorted(self.titles))
        self.label = label

    def flush(self) -> None:
        if not self.group:
            return
        continued = "\n".join(part for part in (self.prefix, self.label) if part) if self.label else None
        self.drafts.extend(prefixed_chunks(self.prefix, self.group, self.config, continued_prefix=continued))
        self.group = []


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """Chunk a legal text article by article (plain naive chunks when no article numbering is found)."""
    lines = lines_of(document.blocks)
    divisions = {division_of(line.text) for line in lines if line.kind is not BlockKind.TABLE}
    present = [division for division in divisions if division is not None]
    if not present:
        drafts = chunk_blocks(document.blocks, config)
        context.progress(1.0, f"No articles recognised; {len(drafts)} chunks.")
        return drafts
    chunker = _ArticleChunker(max(present), config)
    for index, line in enumerate(lines):
        if index % 1000 == 999:
            context.progress(index / len(lines), "Splitting articles.")
        chunker.add(line)
    chunker.flush()
    context.progress(1.0, f"{len(chunker.drafts)} chunks.")
    return chunker.drafts

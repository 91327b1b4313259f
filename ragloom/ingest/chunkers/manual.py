"""``manual``: sections by heading hierarchy, each chunk opened by its heading path.

A section is a heading and the blocks up to the next heading of any level. Its chunks
begin with the path of headings leading to it (``"Installation > Linux"``) on a line of
its own, followed by the section's text; a section longer than ``chunk_token_num`` is
split with the naive merging, every part keeping the path. Tables are chunks of their
own, opened by the same path. Text before the first heading is chunked on its own, with
no path; a heading with nothing under it yields no chunk (its path lives on in its
subsections).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.ingest.chunkers.sections import prefixed_chunks
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument

PATH_SEPARATOR = " > "


def sections_by_path(blocks: list[Block]) -> list[tuple[str, list[Block]]]:
    """``(heading path, blocks)`` for the text before the first heading (path ``""``) and each section."""
    sections: list[tuple[str, list[Block]]] = [("", [])]
    open_headings: list[tuple[int, str]] = []
    for block in blocks:
        if block.kind is BlockKind.HEADING and block.text.strip():
            level = max(block.level, 1)
            while open_headings and open_headings[-1][0] >= level:
                open_headings.pop()
            open_headings.append((level, " ".join(block.text.split())))
            sections.append((PATH_SEPARATOR.join(title for _, title in open_headings), []))
        else:
            sections[-1][1].append(block)
    return sections


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """Chunk a manual section by section, each chunk starting with its heading path."""
    sections = sections_by_path(document.blocks)
    drafts: list[ChunkDraft] = []
    for index, (path, blocks) in enumerate(sections):
        drafts.extend(prefixed_chunks(path, blocks, config))
        if index % 100 == 99:
            context.progress(index / len(sections), "Chunking sections.")
    context.progress(1.0, f"{len(drafts)} chunks from {len(sections) - 1} sections.")
    return drafts

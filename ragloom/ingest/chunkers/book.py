"""``book``: the naive method, but no chunk spans two top-level sections.

The document is cut before every heading of the outermost level present (chapters,
usually); each part is merged on its own, so a chapter's heading begins its first chunk
and a chunk never holds the end of one chapter and the start of the next. Text before the
first such heading (title page, preface) is a part of its own. A book parsed as plain
text has no headings: there, short lines worded as divisions (``"Chapter 3 …"``,
``"第三章 …"``, see :mod:`.hierarchy`) serve as the headings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.ingest.chunkers.hierarchy import Division, division_of
from ragloom.ingest.chunkers.naive import chunk_blocks
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument

# A plain-text line longer than this, or a sentence ending in punctuation, is prose that happens to
# begin "Chapter 3", not a heading (short ones such as "CHAPTER I." still are).
_LONGEST_WORDED_HEADING = 80
_LONGEST_PUNCTUATED_HEADING = 20
_SENTENCE_END = ".。!?！？;；,，:："


def _worded_division(block: Block) -> Division | None:
    text = block.text.strip()
    if block.kind is BlockKind.TABLE or len(text) > _LONGEST_WORDED_HEADING:
        return None
    if len(text) > _LONGEST_PUNCTUATED_HEADING and text.endswith(tuple(_SENTENCE_END)):
        return None
    division = division_of(block.text)
    return division if division is not None and division < Division.ARTICLE else None


def top_level_starts(blocks: list[Block]) -> list[bool]:
    """For each block, whether it opens a top-level section."""
    levels = [block.level for block in blocks if block.kind is BlockKind.HEADING and block.text.strip()]
    if levels:
        top = min(levels)
        return [block.kind is BlockKind.HEADING and block.text.strip() != "" and block.level == top for block in blocks]
    divisions = [_worded_division(block) for block in blocks]
    present = [division for division in divisions if division is not None]
    if not present:
        return [False] * len(blocks)
    outermost = min(present)
    return [division == outermost for division in divisions]


def top_level_sections(blocks: list[Block]) -> list[list[Block]]:
    """``blocks`` cut before each top-level heading; the first part is what precedes the first one."""
    sections: list[list[Block]] = [[]]
    for block, starts in zip(blocks, top_level_starts(blocks), strict=True):
        if starts:
            sections.append([])
        sections[-1].append(block)
    return [section for section in sections if section]


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """Chunk a book with the naive method, one top-level section at a time."""
    sections = top_level_sections(document.blocks)
    drafts: list[ChunkDraft] = []
    for index, section in enumerate(sections):
        drafts.extend(chunk_blocks(section, config))
        if index % 50 == 49:
            context.progress(index / len(sections), "Chunking chapters.")
    context.progress(1.0, f"{len(drafts)} chunks from {len(sections)} sections.")
    return drafts

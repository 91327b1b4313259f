"""``presentation``: one chunk per slide (PowerPoint) or page (PDF).

A chunk holds all the text of its page, the slide's title first (its TITLE block, else
its first heading), then the rest in reading order; tables are given as their readable
text. Its positions are those of the page's blocks, or the whole page (``[page, 0, 0, 0,
0]``) when the parser gave no boxes, so every chunk still says which slide it is. Pages
with no text are skipped. A block with no page number belongs to the page before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument, Position

ACCEPTED_FORMATS = frozenset({"pptx", "ppt", "pdf"})


def pages_of(blocks: list[Block]) -> dict[int, list[Block]]:
    """Blocks grouped by page, pages in ascending order."""
    pages: dict[int, list[Block]] = {}
    page = 1
    for block in blocks:
        page = block.page if block.page is not None else page
        pages.setdefault(page, []).append(block)
    return dict(sorted(pages.items()))


def title_first(blocks: list[Block]) -> list[Block]:
    """``blocks`` with the slide's title moved to the front."""
    for kind in (BlockKind.TITLE, BlockKind.HEADING):
        for index, block in enumerate(blocks):
            if block.kind is kind and block.text.strip():
                return [block, *blocks[:index], *blocks[index + 1 :]]
    return blocks


def _readable(block: Block) -> str:
    if block.kind is BlockKind.TABLE and not block.text.strip() and block.table is not None:
        return block.table.to_text().strip()
    return block.text.strip()


def page_draft(page: int, blocks: list[Block]) -> ChunkDraft | None:
    """The chunk of one page, or ``None`` when the page holds no text."""
    texts = [text for text in (_readable(block) for block in title_first(blocks)) if text]
    if not texts:
        return None
    positions = [position for block in blocks for position in block.positions]
    return ChunkDraft("\n".join(texts), positions or [Position(page, 0, 0, 0, 0)])


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """One chunk per slide or page that has text."""
    if document.source_format not in ACCEPTED_FORMATS:
        raise IngestError(
            f"The presentation method does not take .{document.source_format or '(no extension)'} files; "
            f"it takes: {', '.join(sorted(ACCEPTED_FORMATS))}"
        )
    drafts: list[ChunkDraft] = []
    for page, blocks in pages_of(document.blocks).items():
        draft = page_draft(page, blocks)
        if draft is not None:
            drafts.append(draft)
    context.progress(1.0, f"{len(drafts)} slides with text.")
    return drafts

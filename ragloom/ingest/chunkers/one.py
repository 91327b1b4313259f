"""``one``: the whole document as a single chunk, tables inline as HTML.

Nothing is cut, whatever ``chunk_token_num`` says: the method exists for documents that
must reach the model whole (contracts, forms, short notes). An empty document yields no
chunk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument


def inline_text(block: Block) -> str:
    """A block's text, or for a table with cells its HTML rendering."""
    if block.kind is BlockKind.TABLE and block.table is not None:
        return block.table.to_html()
    return block.text.strip()


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """One chunk holding every block in reading order."""
    texts = [text for text in (inline_text(block) for block in document.blocks) if text]
    if not texts:
        context.progress(1.0, "The document holds no text.")
        return []
    positions = [position for block in document.blocks for position in block.positions]
    context.progress(1.0, "1 chunk.")
    return [ChunkDraft("\n".join(texts), positions)]

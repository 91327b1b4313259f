"""``naive`` (General): text merged into chunks of ``chunk_token_num`` tokens; tables apart.

Tables become chunks of their own (HTML, ``doc_type`` ``table``), split by rows when
large, each part repeating the header. With ``parent_child.use_parent_child`` every chunk
is also cut at ``children_delimiter`` into children, which are indexed for matching while
the chunk itself is what a search returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.ingest.chunkers.merging import (
    Piece,
    chunk_limit,
    merge_pieces,
    overlap_percent,
    parse_delimiters,
    split_keeping_delimiters,
    split_on_custom,
)
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument, Table
from ragloom.nlp.token_count import count_tokens


def table_drafts(block: Block, limit: int) -> list[ChunkDraft]:
    """A table as HTML chunks of at most ``limit`` tokens, header repeated in each."""
    table = block.table
    if table is None:
        return [ChunkDraft(block.text, list(block.positions), doc_type="table")] if block.text.strip() else []
    drafts: list[ChunkDraft] = []
    rows: list[list[str]] = []
    for row in table.rows:
        candidate = Table(rows=[*rows, row], header=table.header, name=table.name)
        if rows and count_tokens(candidate.to_html()) > limit:
            drafts.append(
                ChunkDraft(Table(rows, table.header, table.name).to_html(), list(block.positions), doc_type="table")
            )
            rows = [row]
        else:
            rows.append(row)
    if rows or not drafts:
        drafts.append(
            ChunkDraft(Table(rows, table.header, table.name).to_html(), list(block.positions), doc_type="table")
        )
    return drafts


def text_pieces(blocks: list[Block], delimiter_characters: str) -> list[Piece]:
    """Blocks cut at the delimiter characters; each block ends with a line break."""
    pieces: list[Piece] = []
    for block in blocks:
        parts = split_keeping_delimiters(block.text, delimiter_characters) or [block.text]
        for index, part in enumerate(parts):
            ending = "\n" if index == len(parts) - 1 and not part.endswith("\n") else ""
            pieces.append(Piece(part + ending, list(block.positions)))
    return pieces


def children_of(content: str, config: Mapping[str, Any]) -> list[str]:
    """The parent-child pieces of ``content`` (empty unless parent-child chunking is on)."""
    parent_child = config.get("parent_child") or {}
    if not isinstance(parent_child, Mapping) or not parent_child.get("use_parent_child"):
        return []
    delimiters = parse_delimiters(str(parent_child.get("children_delimiter") or "\n"))
    if delimiters.custom:
        children = split_on_custom(content, delimiters.custom)
    else:
        children = [part.strip() for part in split_keeping_delimiters(content, delimiters.characters)]
    children = [child for child in children if child]
    return children if len(children) > 1 or (children and children[0] != content.strip()) else []


def chunk_blocks(blocks: list[Block], config: Mapping[str, Any]) -> list[ChunkDraft]:
    """The naive method over any list of blocks (reused by methods that pre-group blocks)."""
    limit = chunk_limit(config)
    delimiters = parse_delimiters(config.get("delimiter"))
    drafts: list[ChunkDraft] = []
    pending: list[Block] = []

    def flush_text() -> None:
        if not pending:
            return
        if delimiters.custom:
            joined = "\n".join(block.text for block in pending)
            positions = [position for block in pending for position in block.positions]
            drafts.extend(ChunkDraft(part, list(positions)) for part in split_on_custom(joined, delimiters.custom))
        else:
            pieces = text_pieces(pending, delimiters.characters)
            for merged in merge_pieces(pieces, limit, overlap_percent(config)):
                drafts.append(ChunkDraft(merged.text.strip(), merged.positions))
        pending.clear()

    for block in blocks:
        if block.kind is BlockKind.TABLE:
            flush_text()
            drafts.extend(table_drafts(block, limit))
        elif block.text.strip():
            pending.append(block)
    flush_text()
    for draft in drafts:
        if draft.doc_type == "":
            draft.children = children_of(draft.content, config)
    return drafts


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """Chunk a whole document with the naive method."""
    drafts = chunk_blocks(document.blocks, config)
    context.progress(1.0, f"{len(drafts)} chunks.")
    return drafts

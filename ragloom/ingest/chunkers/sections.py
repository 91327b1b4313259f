"""Chunking one section of a document under a prefix that every one of its chunks repeats.

Several methods keep context with each chunk: ``manual`` its heading path, ``laws`` the
enclosing chapter titles, ``paper`` the section heading, ``email`` the attachment's name.
The section's blocks are chunked exactly as the naive method would, with the budget of
``chunk_token_num`` reduced by the prefix, so a chunk *with* its prefix stays within it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.ingest.chunkers.merging import chunk_limit
from ragloom.ingest.chunkers.naive import chunk_blocks
from ragloom.ingest.model import Block, ChunkDraft
from ragloom.nlp.token_count import count_tokens, truncate_to_tokens

# Tokens kept free for the joint between prefix and text: a token boundary can move there.
_JOINT_TOKENS = 2


def fit_prefix(prefix: str, limit: int) -> str:
    """``prefix`` cut to at most half of ``limit`` tokens, so a chunk always has room for text."""
    return truncate_to_tokens(prefix.strip(), max(limit // 2, 1))


def prefixed_chunks(
    prefix: str,
    blocks: list[Block],
    config: Mapping[str, Any],
    continued_prefix: str | None = None,
) -> list[ChunkDraft]:
    """``blocks`` chunked as the naive method does, each chunk starting with ``prefix`` and a line break.

    ``continued_prefix``, when given, replaces ``prefix`` on every chunk after the first
    (``laws`` repeats the article's number there). An empty prefix adds nothing.
    """
    limit = chunk_limit(config)
    first = fit_prefix(prefix, limit)
    later = first if continued_prefix is None else fit_prefix(continued_prefix, limit)
    reserved = max(count_tokens(first), count_tokens(later))
    if reserved:
        reserved += _JOINT_TOKENS
    body_config = {**config, "chunk_token_num": max(limit - reserved, 1)}
    drafts = chunk_blocks(blocks, body_config)
    for index, draft in enumerate(drafts):
        head = first if index == 0 else later
        if head:
            draft.content = f"{head}\n{draft.content}"
    return drafts

"""Plain text and source code: one block per non-empty line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument
from ragloom.ingest.source import SourceFile
from ragloom.ingest.text_decoding import decode_text

CODE_EXTENSIONS = frozenset("py js java c cpp h php go ts sh cs kt sql".split())


def parse(source: SourceFile, config: Mapping[str, Any], context: IngestContext) -> ParsedDocument:
    """Lines become blocks (code files keep their indentation); blank lines are dropped."""
    text = decode_text(source)
    context.progress(0.5, "Text decoded.")
    kind = BlockKind.CODE if source.extension in CODE_EXTENSIONS else BlockKind.TEXT
    blocks = [Block(kind, line.rstrip()) for line in text.split("\n") if line.strip()]
    context.progress(1.0, f"{len(blocks)} lines read.")
    return ParsedDocument(name=source.name, source_format=source.extension, blocks=blocks)

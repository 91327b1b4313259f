"""``email``: the message's headers and body, then each attachment.

The headers (``From``, ``To``, ``Cc``, ``Subject``, ``Date`` lines, as far as the message
has them) and the body are merged with the naive method. Each attachment is then chunked
with the naive method on its own, every chunk starting ``Attachment: <name>`` on a line
of its own (an attachment inside an attachment names both, outer first).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.naive import chunk_blocks
from ragloom.ingest.chunkers.sections import prefixed_chunks
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ChunkDraft, ParsedDocument

ACCEPTED_FORMATS = frozenset({"eml"})
HEADERS = ("From", "To", "Cc", "Subject", "Date")


def header_lines(metadata: Mapping[str, Any]) -> list[str]:
    """``Name: value`` for each header the message has (looked up case-insensitively)."""
    by_name = {str(key).lower(): value for key, value in metadata.items()}
    lines: list[str] = []
    for header in HEADERS:
        value = by_name.get(header.lower())
        if isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value if str(item).strip())
        if value is not None and str(value).strip():
            lines.append(f"{header}: {' '.join(str(value).split())}")
    return lines


def attachment_drafts(attachment: ParsedDocument, config: Mapping[str, Any], outer: str = "") -> list[ChunkDraft]:
    """An attachment's naive chunks, each opened by ``Attachment: <name>``; nested attachments follow."""
    name = f"{outer} > {attachment.name}" if outer else attachment.name
    drafts = prefixed_chunks(f"Attachment: {name}", attachment.blocks, config)
    for inner in attachment.attachments:
        drafts.extend(attachment_drafts(inner, config, name))
    return drafts


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """Headers and body first, then the attachments in order."""
    if document.source_format not in ACCEPTED_FORMATS:
        raise IngestError(
            f"The email method does not take .{document.source_format or '(no extension)'} files; "
            f"it takes: {', '.join(sorted(ACCEPTED_FORMATS))}"
        )
    headers = [Block(BlockKind.TEXT, line) for line in header_lines(document.metadata)]
    drafts = chunk_blocks([*headers, *document.blocks], config)
    for index, attachment in enumerate(document.attachments):
        context.progress(index / len(document.attachments), f"Chunking attachment {attachment.name}.")
        drafts.extend(attachment_drafts(attachment, config))
    context.progress(1.0, f"{len(drafts)} chunks, {len(document.attachments)} attachments.")
    return drafts

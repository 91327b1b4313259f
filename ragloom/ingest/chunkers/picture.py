"""``picture``: the text recognised in an image, as one chunk of ``doc_type`` ``image``.

RAGFlow describes an image with an image-to-text model when OCR finds too little; ragloom
has no such model configured, so an image without recognised text is an
:class:`IngestError` rather than an empty document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, ChunkDraft, ParsedDocument

_IMAGES = (
    "jpg jpeg png gif bmp tif tiff webp avif apng ico icon pcx tga exif fpx svg psd cdr pcd dxf ufo eps ai raw wmf"
)
IMAGE_FORMATS = frozenset(_IMAGES.split())
NO_TEXT_MESSAGE = (
    "No text was recognised in the image, and describing images needs an image-to-text model, which is not configured"
)


def _recognised(block: Block) -> str:
    if not block.text.strip() and block.table is not None:
        return block.table.to_text().strip()
    return block.text.strip()


def chunk(document: ParsedDocument, config: Mapping[str, Any], context: IngestContext) -> list[ChunkDraft]:
    """One image chunk with every line of recognised text."""
    if document.source_format not in IMAGE_FORMATS:
        raise IngestError(
            f"The picture method takes images, not .{document.source_format or '(no extension)'} files; "
            f"it takes: {', '.join(sorted(IMAGE_FORMATS))}"
        )
    texts = [text for text in (_recognised(block) for block in document.blocks) if text]
    if not texts:
        raise IngestError(NO_TEXT_MESSAGE)
    positions = [position for block in document.blocks for position in block.positions]
    context.progress(1.0, "1 image chunk.")
    return [ChunkDraft("\n".join(texts), positions, doc_type="image")]

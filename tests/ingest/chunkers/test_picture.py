"""The picture method: recognised text as one image chunk."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.picture import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Position


def test_recognised_text_is_one_image_chunk() -> None:
    blocks = [
        Block(BlockKind.FIGURE, "EXIT", page=1, positions=[Position(1, 5, 50, 5, 20)]),
        Block(BlockKind.FIGURE, "Fire door keep shut", page=1, positions=[Position(1, 5, 90, 30, 40)]),
    ]
    (draft,) = chunk(ParsedDocument("sign.png", "png", blocks=blocks), {}, IngestContext())
    assert draft.content == "EXIT\nFire door keep shut"
    assert draft.doc_type == "image"
    assert len(draft.positions) == 2


def test_an_image_without_text_needs_a_model() -> None:
    document = ParsedDocument("sunset.jpg", "jpg", blocks=[Block(BlockKind.FIGURE, " ")])
    with pytest.raises(IngestError, match="No text was recognised in the image, and describing images needs"):
        chunk(document, {}, IngestContext())


def test_other_formats_are_refused() -> None:
    with pytest.raises(IngestError, match=r"\.pdf"):
        chunk(ParsedDocument("scan.pdf", "pdf", blocks=[Block(BlockKind.TEXT, "x")]), {}, IngestContext())

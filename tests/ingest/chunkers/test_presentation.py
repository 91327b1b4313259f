"""The presentation method: one chunk per slide or page."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.presentation import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Position, Table


def test_one_chunk_per_slide_title_first_and_empty_slides_skipped() -> None:
    blocks = [
        Block(BlockKind.TEXT, "Q3 in numbers", page=1),
        Block(BlockKind.TITLE, "Quarterly Review", page=1),
        Block(BlockKind.LIST_ITEM, "Revenue up", page=1),
        Block(BlockKind.TEXT, "   ", page=2),
        Block(BlockKind.HEADING, "Next Steps", page=3),
        Block(BlockKind.TABLE, "", page=3, table=Table(rows=[["Hire", "Q4"]], header=["Task", "When"])),
        Block(BlockKind.TEXT, "Thanks", page=4),
    ]
    document = ParsedDocument("deck.pptx", "pptx", blocks=blocks, pages=4)
    drafts = chunk(document, {"chunk_token_num": 1}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "Quarterly Review\nQ3 in numbers\nRevenue up",
        "Next Steps\nTask\tWhen\nHire\tQ4",
        "Thanks",
    ]
    assert [[position.as_list() for position in draft.positions] for draft in drafts] == [
        [[1, 0, 0, 0, 0]],
        [[3, 0, 0, 0, 0]],
        [[4, 0, 0, 0, 0]],
    ]


def test_pdf_pages_keep_their_boxes() -> None:
    blocks = [
        Block(BlockKind.TEXT, "Page one", page=1, positions=[Position(1, 10, 90, 10, 20)]),
        Block(BlockKind.TEXT, "Page two", page=2, positions=[Position(2, 10, 90, 10, 20)]),
        Block(BlockKind.TEXT, "still two", page=2, positions=[Position(2, 10, 90, 30, 40)]),
    ]
    drafts = chunk(ParsedDocument("deck.pdf", "pdf", blocks=blocks), {}, IngestContext())
    assert [draft.content for draft in drafts] == ["Page one", "Page two\nstill two"]
    assert [len(draft.positions) for draft in drafts] == [1, 2]


def test_other_formats_are_refused() -> None:
    with pytest.raises(IngestError, match=r"\.docx.*pptx"):
        chunk(ParsedDocument("notes.docx", "docx", blocks=[Block(BlockKind.TEXT, "x")]), {}, IngestContext())

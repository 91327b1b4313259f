"""Presentations: per slide its title, text, tables and notes, with the slide number."""

from __future__ import annotations

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.pptx import parse
from ragloom.ingest.source import SourceFile
from tests import samples


def test_slides_in_order_with_their_numbers() -> None:
    document = parse(SourceFile("launch.pptx", samples.make_pptx()), {}, IngestContext())
    assert document.pages == 3
    assert document.metadata == {"title": "Product Launch", "author": "Marketing"}
    assert [(block.page, block.kind, block.text) for block in document.blocks] == [
        (1, BlockKind.HEADING, "Product Launch"),
        (1, BlockKind.TEXT, "Spring campaign plan"),
        (2, BlockKind.HEADING, "Timeline"),
        (2, BlockKind.TEXT, "Teaser videos in March\nLaunch event on April 12"),
        (2, BlockKind.TEXT, "Remind the team about the press embargo."),
        (3, BlockKind.HEADING, "Budget"),
        (3, BlockKind.TABLE, "Channel\tBudget\nVideo\t40000\nPrint\t12000"),
    ]
    table = document.blocks[-1].table
    assert table is not None
    assert table.header == ["Channel", "Budget"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.corrupt_docx(), "is not a valid PowerPoint presentation"),
        (samples.make_pptx()[:4000], "is not a valid PowerPoint presentation file"),
        (samples.encrypted_xlsx(), "is password-protected"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=rf"^deck\.pptx {message}"):
        parse(SourceFile("deck.pptx", data), {}, IngestContext())

"""Word documents: title, headings, paragraphs, list items and tables in order; bad files refused."""

from __future__ import annotations

import io

import docx
import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.docx import parse
from ragloom.ingest.source import SourceFile
from tests import samples


def test_body_in_document_order_with_kinds_and_levels() -> None:
    document = parse(SourceFile("policy.docx", samples.make_docx()), {}, IngestContext())
    assert document.metadata == {"title": "Travel Policy", "author": "HR Department"}
    assert [(block.kind, block.level, block.text) for block in document.blocks] == [
        (BlockKind.TITLE, 0, "Travel Policy"),
        (BlockKind.TEXT, 0, "This policy applies to every employee who travels on company business."),
        (BlockKind.HEADING, 1, "Booking"),
        (BlockKind.TEXT, 0, "Book trains and flights through the travel desk at least two weeks ahead."),
        (BlockKind.LIST_ITEM, 1, "Economy class for flights under six hours"),
        (BlockKind.LIST_ITEM, 1, "Second class for trains"),
        (BlockKind.LIST_ITEM, 1, "Hotels up to 150 EUR"),
        (BlockKind.HEADING, 2, "Daily allowances"),
        (BlockKind.TABLE, 0, "Country\tAllowance\tCurrency\nGermany\t28\tEUR\nJapan\t5200\tJPY\nCanada\t65\tCAD"),
        (BlockKind.HEADING, 1, "Expenses"),
        (BlockKind.TEXT, 0, "Submit receipts within thirty days of returning from the trip."),
    ]
    table = document.blocks[8].table
    assert table is not None
    assert table.header == ["Country", "Allowance", "Currency"]


def test_merged_cells_are_read_once_and_captions_recognised() -> None:
    built = docx.Document()
    table = built.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Quarter"
    table.cell(0, 2).text = "Total"
    for cell, text in zip(table.rows[1].cells, ("Q1", "x", "10"), strict=True):
        cell.text = text
    built.add_paragraph("Table 1: totals per quarter", style="Caption")
    buffer = io.BytesIO()
    built.save(buffer)
    document = parse(SourceFile("merged.docx", buffer.getvalue()), {}, IngestContext())
    assert document.blocks[0].table is not None
    assert document.blocks[0].table.header == ["Quarter", "Total", ""]
    assert (document.blocks[1].kind, document.blocks[1].text) == (BlockKind.CAPTION, "Table 1: totals per quarter")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (samples.corrupt_docx(), "is not a valid Word document"),
        (samples.make_docx()[:5000], "is not a valid Word document file"),
        (samples.make_xlsx(), "is not a valid Word document"),
        (samples.encrypted_xlsx(), "is password-protected"),
        (samples.make_xls(), "is an older binary Office file"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=rf"^letter\.docx {message}"):
        parse(SourceFile("letter.docx", data), {}, IngestContext())


@pytest.mark.slow
def test_zip_bomb_is_refused_before_inflating() -> None:
    with pytest.raises(IngestError, match=r"bomb\.docx would unpack to \d+ bytes .* zip bomb"):
        parse(SourceFile("bomb.docx", samples.zip_bomb_docx()), {}, IngestContext())

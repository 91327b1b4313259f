"""Spreadsheets: a table per sheet with cells as displayed; encrypted and corrupt workbooks refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.spreadsheet import cell_text, parse
from ragloom.ingest.source import SourceFile
from tests import samples

SALES_HEADER = ["Product", "Units", "Price", "Shipped"]


def test_xlsx_sheets_become_tables_without_empty_rows_and_columns() -> None:
    document = parse(SourceFile("sales.xlsx", samples.make_xlsx()), {}, IngestContext())
    assert document.pages == 3
    assert [block.kind for block in document.blocks] == [BlockKind.TABLE, BlockKind.TABLE]
    sales, contacts = (block.table for block in document.blocks)
    assert sales is not None
    assert contacts is not None
    assert (sales.name, contacts.name) == ("Sales", "Contacts")
    assert [block.page for block in document.blocks] == [1, 2]
    assert sales.header == SALES_HEADER
    assert sales.rows == [
        ["Desk lamp", "120", "19.5", "2024-03-01"],
        ["Office chair", "35", "149", "2024-03-05 14:30:00"],
        ["Monitor arm", "60", "42.25", "2024-03-09"],
    ]
    assert contacts.rows == [["Grace Hopper", "grace@example.com"]]
    assert "Desk lamp\t120" in document.blocks[0].text


@pytest.mark.parametrize("name", ["legacy.xls", "renamed.xlsx"])
def test_legacy_xls_is_read_whatever_its_name(name: str) -> None:
    document = parse(SourceFile(name, samples.make_xls()), {}, IngestContext())
    assert document.pages == 2
    sales = document.blocks[0].table
    assert sales is not None
    assert sales.name == "Sales"
    assert sales.header == SALES_HEADER
    assert sales.rows == [["Desk lamp", "120", "19.5", "2024-03-01"], ["Office chair", "35", "149", "2024-03-05"]]


def test_an_html_table_saved_as_xls_is_read() -> None:
    document = parse(SourceFile("export.xls", samples.make_html()), {}, IngestContext())
    assert [block.kind for block in document.blocks] == [BlockKind.TABLE]
    assert document.blocks[0].table is not None
    assert document.blocks[0].table.header == ["Variety", "Days to harvest"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3.0, "3"),
        (0.1 + 0.2, "0.3"),
        (1e20, "1e+20"),
        (7, "7"),
        (True, "TRUE"),
        (dt.datetime(2024, 1, 2), "2024-01-02"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 600), "2024-01-02 03:04:05"),
        (dt.time(9, 30), "09:30:00"),
        ("  padded ", "padded"),
    ],
)
def test_cells_read_as_displayed(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_password_protected_workbook_is_refused() -> None:
    with pytest.raises(IngestError, match=r"budget\.xlsx is password-protected"):
        parse(SourceFile("budget.xlsx", samples.encrypted_xlsx()), {}, IngestContext())


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("truncated.xlsx", samples.corrupt_xlsx()),
        ("letter.xlsx", samples.make_docx()),
        ("noise.xls", bytes(range(256)) * 4),
        ("truncated.xls", samples.make_xls()[:3000]),
        ("empty.xlsx", b""),
    ],
)
def test_corrupt_workbooks_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(IngestError, match=re.escape(name) + " is not a valid Excel workbook"):
        parse(SourceFile(name, data), {}, IngestContext())


@pytest.mark.slow
def test_zip_bomb_is_refused_before_inflating() -> None:
    with pytest.raises(IngestError, match="zip bomb"):
        parse(SourceFile("bomb.xlsx", samples.zip_bomb_docx()), {}, IngestContext())

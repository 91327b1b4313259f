"""The table method: one chunk per data row, with typed fields."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.table import as_date, chunk, field_names
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table


def _sheet(header: list[str], rows: list[list[str]], name: str = "Sheet1") -> Block:
    return Block(BlockKind.TABLE, "", table=Table(rows=rows, header=header, name=name))


def test_each_row_is_a_chunk_of_field_value_lines_with_typed_fields() -> None:
    sheet = _sheet(
        ["name", "age", "height", "joined", "zip"],
        [
            ["Alice", "31", "1.68", "2021-03-04", "02139"],
            ["Bob", "45", "1.8", "2019/11/30 08:15", ""],
            ["", "", "", "", ""],
        ],
    )
    drafts = chunk(ParsedDocument("people.xlsx", "xlsx", blocks=[sheet]), {}, IngestContext())
    assert len(drafts) == 2
    assert drafts[0].content == "name: Alice\nage: 31\nheight: 1.68\njoined: 2021-03-04\nzip: 02139"
    assert drafts[0].fields == {"name": "Alice", "age": 31, "height": 1.68, "joined": "2021-03-04", "zip": "02139"}
    assert drafts[1].fields == {"name": "Bob", "age": 45, "height": 1.8, "joined": "2019-11-30T08:15:00"}
    assert "zip" not in drafts[1].content
    assert all(draft.doc_type == "" for draft in drafts)


def test_a_column_with_one_word_among_numbers_is_text() -> None:
    sheet = _sheet(["code"], [["12"], ["n/a"]])
    drafts = chunk(ParsedDocument("codes.csv", "csv", blocks=[sheet]), {}, IngestContext())
    assert [draft.fields for draft in drafts] == [{"code": "12"}, {"code": "n/a"}]


def test_every_sheet_is_read_with_its_own_header() -> None:
    sheets = [_sheet(["city"], [["Paris"], ["Lyon"]], "Cities"), _sheet(["river"], [["Rhône"]], "Rivers")]
    drafts = chunk(ParsedDocument("places.xlsx", "xlsx", blocks=sheets), {}, IngestContext())
    assert [draft.content for draft in drafts] == ["city: Paris", "city: Lyon", "river: Rhône"]


def test_tab_delimited_text_takes_its_first_line_as_field_names() -> None:
    lines = ["product\tprice\tstock", "Lamp\t19.99\t4", "Desk\t120\t0"]
    document = ParsedDocument("stock.txt", "txt", blocks=[Block(BlockKind.TEXT, line) for line in lines])
    drafts = chunk(document, {}, IngestContext())
    assert [draft.fields for draft in drafts] == [
        {"product": "Lamp", "price": 19.99, "stock": 4},
        {"product": "Desk", "price": 120.0, "stock": 0},
    ]


def test_comma_delimited_text_understands_quotes() -> None:
    lines = ["title,author", '"War and Peace",Tolstoy', '"Hello, World",Anonymous']
    document = ParsedDocument("books.txt", "txt", blocks=[Block(BlockKind.TEXT, line) for line in lines])
    drafts = chunk(document, {}, IngestContext())
    assert [draft.fields["title"] for draft in drafts] == ["War and Peace", "Hello, World"]


def test_blank_and_repeated_field_names_are_made_unique() -> None:
    assert field_names(["name", "", "name"], 4) == ["name", "column 2", "name (2)", "column 4"]


def test_dates_are_read_in_common_spellings() -> None:
    assert as_date("2024年3月1日") == "2024-03-01"
    assert as_date("2024-02-30") is None
    assert as_date("March 1") is None


def test_no_data_row_is_an_error() -> None:
    document = ParsedDocument("empty.csv", "csv", blocks=[_sheet(["name", "age"], [])])
    with pytest.raises(IngestError, match="No data rows"):
        chunk(document, {}, IngestContext())


def test_other_formats_are_refused() -> None:
    document = ParsedDocument("report.pdf", "pdf", blocks=[Block(BlockKind.TEXT, "a\tb")])
    with pytest.raises(IngestError, match=r"\.pdf.*csv"):
        chunk(document, {}, IngestContext())

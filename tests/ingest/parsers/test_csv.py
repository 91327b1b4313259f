"""CSV: delimiter sniffing, decoding, and one table with its header."""

from __future__ import annotations

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.csv import parse, sniff_delimiter
from ragloom.ingest.source import SourceFile
from tests import samples


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [(",", "utf-8"), (";", "latin-1"), ("\t", "cp1252"), ("|", "utf-8")]
)
def test_one_table_whatever_the_delimiter_and_encoding(delimiter: str, encoding: str) -> None:
    document = parse(
        SourceFile("prices.csv", samples.make_csv(delimiter=delimiter, encoding=encoding)), {}, IngestContext()
    )
    assert [block.kind for block in document.blocks] == [BlockKind.TABLE]
    table = document.blocks[0].table
    assert table is not None
    assert table.header == ["Item", "Price", "Origin"]
    assert table.rows[0] == ["Käse", "4.20", "Zürich"]
    assert table.rows[-1] == ["Pain", "2.10", f"Lyon{delimiter} France"]


def test_blank_rows_dropped_and_short_rows_padded() -> None:
    document = parse(SourceFile("a.csv", b"a,b,c\n\n1,2\n,,\n4,5,6,7\n"), {}, IngestContext())
    table = document.blocks[0].table
    assert table is not None
    assert table.header == ["a", "b", "c", ""]
    assert table.rows == [["1", "2", "", ""], ["4", "5", "6", "7"]]


def test_single_column_and_empty_files() -> None:
    assert sniff_delimiter("one\ntwo\nthree\n") == ","
    assert parse(SourceFile("empty.csv", b""), {}, IngestContext()).blocks == []


def test_an_oversized_field_is_refused_with_its_line() -> None:
    data = b'a,b\n1,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(IngestError, match=r"big\.csv line \d+ cannot be read as CSV"):
        parse(SourceFile("big.csv", data), {}, IngestContext())


def test_binary_file_is_refused() -> None:
    with pytest.raises(IngestError, match="is not a text file"):
        parse(SourceFile("data.csv", samples.make_xlsx()), {}, IngestContext())

"""HTML: noise removed, headings, paragraphs, lists, code and tables in document order."""

from __future__ import annotations

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.html import html_text, parse
from ragloom.ingest.source import SourceFile
from tests import samples


def test_sample_page_structure() -> None:
    document = parse(SourceFile("garden.html", samples.make_html()), {}, IngestContext())
    assert document.metadata == {"title": "Garden Guide"}
    assert [(block.kind, block.level, block.text) for block in document.blocks[:-1]] == [
        (BlockKind.HEADING, 1, "Growing Tomatoes"),
        (BlockKind.TEXT, 0, "Tomatoes need six hours of sun a day."),
        (BlockKind.TEXT, 0, "Water them in the morning."),
        (BlockKind.TEXT, 0, "Mulch keeps the soil moist."),
        (BlockKind.HEADING, 2, "Varieties"),
        (BlockKind.LIST_ITEM, 1, "Cherry"),
        (BlockKind.LIST_ITEM, 1, "Beefsteak"),
        (BlockKind.CODE, 0, "plant_spacing = 60  # cm"),
        (BlockKind.TEXT, 0, "The best fertiliser is the gardener's shadow."),
    ]
    table = document.blocks[-1].table
    assert table is not None
    assert table.header == ["Variety", "Days to harvest"]
    assert table.rows == [["Cherry", "65"], ["Beefsteak", "85"]]


def test_scripts_styles_navigation_and_page_footer_are_dropped() -> None:
    text = parse(SourceFile("garden.htm", samples.make_html()), {}, IngestContext()).text()
    for noise in ("tracking", "font-family", "Home", "Shop", "© 2024"):
        assert noise not in text


def test_hidden_elements_dropped_but_an_articles_footer_kept() -> None:
    markup = (
        "<article><p>Body</p><footer>Written by Ada</footer></article>"
        "<div hidden>secret</div><div aria-hidden='true'>icon</div><div role='navigation'>menu</div>"
    )
    assert html_text(markup) == "Body\nWritten by Ada"


def test_tables_without_header_cells_and_with_spans() -> None:
    markup = "<table><tr><td>a</td><td colspan='2'>b</td></tr><tr><td>1</td><td>2</td><td>3</td></tr></table>"
    document = parse(SourceFile("t.html", markup.encode()), {}, IngestContext())
    table = document.blocks[0].table
    assert table is not None
    assert table.header is None
    assert table.rows == [["a", "b", ""], ["1", "2", "3"]]


def test_nested_lists_have_levels_and_broken_markup_is_repaired() -> None:
    document = parse(
        SourceFile("l.html", b"<ul><li>outer<ul><li>inner</li></ul></li><li>next<p>unclosed"), {}, IngestContext()
    )
    assert [(block.kind, block.level, block.text) for block in document.blocks] == [
        (BlockKind.LIST_ITEM, 1, "outer"),
        (BlockKind.LIST_ITEM, 2, "inner"),
        (BlockKind.LIST_ITEM, 1, "next"),
        (BlockKind.TEXT, 0, "unclosed"),
    ]


def test_binary_file_is_refused() -> None:
    with pytest.raises(IngestError, match="is not a text file"):
        parse(SourceFile("page.html", bytes(range(256)) * 10), {}, IngestContext())

"""Markdown: front matter, headings, paragraphs, lists, code and pipe tables."""

from __future__ import annotations

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.markdown import parse
from ragloom.ingest.source import SourceFile
from tests import samples


def blocks(data: bytes, name: str = "notes.md") -> list[tuple[BlockKind, int, str]]:
    document = parse(SourceFile(name, data), {}, IngestContext())
    return [(block.kind, block.level, block.text) for block in document.blocks]


def test_sample_document_structure() -> None:
    document = parse(SourceFile("deploy.md", samples.make_markdown()), {}, IngestContext())
    assert document.metadata == {"title": "Deployment Notes", "author": "Platform Team", "tags": ["ops", "release"]}
    assert [(block.kind, block.level, block.text) for block in document.blocks[:7]] == [
        (BlockKind.HEADING, 1, "Deployment Notes"),
        (BlockKind.TEXT, 0, "Releases go out every *Tuesday* after the change board approves them."),
        (BlockKind.HEADING, 2, "Checklist"),
        (BlockKind.LIST_ITEM, 1, "Run the migrations"),
        (BlockKind.LIST_ITEM, 1, "Warm the caches before switching traffic"),
        (BlockKind.CODE, 0, "make deploy ENV=prod"),
        (BlockKind.HEADING, 2, "Environments"),
    ]
    table = document.blocks[7].table
    assert document.blocks[7].kind is BlockKind.TABLE
    assert table is not None
    assert table.header == ["Name", "URL", "Owner"]
    assert table.rows == [
        ["staging", "https://staging.example.com", "QA"],
        ["prod", "https://example.com", "Platform | Ops"],
    ]
    assert document.source_format == "md"


def test_setext_headings_nested_lists_quotes_and_indented_code() -> None:
    text = (
        b"Title\n=====\n\nSub\n---\n\n- a\n  - b\n    - c\n- d\n\n"
        b"> quoted\n> text\n\n    indented code\n    more\n\n***\n"
    )
    assert blocks(text) == [
        (BlockKind.HEADING, 1, "Title"),
        (BlockKind.HEADING, 2, "Sub"),
        (BlockKind.LIST_ITEM, 1, "a"),
        (BlockKind.LIST_ITEM, 2, "b"),
        (BlockKind.LIST_ITEM, 3, "c"),
        (BlockKind.LIST_ITEM, 1, "d"),
        (BlockKind.TEXT, 0, "quoted text"),
        (BlockKind.CODE, 0, "indented code\nmore"),
    ]


def test_fenced_code_keeps_its_lines_and_blank_lines() -> None:
    text = b"~~~python\ndef f():\n\n    return '# not a heading'\n~~~\nafter"
    assert blocks(text) == [
        (BlockKind.CODE, 0, "def f():\n\n    return '# not a heading'"),
        (BlockKind.TEXT, 0, "after"),
    ]


def test_pipes_without_a_matching_delimiter_row_are_text() -> None:
    assert blocks(b"a | b\n---\n") == [(BlockKind.HEADING, 2, "a | b")]
    assert blocks(b"a | b | c\n|---|---|\n") == [(BlockKind.TEXT, 0, "a | b | c |---|---|")]


def test_mdx_drops_imports_and_exports() -> None:
    text = b"import Chart from './chart'\nexport const meta = {}\n\n# Page\n\nBody text.\n"
    assert blocks(text, "page.mdx") == [(BlockKind.HEADING, 1, "Page"), (BlockKind.TEXT, 0, "Body text.")]


def test_unclosed_front_matter_is_ordinary_text() -> None:
    document = parse(SourceFile("a.md", b"---\ntitle: x\n\nbody"), {}, IngestContext())
    assert document.metadata == {}
    assert "title: x" in document.text()


def test_binary_file_is_refused() -> None:
    with pytest.raises(IngestError, match="is not a text file"):
        parse(SourceFile("image.md", b"\x89PNG\x00\x00" * 50), {}, IngestContext())

"""Plain text: decoding, lines, and refusing binary content."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.text import parse
from ragloom.ingest.source import SourceFile


def test_lines_become_blocks() -> None:
    document = parse(SourceFile("a.txt", b"first\n\n  second  \r\nthird"), {}, IngestContext())
    assert [block.text for block in document.blocks] == ["first", "  second", "third"]
    assert document.source_format == "txt"


def test_other_encodings_are_detected() -> None:
    text = "Schöne Grüße aus München, déjà vu, naïve café. " * 5
    document = parse(SourceFile("a.txt", text.encode("latin-1")), {}, IngestContext())
    assert "München" in document.text()


def test_code_keeps_indentation() -> None:
    document = parse(SourceFile("a.py", b"def f():\n    return 1\n"), {}, IngestContext())
    assert [block.kind for block in document.blocks] == [BlockKind.CODE, BlockKind.CODE]
    assert document.blocks[1].text == "    return 1"


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary" * 100, bytes(range(1, 32)) * 200])
def test_binary_content_is_refused(data: bytes) -> None:
    with pytest.raises(IngestError, match="is not a text file"):
        parse(SourceFile("fake.txt", data), {}, IngestContext())


@pytest.mark.parametrize("text", ["Käse;Zürich", "Crème brûlée à Besançon, déjà vu.", "Æble på ø, blåbær"])
def test_short_western_text_in_latin1_is_decoded_right(text: str) -> None:
    document = parse(SourceFile("a.txt", text.encode("latin-1")), {}, IngestContext())
    assert document.text() == text


def test_chinese_in_gbk_is_still_detected() -> None:
    text = "知识库检索系统支持中文文档。" * 10
    document = parse(SourceFile("a.txt", text.encode("gbk")), {}, IngestContext())
    assert document.text() == text

"""JSON and JSON Lines: one compact record per block; errors say where."""

from __future__ import annotations

import json

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import BlockKind
from ragloom.ingest.parsers.json_lines import SPLIT_OBJECTS_OVER, parse
from ragloom.ingest.source import SourceFile
from tests import samples

FIRST = '{"id":1,"title":"Login fails","tags":["auth"],"body":"Users see “invalid token”."}'


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tickets.json", samples.make_json()),
        ("tickets.jsonl", samples.make_json(lines=True)),
        ("tickets.ldjson", samples.make_json(lines=True) + b"\n\n"),
        ("misnamed.json", samples.make_json(lines=True)),
    ],
)
def test_each_record_is_a_compact_text_block(name: str, data: bytes) -> None:
    document = parse(SourceFile(name, data), {}, IngestContext())
    assert [block.kind for block in document.blocks] == [BlockKind.TEXT] * 3
    assert document.blocks[0].text == FIRST
    assert document.blocks[2].text == '{"id":3,"title":"Typo on pricing page","tags":[],"body":null}'


def test_a_small_object_is_one_record_and_a_big_one_is_split_by_key() -> None:
    small = parse(SourceFile("a.json", b'{"a": 1, "b": [2]}'), {}, IngestContext())
    assert [block.text for block in small.blocks] == ['{"a":1,"b":[2]}']
    big = {f"key{index}": "x" * 100 for index in range(SPLIT_OBJECTS_OVER // 100)}
    split = parse(SourceFile("b.json", json.dumps(big).encode()), {}, IngestContext())
    assert len(split.blocks) == len(big)
    assert split.blocks[0].text == json.dumps({"key0": "x" * 100}, separators=(",", ":"))


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(IngestError, match=r"a\.json is not valid JSON: Expecting value at line 2, column 8"):
        parse(SourceFile("a.json", b'[1, 2,\n {"a": }]'), {}, IngestContext())


def test_invalid_json_line_names_the_line() -> None:
    with pytest.raises(IngestError, match=r"a\.jsonl line 3 is not valid JSON: .* at column 6"):
        parse(SourceFile("a.jsonl", b'{"a":1}\n\n{"b":\n'), {}, IngestContext())


def test_absurd_nesting_is_refused() -> None:
    with pytest.raises(IngestError, match="nested too deeply"):
        parse(SourceFile("deep.json", b"[" * 100_000 + b"]" * 100_000), {}, IngestContext())

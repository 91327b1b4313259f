"""Reading models' answers: JSON where there is some, lists otherwise, nothing invented."""

from __future__ import annotations

import pytest

from ragloom.enrich.errors import UnreadableReplyError
from ragloom.enrich.metadata import fitted
from ragloom.enrich.replies import json_value, string_items


@pytest.mark.parametrize(
    ("reply", "items"),
    [
        ('["a", "b", "a"]', ["a", "b"]),
        ('```json\n{"keywords": ["x", "y"]}\n```', ["x", "y"]),
        ("Keywords: alpha, beta；gamma、delta", ["alpha", "beta", "gamma", "delta"]),
        ("- first\n* second\n3. third", ["first", "second", "third"]),
        ("", []),
    ],
)
def test_string_items(reply: str, items: list[str]) -> None:
    assert string_items(reply) == items


def test_lines_keep_their_commas() -> None:
    assert string_items("1. Where, exactly, is it?\n2) Why?", lines_only=True) == ["Where, exactly, is it?", "Why?"]


def test_json_value_finds_json_in_prose_or_says_what_it_got() -> None:
    assert json_value('Sure: {"a": 1} hope it helps') == {"a": 1}
    with pytest.raises(UnreadableReplyError, match="^an answer that is not JSON: 'no json here'$"):
        json_value("no json here")


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ({"type": "number"}, "1,024", 1024),
        ({"type": "number"}, "2.5", 2.5),
        ({"type": "number"}, True, None),
        ({"type": "time"}, "2024-02-29 10:30", "2024-02-29 10:30"),
        ({"type": "time"}, "last week", None),
        ({"type": "string", "enum": ["Red", "Blue"]}, "red", "Red"),
        ({"type": "string"}, {"nested": 1}, None),
        ({"type": "list", "enum": ["a"]}, "a", ["a"]),
        ({"type": "list"}, [], None),
    ],
)
def test_metadata_values_fit_their_field(field: dict[str, object], value: object, kept: object) -> None:
    assert fitted(field, value) == kept

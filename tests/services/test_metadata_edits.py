"""Bulk metadata edits, the summary and the flattened view, on plain dicts."""

from __future__ import annotations

from typing import Any

import pytest

from ragloom.services.metadata_edits import MetadataDelete, MetadataUpdate, edited, flattened, summary


def update(key: str, value: Any, **match: Any) -> MetadataUpdate:
    return MetadataUpdate(key, value, match.get("match"), match_given="match" in match)


@pytest.mark.parametrize(
    ("meta", "change", "expected"),
    [
        ({}, update("author", "bob"), {"author": "bob"}),
        ({"author": "alice"}, update("author", "bob"), {"author": "bob"}),
        ({"tags": ["a"]}, update("tags", ["x", "y", "x"]), {"tags": ["x", "y"]}),
        ({"author": "alice"}, update("author", "bob", match="alice"), {"author": "bob"}),
        ({"year": 2024}, update("year", 2025, match="2024"), {"year": 2025}),
        ({"tags": ["a", "b", "a"]}, update("tags", "c", match="a"), {"tags": ["c", "b"]}),
        ({"tags": ["a", "b"]}, update("tags", ["x", "b"], match="a"), {"tags": ["x", "b"]}),
        ({"tags": [1, "1"]}, update("tags", ["1", 1]), {"tags": ["1", 1]}),
    ],
)
def test_updates(meta: dict[str, Any], change: MetadataUpdate, expected: dict[str, Any]) -> None:
    assert edited(meta, [change], []) == expected


@pytest.mark.parametrize(
    ("meta", "change"),
    [
        ({"author": "alice"}, update("author", "alice")),
        ({"author": "alice"}, update("author", "bob", match="carol")),
        ({}, update("author", "bob", match="alice")),
        ({"tags": ["a"]}, update("tags", "c", match="b")),
        ({"tags": ["a", "a"]}, update("tags", "c", match="b")),
    ],
)
def test_updates_that_change_nothing(meta: dict[str, Any], change: MetadataUpdate) -> None:
    assert edited(meta, [change], []) is None


@pytest.mark.parametrize(
    ("meta", "change", "expected"),
    [
        ({"author": "alice", "year": 1}, MetadataDelete("author"), {"year": 1}),
        ({"author": "alice"}, MetadataDelete("author", "alice"), {}),
        ({"tags": ["a", "b", "a"]}, MetadataDelete("tags", "a"), {"tags": ["b"]}),
        ({"tags": ["a"]}, MetadataDelete("tags", "a"), {}),
        ({"year": 2024}, MetadataDelete("year", "2024"), {}),
    ],
)
def test_deletes(meta: dict[str, Any], change: MetadataDelete, expected: dict[str, Any]) -> None:
    assert edited(meta, [], [change]) == expected


def test_deletes_that_change_nothing_and_order_of_operations() -> None:
    assert edited({"author": "alice"}, [], [MetadataDelete("author", "bob"), MetadataDelete("missing")]) is None
    assert edited({"tags": ["a"]}, [], [MetadataDelete("tags", "b")]) is None
    # updates first, then deletes: a key set and deleted in one edit is gone
    assert edited({"a": 1}, [update("b", "x")], [MetadataDelete("b")]) is None
    assert edited({"a": 1}, [update("b", "x")], [MetadataDelete("a")]) == {"b": "x"}


def test_the_original_is_never_changed() -> None:
    meta = {"tags": ["a", "b"]}
    assert edited(meta, [update("tags", "c", match="a")], [MetadataDelete("tags", "b")]) == {"tags": ["c"]}
    assert meta == {"tags": ["a", "b"]}


def test_summary_counts_documents_per_value_most_common_first() -> None:
    metas = [
        {"tags": ["foo", "bar", "foo"], "author": "alice", "year": 2024, "day": "2024-05-01"},
        {"tags": ["foo"], "author": "bob", "year": "2023"},
        {"tags": ["bar", "baz"], "author": None, "day": " "},
    ]
    assert summary(metas) == {
        "tags": {"type": "list", "values": [["foo", 2], ["bar", 2], ["baz", 1]]},
        "author": {"type": "string", "values": [["alice", 1], ["bob", 1]]},
        "year": {"type": "number", "values": [["2024", 1], ["2023", 1]]},
        "day": {"type": "time", "values": [["2024-05-01", 1]]},
    }
    assert summary([]) == {}


def test_flattened_lists_the_documents_of_each_value() -> None:
    documents = [("d1", {"tags": ["a", "b", "a"], "author": "x"}), ("d2", {"tags": "a", "none": None})]
    assert flattened(documents) == {"tags": {"a": ["d1", "d2"], "b": ["d1"]}, "author": {"x": ["d1"]}}

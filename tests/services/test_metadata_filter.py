"""metadata_condition semantics (contract §7.2)."""

import pytest

from ragloom.errors import DataError
from ragloom.services.metadata_filter import condition_matches, matches, matches_simple, matching_ids

META = {"author": "Alice", "year": "2021", "tags": ["rag", "Search"], "date": "2024-05-01", "pages": 12}


def cond(name: str, operator: str, value: object) -> dict[str, object]:
    return {"name": name, "comparison_operator": operator, "value": value}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("author", "is", "alice"), True),
        (cond("author", "=", "bob"), False),
        (cond("author", "not is", "bob"), True),
        (cond("author", "contains", "lic"), True),
        (cond("author", "not contains", "lic"), False),
        (cond("author", "start with", "al"), True),
        (cond("author", "end with", "CE"), True),
        (cond("year", ">", "2020"), True),
        (cond("year", ">", 2021), False),
        (cond("year", ">=", 2021), True),
        (cond("pages", "<", "100"), True),
        (cond("pages", "≤", 12), True),
        (cond("date", ">", "2024-01-01"), True),
        (cond("author", ">", "2024-01-01"), False),
        (cond("tags", "contains", "search"), True),
        (cond("tags", "in", ["rag", "search", "x"]), True),
        (cond("tags", "in", "rag"), False),
        (cond("tags", "not in", ["x"]), True),
        (cond("missing", "=", "x"), False),
        (cond("missing", "empty", ""), False),
        (cond("missing", "not empty", ""), False),
        (cond("author", "not empty", ""), True),
        (cond("author", "!=", "alice"), False),
    ],
)
def test_operators(condition: dict[str, object], expected: bool) -> None:
    assert condition_matches(META, condition) is expected


def test_logic_and_or() -> None:
    both = [cond("author", "=", "alice"), cond("year", "=", "1999")]
    assert matches(META, {"conditions": both}) is False
    assert matches(META, {"logic": "or", "conditions": both}) is True
    assert matches(META, {"conditions": []}) is True


def test_matching_ids() -> None:
    documents = [("a", {"k": "1"}), ("b", {"k": "2"}), ("c", {})]
    assert matching_ids(documents, {"conditions": [cond("k", ">", 1)]}) == {"b"}


def test_bad_conditions_are_clear_errors() -> None:
    with pytest.raises(DataError, match="needs name, comparison_operator and value"):
        condition_matches(META, {"name": "author"})
    with pytest.raises(DataError, match="Unsupported comparison operator: ~"):
        condition_matches(META, cond("author", "~", "x"))


def test_simple_metadata_filter() -> None:
    assert matches_simple(META, {"author": ["Bob", "Alice"]})
    assert matches_simple(META, {"author": "Alice", "tags": "rag"})
    assert not matches_simple(META, {"author": "Alice", "year": "1999"})
    assert not matches_simple(META, {"missing": "x"})

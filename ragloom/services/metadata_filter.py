"""``metadata_condition``: which documents' ``meta_fields`` satisfy a set of conditions.

Used by document listing now and by retrieval and chat later, so every path filters alike.
A condition is ``{"name", "comparison_operator", "value"}``; conditions combine with
``logic`` ``"and"`` (default) or ``"or"``. A document lacking the key never matches.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ragloom.errors import DataError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ALIASES = {"is": "=", "not is": "≠", "!=": "≠", ">=": "≥", "<=": "≤", "==": "="}


def _literal(value: Any) -> Any:
    """Numbers stay numbers, numeric strings become numbers, other strings lower-case."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    text = str(value).strip()
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text.lower()
    if isinstance(parsed, int | float) and not isinstance(parsed, bool):
        return parsed
    return text.lower()


def _compare(operator: str, actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and _DATE.match(expected):
        if not (isinstance(actual, str) and _DATE.match(actual)):
            return False
        left, right = actual, expected
    else:
        left, right = _literal(actual), _literal(expected)
        if type(left) is not type(right) and not (isinstance(left, int | float) and isinstance(right, int | float)):
            left, right = str(left).lower(), str(right).lower()
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b,
        "≠": lambda a, b: a != b,
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
        "≥": lambda a, b: a >= b,
        "≤": lambda a, b: a <= b,
    }
    return comparisons[operator](left, right)


def _as_text(value: Any) -> str:
    return str(value).lower()


def _expected_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple | set):
        return [_as_text(item) for item in value]
    return [part.strip().lower() for part in str(value).split(",")]


def condition_matches(meta: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    """Whether one document's metadata satisfies one condition."""
    try:
        name = condition["name"]
        operator = str(condition["comparison_operator"]).strip()
        expected = condition["value"]
    except (KeyError, TypeError):
        raise DataError("Each metadata condition needs name, comparison_operator and value") from None
    operator = _ALIASES.get(operator, operator)
    if name not in meta:
        return False
    actual = meta[name]
    if operator == "empty":
        return actual in (None, "", [])
    if operator == "not empty":
        return actual not in (None, "", [])
    values = actual if isinstance(actual, list) else [actual]
    if operator == "contains":
        return any(_as_text(expected) in _as_text(item) for item in values)
    if operator == "not contains":
        return all(_as_text(expected) not in _as_text(item) for item in values)
    if operator == "in":
        allowed = _expected_list(expected)
        return all(_as_text(item) in allowed for item in values)
    if operator == "not in":
        refused = _expected_list(expected)
        return all(_as_text(item) not in refused for item in values)
    if operator == "start with":
        return "".join(_as_text(item) for item in values).startswith(_as_text(expected))
    if operator == "end with":
        return "".join(_as_text(item) for item in values).endswith(_as_text(expected))
    if operator in {"=", "≠", ">", "<", "≥", "≤"}:
        try:
            return any(_compare(operator, item, expected) for item in values)
        except TypeError:
            return False
    raise DataError(f"Unsupported comparison operator: {operator}")


def matches(meta: Mapping[str, Any], metadata_condition: Mapping[str, Any]) -> bool:
    """Whether a document's metadata satisfies a whole ``metadata_condition``."""
    conditions = metadata_condition.get("conditions") or []
    if not conditions:
        return True
    logic = str(metadata_condition.get("logic") or "and").lower()
    results = (condition_matches(meta, condition) for condition in conditions)
    return any(results) if logic == "or" else all(results)


def matching_ids(documents: Iterable[tuple[str, Mapping[str, Any]]], metadata_condition: Mapping[str, Any]) -> set[str]:
    """The ids among ``(id, meta_fields)`` pairs whose metadata satisfies the condition."""
    return {document_id for document_id, meta in documents if matches(meta or {}, metadata_condition)}


def matches_simple(meta: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """The ``metadata`` list filter: AND across keys, OR within a key, compared as strings."""
    for key, accepted in wanted.items():
        options = {str(item) for item in accepted} if isinstance(accepted, list) else {str(accepted)}
        if key not in meta:
            return False
        actual = meta[key]
        present = {str(item) for item in actual} if isinstance(actual, list) else {str(actual)}
        if not options & present:
            return False
    return True

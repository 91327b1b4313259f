"""Conditions: a value, an operator, an operand — as Switch, Loop, ListOperations and DataOperations write them.

The operators are RAGFlow's, spelled as its editor saves them; the ASCII forms some DSLs carry
(``>=``, ``!=``, ``is``, ``starts with`` …) mean the same and are read as their canonical
spelling by :func:`canonical_operator`:

- ``contains`` / ``not contains`` — a text holds the operand; a list holds an item equal to it;
  an object has it as a key.
- ``start with`` / ``end with`` — the value, read as text, starts or ends with the operand.
- ``empty`` / ``not empty`` — nothing, blank text, an empty list or object is empty; ``0`` and
  ``false`` are values, not emptiness.
- ``=`` / ``≠`` — two sides that both read as numbers compare as numbers (``3`` equals ``"3.0"``);
  a boolean compares with ``true``/``false``; anything else compares as text.
- ``>``, ``<``, ``≥``, ``≤`` — as numbers when both sides read as numbers, as text when both are
  texts; any other pair does not satisfy them.

``fold_case`` makes the text operators (contains, start with, end with) ignore case, as Switch
does; every other caller compares case as written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator

from ragloom.agents.references import as_text

OPERATORS = (
    "contains",
    "not contains",
    "start with",
    "end with",
    "empty",
    "not empty",
    "=",
    "≠",
    ">",
    "<",
    "≥",
    "≤",
)
_ALIASES = {
    "is": "=",
    "is not": "≠",
    "==": "=",
    "equals": "=",
    "!=": "≠",
    "not equals": "≠",
    ">=": "≥",
    "<=": "≤",
    "starts with": "start with",
    "ends with": "end with",
    "is empty": "empty",
    "is not empty": "not empty",
}


def canonical_operator(operator: str) -> str:
    """``operator`` in RAGFlow's spelling; a :class:`ValueError` listing the operators for an unknown one."""
    spelled = " ".join(str(operator).split()).lower()
    spelled = _ALIASES.get(spelled, spelled)
    if spelled not in OPERATORS:
        raise ValueError(f"unknown operator '{operator}'; the operators are: {', '.join(OPERATORS)}")
    return spelled


Operator = Annotated[str, AfterValidator(canonical_operator)]
"""A parameter naming an operator: checked when the canvas is built, kept in canonical spelling."""


def _lowered(value: Any) -> Any:
    return (value.strip().lower() or "and") if isinstance(value, str) else value


LogicalOperator = Annotated[Literal["and", "or"], BeforeValidator(_lowered)]
"""How a condition's items combine: ``and`` (every one holds) or ``or`` (any one does)."""


def holds(value: Any, operator: str, operand: Any, *, fold_case: bool = False) -> bool:
    """Whether ``value <operator> operand`` is true (see the module docstring)."""
    check = _CHECKS[canonical_operator(operator)]
    return check(value, operand, fold_case)


def is_empty(value: Any) -> bool:
    """Nothing, blank text, an empty list or object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return not value
    return False


def as_number(value: Any) -> float | None:
    """``value`` as a number when it is one or is text that reads as one (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _text(value: Any, fold_case: bool) -> str:
    text = as_text(value)
    return text.lower() if fold_case else text


def _equal(value: Any, operand: Any) -> bool:
    left, right = as_number(value), as_number(operand)
    if left is not None and right is not None:
        return left == right
    if isinstance(value, bool) or isinstance(operand, bool):
        return _text(value, True) == _text(operand, True)
    return as_text(value) == as_text(operand)


def _contains(value: Any, operand: Any, fold_case: bool) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, tuple)):
        return any(_equal(item, operand) for item in value)
    if isinstance(value, dict):
        return as_text(operand) in value
    return _text(operand, fold_case) in _text(value, fold_case)


def _ordered(value: Any, operand: Any, compare: Callable[[Any, Any], bool]) -> bool:
    left, right = as_number(value), as_number(operand)
    if left is not None and right is not None:
        return compare(left, right)
    if isinstance(value, str) and isinstance(operand, str):
        return compare(value, operand)
    return False


_CHECKS: dict[str, Callable[[Any, Any, bool], bool]] = {
    "contains": _contains,
    "not contains": lambda value, operand, fold: not _contains(value, operand, fold),
    "start with": lambda value, operand, fold: _text(value, fold).startswith(_text(operand, fold)),
    "end with": lambda value, operand, fold: _text(value, fold).endswith(_text(operand, fold)),
    "empty": lambda value, _operand, _fold: is_empty(value),
    "not empty": lambda value, _operand, _fold: not is_empty(value),
    "=": lambda value, operand, _fold: _equal(value, operand),
    "≠": lambda value, operand, _fold: not _equal(value, operand),
    ">": lambda value, operand, _fold: _ordered(value, operand, lambda left, right: left > right),
    "<": lambda value, operand, _fold: _ordered(value, operand, lambda left, right: left < right),
    "≥": lambda value, operand, _fold: _ordered(value, operand, lambda left, right: left >= right),
    "≤": lambda value, operand, _fold: _ordered(value, operand, lambda left, right: left <= right),
}

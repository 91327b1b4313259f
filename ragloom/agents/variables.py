"""Typed variables — conversation variables (``env.*``) and Loop variables — and their values.

The DSL declares a variable's type as RAGFlow's editor names it: ``string``, ``number``,
``boolean``, ``object`` or ``array<…>`` (``array<string>``, ``Array<object>`` …). Each type has
an empty value (``""``, ``0``, ``false``, ``{}``, ``[]``), and text typed by a user or written by
a model converts to the type where it reads as one (``"3"`` to ``3``, ``"true"`` to ``true``,
JSON text to an object or list); text that does not stays text.
"""

from __future__ import annotations

import json
from typing import Any


def kind(type_name: str) -> str:
    """The family of a declared type: string, number, boolean, object or array ("" when unknown)."""
    name = (type_name or "").strip().lower()
    if name.startswith("array"):
        return "array"
    if name.startswith("object"):
        return "object"
    return name if name in ("string", "number", "boolean") else ""


def kind_of(value: Any) -> str:
    """The family a value belongs to ("" for nothing)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return ""


def described(value: Any) -> str:
    """What a value is, for a message: "a number", "a list", "nothing"."""
    if value is None:
        return "nothing"
    family = kind_of(value)
    return {"array": "a list", "object": "an object", "": f"a {type(value).__name__}"}.get(family, f"a {family}")


def empty_value(family: str) -> Any:
    """The empty value of a type family (``None`` for an unknown one)."""
    return {"string": "", "number": 0, "boolean": False, "object": {}, "array": []}.get(family)


def converted(value: Any, family: str) -> Any:
    """``value`` as a ``family`` value when it is text that reads as one; otherwise ``value`` unchanged."""
    if not isinstance(value, str) or family in ("", "string"):
        return value
    text = value.strip()
    if family == "number":
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    if family == "boolean":
        return {"true": True, "false": False}.get(text.lower(), value)
    try:
        parsed = json.loads(text)
    except ValueError:
        return value
    wanted = dict if family == "object" else list
    return parsed if isinstance(parsed, wanted) else value

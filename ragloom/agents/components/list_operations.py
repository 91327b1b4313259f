"""ListOperations: one operation on a list; outputs ``result`` (a list), ``first`` and ``last``.

``query`` names the list (a bare reference; JSON text holding a list is read as one).
``operations``:

- ``nth`` — the ``n``-th item, counted from 1 (negative ``n`` counts from the end), as a list of one;
- ``head`` / ``tail`` — the first / last ``n`` items (``topN`` is the editor's name for ``head``);
- ``filter`` — the items for which ``filter`` (``{operator, value}``, any operator of
  :mod:`ragloom.agents.conditions`) holds;
- ``sort`` — ascending or descending (``sort_method``); objects by the keys in ``sort_by``
  (comma-separated), else by all their contents; items of different kinds sort numbers first,
  then texts, then the rest;
- ``drop_duplicates`` — the first of each set of equal items.

With ``strict``, an ``n`` out of range fails the component instead of giving an empty list.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragloom.agents.components.base import BareReference, Component, ComponentParams, Invocation
from ragloom.agents.conditions import Operator, as_number, holds
from ragloom.agents.references import as_text
from ragloom.errors import ArgumentError


class ListFilter(BaseModel):
    model_config = ConfigDict(extra="allow")

    operator: Operator = "="
    value: Any = ""


class ListOperationsParams(ComponentParams):
    query: BareReference
    operations: Literal["nth", "head", "tail", "filter", "sort", "drop_duplicates"] = "nth"
    n: int = 0
    strict: bool = False
    sort_method: Literal["asc", "desc"] = "asc"
    sort_by: str = ""
    filter: ListFilter = Field(default_factory=ListFilter)

    @field_validator("operations", mode="before")
    @classmethod
    def _spelling(cls, value: Any) -> Any:
        if isinstance(value, str):
            spelled = value.strip()
            return "head" if spelled.lower() == "topn" else spelled or "nth"
        return value


class ListOperations(Component):
    """Picks, filters, sorts or de-duplicates the items of a list."""

    name = "ListOperations"
    Params = ListOperationsParams
    bare_references = ("query",)

    def _params(self) -> ListOperationsParams:
        assert isinstance(self.params, ListOperationsParams)
        return self.params

    def invoke(self, run: Invocation) -> dict[str, Any]:
        params = self._params()
        items = run.items(params.query)
        if params.operations in ("nth", "head", "tail"):
            result = self._counted(items)
        elif params.operations == "filter":
            operand = run.resolve(params.filter.value)
            result = [item for item in items if holds(item, params.filter.operator, operand)]
        elif params.operations == "sort":
            keys = [key.strip() for key in params.sort_by.split(",") if key.strip()]
            result = sorted(items, key=lambda item: _sort_key(item, keys), reverse=params.sort_method == "desc")
        else:
            seen: set[str] = set()
            result = []
            for item in items:
                identity = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
                if identity not in seen:
                    seen.add(identity)
                    result.append(item)
        return {"result": result, "first": result[0] if result else None, "last": result[-1] if result else None}

    def _counted(self, items: list[Any]) -> list[Any]:
        params = self._params()
        n, size = params.n, len(items)
        if params.operations == "nth":
            fits = n != 0 and abs(n) <= size
            picked = [items[n - 1 if n > 0 else n]] if fits else []
        else:
            fits = 1 <= n <= size
            picked = items[: max(n, 0)] if params.operations == "head" else (items[-n:] if n >= 1 else [])
        if params.strict and not fits:
            raise ArgumentError(f"{params.operations} needs n between 1 and {size} here (strict), but n is {n}.")
        return picked


def _sort_key(item: Any, keys: list[str]) -> tuple[tuple[int, Any], ...]:
    if not keys:
        return (_scalar_key(item),)
    return tuple(_scalar_key(item.get(key) if isinstance(item, dict) else None) for key in keys)


def _scalar_key(value: Any) -> tuple[int, Any]:
    number = as_number(value) if not isinstance(value, str) else None
    if number is not None:
        return (0, number)
    if isinstance(value, str):
        return (1, value)
    if value is None:
        return (3, "")
    return (2, as_text(value) if not isinstance(value, dict) else json.dumps(value, sort_keys=True, default=str))

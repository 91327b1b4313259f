"""DataOperations: operations on objects (JSON dicts) gathered from references.

``query`` lists bare references; each names an object, a list of objects (non-objects in it are
passed over) or JSON text holding either. ``operations`` chooses what becomes ``result``:

- ``select_keys`` (``select_keys``: key names) — each object with only those keys;
- ``literal_eval`` — each object with its text values that read as literals (JSON or Python:
  numbers, booleans, lists, objects) turned into them, recursively;
- ``combine`` — one object: every key of every object, repeated keys gathering their values in a list;
- ``filter_values`` (``filter_values``: ``{key, operator, value}`` rules, all of which must hold) —
  the objects that pass; a rule's ``value`` may hold references;
- ``append_or_update`` (``updates``: ``{key, value}``) — each object with those keys set (a value
  that is one reference keeps its value as it is, other text is rendered);
- ``remove_keys`` (``remove_keys``) and ``rename_keys`` (``rename_keys``: ``{old_key, new_key}``).

The editor may save key lists as ``[{"name": key}]`` and ``query`` as ``[{"input": ref}]``; both
are read. RAGFlow's own ``literal_eval`` is unreachable (it dispatches on another name).
"""

from __future__ import annotations

import ast
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragloom.agents.components.base import BareReference, Component, ComponentParams, Invocation
from ragloom.agents.conditions import Operator, holds

Operation = Literal[
    "select_keys", "literal_eval", "combine", "filter_values", "append_or_update", "remove_keys", "rename_keys"
]
_SPELLINGS = {"rename": "rename_keys", "recursive_eval": "literal_eval"}
_LONGEST_LITERAL = 100_000


def _texts(value: Any, key: str) -> Any:
    """A list of texts, also from the editor's ``[{key: text}]``."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [item.get(key, "") if isinstance(item, dict) else item for item in value]
    return value


class FilterRule(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str
    operator: Operator = "="
    value: Any = ""


class Update(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str
    value: Any = ""


class Rename(BaseModel):
    model_config = ConfigDict(extra="allow")

    old_key: str
    new_key: str


class DataOperationsParams(ComponentParams):
    query: list[BareReference] = Field(default_factory=list)
    operations: Operation = "literal_eval"
    select_keys: list[str] = Field(default_factory=list)
    filter_values: list[FilterRule] = Field(default_factory=list)
    updates: list[Update] = Field(default_factory=list)
    remove_keys: list[str] = Field(default_factory=list)
    rename_keys: list[Rename] = Field(default_factory=list)

    @field_validator("query", mode="before")
    @classmethod
    def _inputs(cls, value: Any) -> Any:
        return _texts(value, "input")

    @field_validator("select_keys", "remove_keys", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _texts(value, "name")

    @field_validator("operations", mode="before")
    @classmethod
    def _spelling(cls, value: Any) -> Any:
        if isinstance(value, str):
            spelled = "_".join(value.strip().lower().split())
            return _SPELLINGS.get(spelled, spelled)
        return value


class DataOperations(Component):
    """Selects, converts, combines, filters and edits objects."""

    name = "DataOperations"
    Params = DataOperationsParams
    bare_references = ("query",)

    def _params(self) -> DataOperationsParams:
        assert isinstance(self.params, DataOperationsParams)
        return self.params

    def invoke(self, run: Invocation) -> dict[str, Any]:
        params = self._params()
        objects = [item for reference in params.query for item in _objects(run.value(reference))]
        operation = params.operations
        if operation == "combine":
            return {"result": _combined(objects)}
        if operation == "filter_values":
            rules = [(rule, run.resolve(rule.value)) for rule in params.filter_values]
            return {
                "result": [item for item in objects if all(_passes(item, rule, operand) for rule, operand in rules)]
            }
        if operation == "select_keys":
            return {
                "result": [{key: value for key, value in item.items() if key in params.select_keys} for item in objects]
            }
        if operation == "literal_eval":
            return {"result": [_evaluated(item) for item in objects]}
        if operation == "append_or_update":
            updates = {update.key.strip(): run.resolve(update.value) for update in params.updates if update.key.strip()}
            return {"result": [{**item, **updates} for item in objects]}
        if operation == "remove_keys":
            return {"result": [{k: v for k, v in item.items() if k not in params.remove_keys} for item in objects]}
        return {"result": [_renamed(item, params.rename_keys) for item in objects]}


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _passes(item: dict[str, Any], rule: FilterRule, operand: Any) -> bool:
    return rule.key in item and holds(item[rule.key], rule.operator, operand)


def _combined(objects: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    gathered: set[str] = set()
    for item in objects:
        for key, value in item.items():
            if key not in result:
                result[key] = value
                continue
            if key not in gathered:
                first = result[key]
                result[key] = list(first) if isinstance(first, list) else [first]
                gathered.add(key)
            result[key].extend(value if isinstance(value, list) else [value])
    return result


def _evaluated(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _evaluated(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_evaluated(item) for item in value]
    if not isinstance(value, str) or len(value) > _LONGEST_LITERAL:
        return value
    text = value.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return _plain(ast.literal_eval(text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value


def _plain(value: Any) -> Any:
    """A Python literal as JSON can hold it: tuples and sets become lists, bytes text."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, complex):
        return str(value)
    return value


def _renamed(item: dict[str, Any], pairs: list[Rename]) -> dict[str, Any]:
    renamed = dict(item)
    for pair in pairs:
        old, new = pair.old_key.strip(), pair.new_key.strip()
        if old and new and old != new and old in renamed:
            renamed[new] = renamed.pop(old)
    return renamed

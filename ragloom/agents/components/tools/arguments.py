"""What tool components share: parameters as a function's JSON schema, and reading them in a run."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ragloom.agents.components.base import Invocation, ToolSpec
from ragloom.agents.references import as_text
from ragloom.errors import ProviderError

T = TypeVar("T")


@dataclass(frozen=True)
class Argument:
    """One argument of a tool's function: its JSON type, what it means, its choices, whether required."""

    name: str
    type: str
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    items: str = ""
    """The JSON type of an array's items."""


@dataclass(frozen=True)
class Function:
    """A tool's function: its name, what it does, its arguments."""

    name: str
    description: str
    arguments: list[Argument] = field(default_factory=list)

    def spec(self, description: str = "") -> ToolSpec:
        """The :class:`ToolSpec` (``description``, the DSL's own, replaces the default when given)."""
        properties: dict[str, Any] = {}
        for argument in self.arguments:
            schema: dict[str, Any] = {"type": argument.type, "description": argument.description}
            if argument.choices:
                schema["enum"] = list(argument.choices)
            if argument.items:
                schema["items"] = {"type": argument.items}
            properties[argument.name] = schema
        parameters = {
            "type": "object",
            "properties": properties,
            "required": [argument.name for argument in self.arguments if argument.required],
        }
        return ToolSpec(self.name, description.strip() or self.description, parameters)


def text_of(run: Invocation, template: str) -> str:
    """A text parameter in a run: a lone reference gives its value as text, other text is rendered."""
    return as_text(run.resolve(template))


def given(arguments: dict[str, Any], name: str, default: Any) -> Any:
    """What the model passed for ``name``, or ``default`` when it passed nothing (or null, or "")."""
    value = arguments.get(name)
    return default if value is None or value == "" else value


def retried(call: Callable[[], T], retries: int, delay_seconds: float) -> T:
    """``call()``, again up to ``retries`` times after ``delay_seconds`` when the outside party failed
    (a :class:`ProviderError`; a refusal by the settings is not retried)."""
    attempt = 0
    while True:
        try:
            return call()
        except ProviderError:
            if attempt >= retries:
                raise
            attempt += 1
            time.sleep(delay_seconds)

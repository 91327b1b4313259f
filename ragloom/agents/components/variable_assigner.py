"""VariableAssigner: changes conversation variables (``env.*``) and Loop variables, in order.

Each entry of ``variables`` is ``{variable, operator, parameter}``. ``variable`` names the target
(``env.counter``, or ``Loop:X@total`` for a variable of that Loop; braces optional). The
parameter is a reference (bare or braced) or a literal; text with braced references is rendered.

- ``overwrite`` — the parameter's value; ``clear`` — the empty value of the variable's type;
  ``set`` — the parameter, text rendered and converted to the variable's type;
- ``append`` (one item), ``extend`` (a list's items), ``remove_first``, ``remove_last`` — on a list
  (a variable holding nothing counts as an empty list);
- ``+=``, ``-=``, ``*=``, ``/=`` — on a number, with a number (or text that reads as one).

An operation that does not fit the value (``+=`` on text, ``extend`` with a non-list, dividing by
zero) fails the component with a message naming the variable; RAGFlow instead writes an
``ERROR:…`` text into the variable.
"""

from __future__ import annotations

import operator as arithmetic
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ragloom.agents.components.base import CanvasView, Component, ComponentParams, InvalidParameter, Invocation
from ragloom.agents.components.loop import Loop, LoopParams
from ragloom.agents.references import Reference, bare_reference
from ragloom.agents.variables import converted, described, empty_value, kind, kind_of
from ragloom.errors import ArgumentError

Operation = Literal[
    "overwrite", "clear", "set", "append", "extend", "remove_first", "remove_last", "+=", "-=", "*=", "/="
]
_WITHOUT_PARAMETER = ("clear", "remove_first", "remove_last")
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+=": arithmetic.add,
    "-=": arithmetic.sub,
    "*=": arithmetic.mul,
    "/=": arithmetic.truediv,
}


@dataclass(frozen=True)
class Target:
    """What an assignment changes: a conversation variable, or a variable of a Loop."""

    reference: Reference

    @classmethod
    def of(cls, text: str) -> Target:
        reference = bare_reference(text)
        if reference is None or not (reference.name.startswith("env.") or reference.component_id):
            raise ValueError(
                f"'{text}' is not a variable VariableAssigner can change: name a conversation variable "
                "(env.<name>) or a Loop variable (<Loop id>@<name>)"
            )
        return cls(reference)

    @property
    def env_name(self) -> str | None:
        return self.reference.name[4:] if self.reference.name.startswith("env.") else None

    def family(self, run: Invocation, current: Any) -> str:
        """The declared type's family, else the current value's."""
        declared = ""
        if self.env_name is not None:
            entry = run.state.variables.get(self.env_name)
            declared = kind(str(entry.get("type", ""))) if isinstance(entry, dict) else ""
        else:
            params = run.canvas.component(str(self.reference.component_id)).params
            if isinstance(params, LoopParams):
                declared = kind(params.type_of(self.reference.output))
        return declared or kind_of(current)

    def write(self, run: Invocation, value: Any) -> None:
        with run.lock:
            name = self.env_name
            if name is None:
                outputs = run.state.outputs.setdefault(str(self.reference.component_id), {})
                outputs[self.reference.output] = value
                return
            entry = run.state.variables.get(name)
            known = isinstance(entry, dict) or f"env.{name}" in run.state.globals
            if not known:
                raise ArgumentError(f"There is no conversation variable '{name}'.")
            if isinstance(entry, dict):
                entry["value"] = value
            if f"env.{name}" in run.state.globals:
                run.state.globals[f"env.{name}"] = value


class Assignment(BaseModel):
    model_config = ConfigDict(extra="allow")

    variable: str
    operator: Operation
    parameter: Any = None

    @field_validator("variable")
    @classmethod
    def _target(cls, value: str) -> str:
        Target.of(value)
        return value

    @model_validator(mode="after")
    def _complete(self) -> Assignment:
        if self.parameter is None and self.operator not in _WITHOUT_PARAMETER:
            raise ValueError(f"the operator '{self.operator}' needs a parameter")
        return self


class VariableAssignerParams(ComponentParams):
    variables: list[Assignment] = Field(default_factory=list)


class VariableAssigner(Component):
    """Changes variables."""

    name = "VariableAssigner"
    Params = VariableAssignerParams

    def _params(self) -> VariableAssignerParams:
        assert isinstance(self.params, VariableAssignerParams)
        return self.params

    def bare_reference_texts(self) -> list[str]:
        texts = [assignment.variable for assignment in self._params().variables]
        texts += [
            assignment.parameter
            for assignment in self._params().variables
            if isinstance(assignment.parameter, str) and _is_reference(assignment.parameter)
        ]
        return texts

    def check(self, canvas: CanvasView) -> None:
        for position, assignment in enumerate(self._params().variables):
            target = Target.of(assignment.variable)
            if target.env_name is not None:
                continue
            owner = canvas.get(str(target.reference.component_id))
            if not isinstance(owner, Loop):
                raise InvalidParameter(
                    f"variables.{position}.variable",
                    f"'{assignment.variable}' is not a Loop variable: VariableAssigner changes conversation "
                    "variables (env.<name>) and the variables of a Loop.",
                )
            if not owner.declares(target.reference.output):
                raise InvalidParameter(
                    f"variables.{position}.variable",
                    f"the Loop '{owner.id}' has no variable '{target.reference.output}'.",
                )

    def invoke(self, run: Invocation) -> dict[str, Any]:
        for assignment in self._params().variables:
            target = Target.of(assignment.variable)
            current = run.lookup(target.reference.name)
            value = _apply(assignment, current, target.family(run, current), run)
            target.write(run, value)
        return {}


def _apply(assignment: Assignment, current: Any, family: str, run: Invocation) -> Any:
    name, operation, parameter = assignment.variable, assignment.operator, assignment.parameter
    if operation == "clear":
        return empty_value(family)
    if operation == "overwrite":
        return _operand(parameter, run)
    if operation == "set":
        return converted(run.render(parameter), family) if isinstance(parameter, str) else parameter
    if operation in _ARITHMETIC:
        return _calculate(name, operation, current, _operand(parameter, run))
    items = [] if current is None else current
    if not isinstance(items, list):
        raise ArgumentError(f"'{name}' holds {described(items)}; '{operation}' needs a list.")
    if operation == "append":
        return [*items, _operand(parameter, run)]
    if operation == "extend":
        more = converted(_operand(parameter, run), "array")
        if not isinstance(more, list):
            raise ArgumentError(f"'extend' of '{name}' needs a list to add, not {described(more)}.")
        return items + more
    return items[1:] if operation == "remove_first" else items[:-1]


def _calculate(name: str, operation: str, current: Any, operand: Any) -> Any:
    left, right = _number(current), _number(operand)
    if left is None:
        raise ArgumentError(f"'{name}' holds {described(current)}; '{operation}' needs a number.")
    if right is None:
        raise ArgumentError(f"'{operation}' on '{name}' needs a number, not {described(operand)}.")
    if operation == "/=" and right == 0:
        raise ArgumentError(f"'{name}' cannot be divided by zero.")
    return _ARITHMETIC[operation](left, right)


def _number(value: Any) -> int | float | None:
    value = converted(value, "number")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _operand(parameter: Any, run: Invocation) -> Any:
    if not isinstance(parameter, str):
        return parameter
    if _is_reference(parameter):
        return run.value(parameter)
    return run.render(parameter)


def _is_reference(text: str) -> bool:
    """A whole text that names a value: braced, or bare when it cannot be ordinary words."""
    reference = bare_reference(text)
    if reference is None:
        return False
    return "{" in text or "@" in reference.name or reference.name.startswith(("env.", "sys."))

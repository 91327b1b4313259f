"""Loop, LoopItem and ExitLoop: the body runs again and again until the loop ends.

The Loop's ``loop_variables`` (``{variable, type, value, input_mode}``) are its outputs
(``{Loop:X@count}``): ``input_mode`` ``variable`` takes the value a reference names,
``constant`` the value as written (text converted to the declared type), anything else the
type's empty value. A VariableAssigner in the body changes them between passes.

Before each pass, the first included, the LoopItem decides whether the loop ends:

- after ``maximum_loop_count`` passes (0 means :data:`MAX_LOOP_COUNT`, which no Loop may exceed:
  a body that never meets its condition still ends), or
- when ``loop_termination_condition`` holds: its items (``{variable, operator, value,
  input_mode}``, ``value`` a constant or, in ``variable`` mode, a reference) combined with
  ``logical_operator`` ``and`` / ``or``. A Loop without conditions runs until its count or an
  ExitLoop (RAGFlow's would end at once).

An ExitLoop in the body ends the loop there. Either way the Loop is reported finished and the run
goes on with its ``downstream``. The LoopItem's ``index`` (also ``{index}``) counts passes from 0.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ragloom.agents.components.base import (
    BareReference,
    CanvasView,
    Component,
    ComponentParams,
    InvalidParameter,
    Invocation,
    Next,
)
from ragloom.agents.components.container import BodyStart, Container
from ragloom.agents.conditions import LogicalOperator, Operator, holds
from ragloom.agents.references import bare_reference
from ragloom.agents.variables import converted, empty_value, kind

MAX_LOOP_COUNT = 1000
"""The most passes any Loop runs."""


def _read_in_variable_mode(input_mode: str, value: Any) -> None:
    """In ``variable`` mode the value must be a reference."""
    if input_mode == "variable" and (not isinstance(value, str) or bare_reference(value) is None):
        raise ValueError(f"in variable mode the value must be a reference, not {value!r}")


class LoopVariable(BaseModel):
    model_config = ConfigDict(extra="allow")

    variable: str = Field(min_length=1)
    type: str = "string"
    value: Any = None
    input_mode: str = "constant"

    @model_validator(mode="after")
    def _readable(self) -> LoopVariable:
        _read_in_variable_mode(self.input_mode, self.value)
        return self


class TerminationCondition(BaseModel):
    model_config = ConfigDict(extra="allow")

    variable: BareReference
    operator: Operator
    value: Any = ""
    input_mode: Literal["constant", "variable"] = "constant"

    @model_validator(mode="after")
    def _readable(self) -> TerminationCondition:
        _read_in_variable_mode(self.input_mode, self.value)
        return self


class LoopParams(ComponentParams):
    loop_variables: list[LoopVariable] = Field(default_factory=list)
    loop_termination_condition: list[TerminationCondition] = Field(default_factory=list)
    logical_operator: LogicalOperator = "and"
    maximum_loop_count: int = Field(default=10, ge=0, le=MAX_LOOP_COUNT)

    def type_of(self, name: str) -> str:
        """The declared type of a loop variable ("" for none)."""
        return next((variable.type for variable in self.loop_variables if variable.variable == name), "")

    @property
    def limit(self) -> int:
        return self.maximum_loop_count or MAX_LOOP_COUNT


class Loop(Container):
    """Runs its body while its termination condition does not hold."""

    name = "Loop"
    Params = LoopParams
    start_name = "LoopItem"

    def _params(self) -> LoopParams:
        assert isinstance(self.params, LoopParams)
        return self.params

    def declares(self, name: str) -> bool:
        return any(variable.variable == name for variable in self._params().loop_variables)

    def bare_reference_texts(self) -> list[str]:
        params = self._params()
        texts = [str(variable.value) for variable in params.loop_variables if variable.input_mode == "variable"]
        for condition in params.loop_termination_condition:
            texts.append(condition.variable)
            if condition.input_mode == "variable":
                texts.append(str(condition.value))
        return texts

    def invoke(self, run: Invocation) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for variable in self._params().loop_variables:
            family = kind(variable.type)
            if variable.input_mode == "variable":
                values[variable.variable] = run.value(str(variable.value))
            elif variable.input_mode == "constant":
                values[variable.variable] = converted(variable.value, family)
            else:
                values[variable.variable] = empty_value(family)
        with run.lock:
            run.state.positions[self.id] = 0
        return values

    def ends_before(self, passes: int, run: Invocation) -> bool:
        """Whether the loop ends before pass ``passes`` (from 0): its count is reached or its condition holds."""
        return passes >= self._params().limit or self.ended(run)

    def ended(self, run: Invocation) -> bool:
        """Whether the termination condition holds now (never, without one)."""
        params = self._params()
        if not params.loop_termination_condition:
            return False
        results = (
            holds(
                run.value(condition.variable),
                condition.operator,
                run.value(str(condition.value)) if condition.input_mode == "variable" else condition.value,
            )
            for condition in params.loop_termination_condition
        )
        return any(results) if params.logical_operator == "or" else all(results)


class LoopItem(BodyStart):
    """Starts each pass of a Loop's body, or ends the loop."""

    name = "LoopItem"
    container_name = "Loop"

    def next_pass(self, run: Invocation, container: Container, passes: int) -> dict[str, Any] | None:
        assert isinstance(container, Loop)
        return None if container.ends_before(passes, run) else {"index": passes}


class ExitLoop(Component):
    """Ends the enclosing Loop; the run goes on after it."""

    name = "ExitLoop"

    def check(self, canvas: CanvasView) -> None:
        if not any(isinstance(container, Loop) for container in canvas.containers_of(self.id)):
            raise InvalidParameter("parent_id", "an ExitLoop must be inside a Loop (its parent_id names one).")

    def invoke(self, run: Invocation) -> dict[str, Any]:
        for container in self._ended(run.canvas):
            assert isinstance(container, Container)
            container.finish(run)
        return {}

    def route(self, outputs: dict[str, Any], canvas: CanvasView) -> Next:  # noqa: ARG002 (the Loop decides)
        ended = self._ended(canvas)
        loop = ended[-1]
        assert isinstance(loop, Loop)
        return Next(loop.leave(canvas), finished=[container.id for container in ended])

    def _ended(self, canvas: CanvasView) -> list[Component]:
        """The containers an exit leaves: those around it up to and with the nearest Loop."""
        ended: list[Component] = []
        for container in canvas.containers_of(self.id):
            ended.append(container)
            if isinstance(container, Loop):
                break
        return ended

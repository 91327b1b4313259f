"""Switch: rule-based branching. The first condition that holds chooses the branch.

Each condition compares values the run holds (``cpn_id``: a reference written bare or braced,
``Agent:X@content``, ``sys.query``, ``env.name``) with an operand (``value``, which may itself
hold references) under one of :mod:`ragloom.agents.conditions`' operators; text matching
(contains, start with, end with) ignores case, as RAGFlow's does. A condition's items combine with
``logical_operator`` ``and`` (every item) or ``or`` (any item); a condition without items never
holds. The run goes to the first holding condition's ``to``, else to ``end_cpn_ids``; a Switch
inside an Iteration or Loop whose choice is empty goes back to the body's start.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ragloom.agents.components.base import CanvasView, Component, ComponentParams, Invocation, Next, check_targets
from ragloom.agents.conditions import LogicalOperator, Operator, holds


class SwitchItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    cpn_id: str = ""
    operator: Operator = "="
    value: Any = ""


class SwitchCondition(BaseModel):
    model_config = ConfigDict(extra="allow")

    items: list[SwitchItem] = Field(default_factory=list)
    logical_operator: LogicalOperator = "and"
    to: list[str] = Field(min_length=1)


class SwitchParams(ComponentParams):
    conditions: list[SwitchCondition] = Field(default_factory=list)
    end_cpn_ids: list[str] = Field(default_factory=list)


class Switch(Component):
    """Chooses a branch by rules."""

    name = "Switch"
    Params = SwitchParams

    def _params(self) -> SwitchParams:
        assert isinstance(self.params, SwitchParams)
        return self.params

    def bare_reference_texts(self) -> list[str]:
        return [item.cpn_id for condition in self._params().conditions for item in condition.items if item.cpn_id]

    def check(self, canvas: CanvasView) -> None:
        params = self._params()
        for position, condition in enumerate(params.conditions):
            check_targets(canvas, f"conditions.{position}.to", condition.to)
        check_targets(canvas, "end_cpn_ids", params.end_cpn_ids)

    def invoke(self, run: Invocation) -> dict[str, Any]:
        params = self._params()
        for condition in params.conditions:
            if self._holds(condition, run):
                return {"_next": list(condition.to)}
        return {"_next": list(params.end_cpn_ids)}

    def route(self, outputs: dict[str, Any], canvas: CanvasView) -> Next:
        return Next(list(outputs.get("_next") or []) or self.back_to_start(canvas))

    @staticmethod
    def _holds(condition: SwitchCondition, run: Invocation) -> bool:
        items = [item for item in condition.items if item.cpn_id]
        if not items:
            return False
        results = (
            holds(
                run.value(item.cpn_id),
                item.operator,
                run.resolve(item.value),
                fold_case=True,
            )
            for item in items
        )
        return any(results) if condition.logical_operator == "or" else all(results)

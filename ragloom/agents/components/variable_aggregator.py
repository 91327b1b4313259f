"""VariableAggregator: one output per group, the first of its references that holds a value.

``groups`` is ``[{group_name, variables: [{value: <bare reference>}], type?}]``: where branches
join again, each group picks the value of whichever branch ran (``{VariableAggregator:X@<group>}``).
A reference to a component that did not run, or to a path its output lacks, counts as holding
nothing; so does blank text or an empty list or object (``0`` and ``false`` are values, where
RAGFlow skips them too). A group whose references all hold nothing outputs ``None``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragloom.agents.components.base import BareReference, Component, ComponentParams, Invocation
from ragloom.agents.conditions import is_empty
from ragloom.agents.references import UnresolvedReferenceError


class AggregatedVariable(BaseModel):
    model_config = ConfigDict(extra="allow")

    value: BareReference


class Group(BaseModel):
    model_config = ConfigDict(extra="allow")

    group_name: str = Field(min_length=1)
    variables: list[AggregatedVariable] = Field(min_length=1)

    @field_validator("variables", mode="before")
    @classmethod
    def _objects(cls, value: Any) -> Any:
        """A variable may also be written as its bare reference."""
        if isinstance(value, list):
            return [{"value": item} if isinstance(item, str) else item for item in value]
        return value


class VariableAggregatorParams(ComponentParams):
    groups: list[Group] = Field(min_length=1)


class VariableAggregator(Component):
    """Joins branches: for each group, the first referenced value that holds something."""

    name = "VariableAggregator"
    Params = VariableAggregatorParams

    def _params(self) -> VariableAggregatorParams:
        assert isinstance(self.params, VariableAggregatorParams)
        return self.params

    def bare_reference_texts(self) -> list[str]:
        return [variable.value for group in self._params().groups for variable in group.variables]

    def invoke(self, run: Invocation) -> dict[str, Any]:
        return {group.group_name: self._first(group, run) for group in self._params().groups}

    @staticmethod
    def _first(group: Group, run: Invocation) -> Any:
        for variable in group.variables:
            try:
                value = run.value(variable.value)
            except UnresolvedReferenceError:
                continue
            if not is_empty(value):
                return value
        return None

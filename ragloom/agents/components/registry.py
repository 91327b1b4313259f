"""Component classes by ``component_name``: one registry, built-ins registered like any other."""

from __future__ import annotations

from ragloom.agents.components.base import Component


class UnknownComponentError(KeyError):
    """No component class has that name."""


class ComponentRegistry:
    """``component_name`` -> component class."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Component]] = {}

    def register(self, component: type[Component]) -> type[Component]:
        """Add ``component`` under its ``name`` (usable as a class decorator)."""
        if not component.name:
            raise ValueError(f"{component.__qualname__} has no name")
        if component.name in self._classes:
            raise ValueError(f"a component named {component.name} is registered already")
        self._classes[component.name] = component
        return component

    def get(self, name: str) -> type[Component]:
        """The class named ``name``; :class:`UnknownComponentError` naming the valid ones otherwise."""
        try:
            return self._classes[name]
        except KeyError:
            raise UnknownComponentError(
                f"unknown component_name '{name}'; the components are: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._classes)


def builtin_components() -> ComponentRegistry:
    """A registry holding every component ragloom ships."""
    from ragloom.agents.components.agent import Agent
    from ragloom.agents.components.begin import Begin
    from ragloom.agents.components.categorize import Categorize
    from ragloom.agents.components.data_operations import DataOperations
    from ragloom.agents.components.fillup import UserFillUp
    from ragloom.agents.components.iteration import Iteration, IterationItem
    from ragloom.agents.components.list_operations import ListOperations
    from ragloom.agents.components.llm import LLM
    from ragloom.agents.components.loop import ExitLoop, Loop, LoopItem
    from ragloom.agents.components.message import Message
    from ragloom.agents.components.retrieval import Retrieval
    from ragloom.agents.components.string_transform import StringTransform
    from ragloom.agents.components.switch import Switch
    from ragloom.agents.components.tools import TOOL_COMPONENTS
    from ragloom.agents.components.variable_aggregator import VariableAggregator
    from ragloom.agents.components.variable_assigner import VariableAssigner

    registry = ComponentRegistry()
    for component in (
        Begin,
        Message,
        LLM,
        Agent,
        Retrieval,
        Categorize,
        Switch,
        UserFillUp,
        VariableAssigner,
        VariableAggregator,
        Iteration,
        IterationItem,
        Loop,
        LoopItem,
        ExitLoop,
        DataOperations,
        ListOperations,
        StringTransform,
        *TOOL_COMPONENTS,
    ):
        registry.register(component)
    return registry

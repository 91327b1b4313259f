"""Component classes by ``component_name``: one registry, built-ins registered like any other.

The built-in components (and the pydantic models of their parameters) are imported with the
registry's first use, not when the server starts."""

from __future__ import annotations

import threading
from collections.abc import Callable

from ragloom.agents.components.base import Component


class UnknownComponentError(KeyError):
    """No component class has that name."""


class ComponentRegistry:
    """``component_name`` -> component class."""

    def __init__(self, first: Callable[[ComponentRegistry], None] | None = None) -> None:
        """``first`` registers the first components, when the registry is first used."""
        self._classes: dict[str, type[Component]] = {}
        self._first = first
        self._loading = threading.Lock()

    def _loaded(self) -> dict[str, type[Component]]:
        if self._first is not None:
            with self._loading:  # a second thread waits for the whole set, not a part of it
                if self._first is not None:
                    self._first(self)
                    self._first = None
        return self._classes

    def register(self, component: type[Component]) -> type[Component]:
        """Add ``component`` under its ``name`` (usable as a class decorator)."""
        self._loaded()
        return self._add(component)

    def _add(self, component: type[Component]) -> type[Component]:
        if not component.name:
            raise ValueError(f"{component.__qualname__} has no name")
        if component.name in self._classes:
            raise ValueError(f"a component named {component.name} is registered already")
        self._classes[component.name] = component
        return component

    def get(self, name: str) -> type[Component]:
        """The class named ``name``; :class:`UnknownComponentError` naming the valid ones otherwise."""
        try:
            return self._loaded()[name]
        except KeyError:
            raise UnknownComponentError(
                f"unknown component_name '{name}'; the components are: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._loaded())


def builtin_components() -> ComponentRegistry:
    """A registry holding every component ragloom ships (imported with its first use)."""
    return ComponentRegistry(_register_builtins)


def _register_builtins(registry: ComponentRegistry) -> None:
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
        registry._add(component)

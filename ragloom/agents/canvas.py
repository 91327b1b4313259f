"""A canvas: a checked DSL with a component object per node, ready to run.

Building one refuses, with a :class:`~ragloom.agents.dsl.DslError` (code 101) naming the
component and the parameter: an unknown ``component_name`` (listing the valid ones), a
parameter of the wrong type or out of range, an exception branch to a missing component, a
reference (``{cpn@output}``) to a component that does not exist, and a parameter that does not
fit the rest of the canvas (each component's :meth:`~ragloom.agents.components.base.Component.check`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ragloom.agents.components.base import CanvasView, Component, ComponentParams, InvalidParameter
from ragloom.agents.components.registry import ComponentRegistry, UnknownComponentError
from ragloom.agents.dsl import BEGIN_ID, ComponentSpec, Dsl, DslError, load_dsl


class Canvas:
    """The components of one DSL."""

    def __init__(self, dsl: Dsl, components: dict[str, Component]) -> None:
        self.dsl = dsl
        self.components = components

    @classmethod
    def build(cls, value: Any, registry: ComponentRegistry) -> Canvas:
        """Load ``value`` (a DSL object or JSON text) and build its components."""
        dsl = load_dsl(value)
        components = {spec.id: _build(dsl, spec.id, registry) for spec in dsl.components.values()}
        canvas = cls(dsl, components)
        canvas._check_references()
        canvas._check_components()
        return canvas

    @property
    def prologue(self) -> str:
        """What the assistant says when a session opens (Begin's ``prologue``)."""
        return str(getattr(self.components[BEGIN_ID].params, "prologue", "") or "")

    def display_name(self, component_id: str) -> str:
        return self.dsl.components[component_id].display_name

    def _check_references(self) -> None:
        for component in self.components.values():
            for target in component.params.exception_goto:
                if target not in self.components:
                    raise DslError(
                        f"Invalid DSL: component {self.dsl.label(component.id)}: parameter 'exception_goto': "
                        f"'{target}' is not a component of this DSL."
                    )
            for target in sorted(component.referenced_components()):
                if target not in self.components:
                    raise DslError(
                        f"Invalid DSL: component {self.dsl.label(component.id)} refers to '{target}', "
                        "which is not a component of this DSL."
                    )

    def _check_components(self) -> None:
        view = CanvasView(self.components)
        for component in self.components.values():
            try:
                component.check(view)
            except InvalidParameter as problem:
                where = f"parameter '{problem.parameter}': " if problem.parameter else ""
                raise DslError(
                    f"Invalid DSL: component {self.dsl.label(component.id)}: {where}{problem.message}"
                ) from None


def _build(dsl: Dsl, component_id: str, registry: ComponentRegistry) -> Component:
    return build_component(
        dsl.components[component_id],
        registry,
        unknown=lambda problem: f"Invalid DSL: component '{component_id}': {problem}",
        invalid=lambda location, problem: (
            f"Invalid DSL: component {dsl.label(component_id)}: parameter '{location}': {problem}"
        ),
    )


def build_component(
    spec: ComponentSpec,
    registry: ComponentRegistry,
    *,
    unknown: Callable[[str], str],
    invalid: Callable[[str, str], str],
) -> Component:
    """The component ``spec`` describes, its parameters checked and what it holds built; an unknown
    ``component_name`` is a :class:`DslError` saying ``unknown(problem)``, a bad parameter one saying
    ``invalid(location, problem)``."""
    try:
        component_class = registry.get(spec.name)
    except UnknownComponentError as error:
        raise DslError(unknown(error.args[0])) from None
    try:
        params: ComponentParams = component_class.Params.model_validate(spec.params)
    except ValidationError as error:
        problem = error.errors()[0]
        location = ".".join(str(part) for part in problem["loc"]) or "params"
        raise DslError(invalid(location, problem["msg"])) from None
    component = component_class(spec, params)
    component.bind_components(registry)
    return component

"""The canvas DSL RAGFlow agents are written in: loading it and checking its structure.

A DSL is a JSON object whose ``components`` map ids to ``{"obj": {"component_name", "params"},
"downstream": [...], "upstream": [...], "parent_id"?}``. The Begin component has the id
``begin``. ``graph`` (the editor's drawing) is kept as sent; only its node names are read, as
display names. Runtime keys (``history``, ``path``, ``globals``, ``variables``, ``retrieval``)
belong to a run's state, not to the definition (:mod:`ragloom.agents.state`).

:func:`load_dsl` refuses a DSL that cannot run with a :class:`DslError` (code 101) naming the
component and the problem: a missing Begin, a link to a component that does not exist, a cycle
of ``downstream`` links. Component names and parameters are checked by the component registry
when a canvas is built (:mod:`ragloom.agents.canvas`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ragloom.errors import ArgumentError

BEGIN_ID = "begin"


class DslError(ArgumentError):
    """The DSL cannot be run: the message names the component and what is wrong with it."""


@dataclass(frozen=True)
class ComponentSpec:
    """One component as the DSL defines it."""

    id: str
    name: str
    params: dict[str, Any]
    downstream: tuple[str, ...] = ()
    upstream: tuple[str, ...] = ()
    parent_id: str | None = None
    display_name: str = ""


@dataclass(frozen=True)
class Dsl:
    """A checked DSL: its components and the document as it was sent."""

    components: dict[str, ComponentSpec]
    document: dict[str, Any] = field(repr=False)

    def children(self, parent_id: str) -> list[ComponentSpec]:
        """The components inside an Iteration or Loop."""
        return [spec for spec in self.components.values() if spec.parent_id == parent_id]

    def label(self, component_id: str) -> str:
        """``'<id>' (<Name>)``, how errors name a component."""
        spec = self.components.get(component_id)
        return f"'{component_id}' ({spec.name})" if spec is not None else f"'{component_id}'"


def parse_dsl_text(value: Any) -> dict[str, Any]:
    """The DSL as an object, from an object or a JSON string (RAGFlow accepts both)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise DslError("Invalid DSL JSON string.") from None
    if not isinstance(value, dict):
        raise DslError("DSL must be a JSON object.")
    return value


def load_dsl(value: Any) -> Dsl:
    """Check the structure of ``value`` (an object or a JSON string) and return it as a :class:`Dsl`."""
    document = parse_dsl_text(value)
    raw_components = document.get("components")
    if not isinstance(raw_components, dict) or not raw_components:
        raise DslError("Invalid DSL: `components` must be a non-empty object.")
    names = _display_names(document)
    components = {
        str(component_id): _component(str(component_id), raw, names.get(str(component_id), ""))
        for component_id, raw in raw_components.items()
    }
    if BEGIN_ID not in components:
        raise DslError("Invalid DSL: the Begin component must have the id `begin`.")
    if components[BEGIN_ID].name != "Begin":
        raise DslError(f"Invalid DSL: component 'begin' must be a Begin, not a {components[BEGIN_ID].name}.")
    dsl = Dsl(components, document)
    _check_links(dsl)
    _check_acyclic(dsl)
    return dsl


def _display_names(document: dict[str, Any]) -> dict[str, str]:
    graph = document.get("graph")
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    names: dict[str, str] = {}
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict) and isinstance(node.get("data"), dict):
            name = node["data"].get("name")
            if isinstance(node.get("id"), str) and isinstance(name, str):
                names[node["id"]] = name
    return names


def _component(component_id: str, raw: Any, display_name: str) -> ComponentSpec:
    where = f"Invalid DSL: component '{component_id}'"
    if not isinstance(raw, dict) or not isinstance(raw.get("obj"), dict):
        raise DslError(f"{where}: must be an object with `obj`.")
    name = raw["obj"].get("component_name")
    if not isinstance(name, str) or not name:
        raise DslError(f"{where}: `obj.component_name` must be a non-empty string.")
    params = raw["obj"].get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise DslError(f"{where} ({name}): `obj.params` must be an object.")
    links = {}
    for key in ("downstream", "upstream"):
        value = raw.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise DslError(f"{where} ({name}): `{key}` must be a list of component ids.")
        links[key] = tuple(dict.fromkeys(value))
    parent = raw.get("parent_id")
    if parent is not None and not isinstance(parent, str):
        raise DslError(f"{where} ({name}): `parent_id` must be a component id.")
    return ComponentSpec(
        component_id, name, params, links["downstream"], links["upstream"], parent or None, display_name
    )


def _check_links(dsl: Dsl) -> None:
    for spec in dsl.components.values():
        for key, targets in (("downstream", spec.downstream), ("upstream", spec.upstream)):
            for target in targets:
                if target not in dsl.components:
                    raise DslError(
                        f"Invalid DSL: component {dsl.label(spec.id)} has `{key}` '{target}', "
                        "which is not a component of this DSL."
                    )
        if spec.parent_id is not None and spec.parent_id not in dsl.components:
            raise DslError(
                f"Invalid DSL: component {dsl.label(spec.id)} has `parent_id` '{spec.parent_id}', "
                "which is not a component of this DSL."
            )


def _check_acyclic(dsl: Dsl) -> None:
    """Refuse a cycle of ``downstream`` links (loops are Loop components, not cycles)."""
    done: set[str] = set()
    for start in dsl.components:
        if start in done:
            continue
        trail: list[str] = []
        on_trail: set[str] = set()
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, position = stack.pop()
            if position == 0:
                trail.append(node)
                on_trail.add(node)
            targets = dsl.components[node].downstream
            if position < len(targets):
                stack.append((node, position + 1))
                target = targets[position]
                if target in on_trail:
                    cycle = [*trail[trail.index(target) :], target]
                    raise DslError(f"Invalid DSL: the components form a cycle: {' -> '.join(cycle)}.")
                if target not in done:
                    stack.append((target, 0))
            else:
                trail.pop()
                on_trail.discard(node)
                done.add(node)

"""The tools an Agent's model may call: the components its ``tools`` list (sub-agents among them),
and the functions of the MCP servers its ``mcp`` list, each an OpenAI function with a unique name.

A component tool is built when the canvas is, with the id ``<agent id>--><name>`` and RAGFlow's
function name ``<its function>_<position>``; an unknown component, a bad parameter or a component
that cannot be a tool is refused then, naming the Agent and the entry. An MCP tool keeps its own
name (made unique when two collide). A call's result is text for the model: the tool's
``formalized_content`` or ``content`` when it has one, else its outputs as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ragloom.agents.components.base import Component, Invocation, ToolSpec
from ragloom.agents.dsl import ComponentSpec, DslError
from ragloom.agents.references import as_text

if TYPE_CHECKING:
    from ragloom.agents.components.registry import ComponentRegistry

_INVALID_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
MAX_NAME = 64


class ToolEntry(BaseModel):
    """One entry of an Agent's ``tools``: a component, its name on the canvas, its parameters."""

    model_config = ConfigDict(extra="allow")

    component_name: str
    name: str = ""
    params: dict[str, Any] = Field(default_factory=dict)


class McpEntry(BaseModel):
    """One entry of an Agent's ``mcp``: a server and the tools it offers the model (MCP metadata)."""

    model_config = ConfigDict(extra="allow")

    mcp_id: str
    tools: dict[str, dict[str, Any]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Tool:
    """A function the model may call: what it sees (``spec``), how to run it, and its log label."""

    spec: ToolSpec
    run: Callable[[Invocation, dict[str, Any]], str]
    label: str


def build_components(agent: Component, entries: list[ToolEntry], registry: ComponentRegistry) -> list[Component]:
    """The components ``entries`` name, built and checked (see the module docstring)."""
    from ragloom.agents.canvas import build_component

    built = []
    for position, entry in enumerate(entries):
        where = f"Invalid DSL: component '{agent.id}' ({agent.name}): parameter 'tools.{position}"
        name = (entry.name or entry.component_name).replace(" ", "_")
        spec = ComponentSpec(f"{agent.id}-->{name}", entry.component_name, entry.params, display_name=entry.name)
        component = build_component(spec, registry, unknown=partial(_unknown, where), invalid=partial(_invalid, where))
        if component.tool_spec() is None:
            raise DslError(f"{where}': {entry.component_name} cannot be used as a tool.")
        built.append(component)
    return built


def _unknown(where: str, problem: str) -> str:
    return f"{where}': {problem}"


def _invalid(where: str, location: str, problem: str) -> str:
    return f"{where}.params.{location}': {problem}"


def component_tools(components: list[Component]) -> list[Tool]:
    """Each component as a tool named ``<function>_<position>``."""
    tools = []
    for position, component in enumerate(components):
        spec = component.tool_spec()
        assert spec is not None, "checked when the canvas was built"
        description = component.params.description or spec.description
        name = function_name(f"{spec.name}_{position}")
        tools.append(
            Tool(ToolSpec(name, description, spec.parameters), _runner(component), component.spec.display_name)
        )
    return tools


def _runner(component: Component) -> Callable[[Invocation, dict[str, Any]], str]:
    def run(invocation: Invocation, arguments: dict[str, Any]) -> str:
        child = replace(invocation, spec=component.spec, may_stream=False, inputs={})
        return result_text(component.invoke_tool(child, arguments))

    return run


def mcp_tools(entries: list[McpEntry], taken: set[str], headers: dict[str, str]) -> list[Tool]:
    """The MCP tools the Agent's DSL selected (those marked ``enabled: false`` left out)."""
    tools = []
    for entry in entries:
        for tool_name, meta in entry.tools.items():
            if meta.get("enabled") is False:
                continue
            name = _unique(function_name(str(meta.get("name") or tool_name)), taken)
            schema = meta.get("inputSchema") or meta.get("input_schema") or {"type": "object", "properties": {}}
            spec = ToolSpec(name, str(meta.get("description") or ""), dict(schema))
            tools.append(Tool(spec, _mcp_runner(entry.mcp_id, str(meta.get("name") or tool_name), headers), tool_name))
    return tools


def _mcp_runner(mcp_id: str, tool_name: str, headers: dict[str, str]) -> Callable[[Invocation, dict[str, Any]], str]:
    def run(invocation: Invocation, arguments: dict[str, Any]) -> str:
        return invocation.services.call_mcp_tool(mcp_id, tool_name, arguments, headers)

    return run


def function_name(name: str) -> str:
    """``name`` as OpenAI accepts a function name: letters, digits, ``_`` and ``-``, at most 64."""
    return (_INVALID_NAME.sub("_", name).strip("_") or "tool")[:MAX_NAME]


def _unique(name: str, taken: set[str]) -> str:
    candidate, counter = name, 1
    while candidate in taken:
        suffix = f"_{counter}"
        candidate, counter = name[: MAX_NAME - len(suffix)] + suffix, counter + 1
    taken.add(candidate)
    return candidate


def parse_arguments(text: str) -> dict[str, Any]:
    """A call's arguments, read leniently: JSON text (an empty text is no arguments), inside a code
    fence or with text around its object; :class:`ValueError` saying why when there is no object."""
    text = _FENCE.sub("", (text or "").strip())
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise ValueError("the arguments are not JSON") from None
        try:
            value = json.loads(text[start : end + 1])
        except ValueError as error:
            raise ValueError(f"the arguments are not JSON ({error})") from None
    if isinstance(value, str):  # some models encode the object twice
        return parse_arguments(value)
    if not isinstance(value, dict):
        raise ValueError("the arguments are not a JSON object")
    return value


def result_text(outputs: dict[str, Any]) -> str:
    """A tool's outputs as the model reads them (see the module docstring)."""
    public = {key: value for key, value in outputs.items() if not key.startswith("_")}
    for key in ("formalized_content", "content"):
        if isinstance(public.get(key), str):
            return str(public[key])
    if len(public) == 1:
        return as_text(next(iter(public.values())))
    return json.dumps(public, ensure_ascii=False, default=str)

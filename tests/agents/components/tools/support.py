"""Running tool components against ragloom's real toolbox, configured by the test's settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ragloom.agents import Canvas, Runner, RunState, builtin_components
from ragloom.agents.components.base import Invocation
from ragloom.agents.events import Event
from ragloom.agents.toolbox import Toolbox
from ragloom.services.agent_toolbox import AgentTools
from ragloom.settings import AgentSettings
from tests.agents.scripted import ScriptedServices, component, dsl, run


@dataclass
class ToolServices(ScriptedServices):
    """Scripted chat models, and the real toolbox of ``tenant_id`` under the test's settings."""

    toolbox: Toolbox = field(default=None)  # type: ignore[assignment]


@contextmanager
def tool_services(tenant_id: str = "tenant-1", **agents: Any) -> Iterator[ToolServices]:
    tools = AgentTools(AgentSettings.model_validate(agents))
    try:
        yield ToolServices(tenant_id=tenant_id, toolbox=tools.for_tenant(tenant_id))
    finally:
        tools.close()


def node_flow(name: str, message: str, **params: Any) -> dict[str, Any]:
    """Begin → ``name`` (id ``Tool:1``, ``params``) → a Message of ``message``."""
    return dsl(
        begin=component("Begin", ["Tool:1"]),
        **{
            "Tool:1": component(name, ["Message:1"], **params),
            "Message:1": component("Message", content=[message]),
        },
    )


def run_node(
    name: str, message: str, services: ToolServices, query: str = "pandas", **params: Any
) -> tuple[list[Event], RunState]:
    return run(node_flow(name, message, **params), query, services=services)


def call_tool(
    name: str, called_with: dict[str, Any], services: ToolServices, query: str = "pandas", **params: Any
) -> tuple[dict[str, Any], RunState]:
    """``name`` (built with ``params``) called as an Agent calls a tool, with ``called_with``."""
    document = node_flow(name, "", **params)
    canvas = Canvas.build(document, builtin_components())
    state = RunState.fresh(document)
    state.begin_turn(query, "user-1", [])
    runner = Runner(canvas, state, services)
    tool = canvas.components["Tool:1"]
    spec = tool.tool_spec()
    assert spec is not None
    invocation = Invocation(
        spec=tool.spec, state=state, services=services, lookup=partial(runner.lookup, scope="Tool:1")
    )
    return tool.invoke_tool(invocation, called_with), state


def node_error(events: list[Event]) -> str:
    """The message of the run's ``error`` event ('' when it ended well)."""
    return next((str(event.data["message"]) for event in events if str(event.kind) == "error"), "")

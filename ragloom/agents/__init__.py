"""The canvas runtime: RAGFlow's agent DSL loaded, checked and run, with no HTTP inside."""

from ragloom.agents.canvas import Canvas
from ragloom.agents.components.registry import ComponentRegistry, builtin_components
from ragloom.agents.dsl import DslError, load_dsl
from ragloom.agents.events import Event, EventKind
from ragloom.agents.runner import Runner, RunRequest
from ragloom.agents.services import AgentServices
from ragloom.agents.state import RunState

__all__ = [
    "AgentServices",
    "Canvas",
    "ComponentRegistry",
    "DslError",
    "Event",
    "EventKind",
    "RunRequest",
    "RunState",
    "Runner",
    "builtin_components",
    "load_dsl",
]

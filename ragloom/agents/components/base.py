"""The component contract: parameters checked at load, ``invoke`` turning inputs into outputs.

A component class has a ``name`` (its ``component_name`` in the DSL), a pydantic ``Params``
model (unknown keys are kept, as RAGFlow ignores them; a wrong value is refused when the canvas
is built, naming the parameter) and ``invoke``, which reads what it needs through an
:class:`Invocation` and returns its outputs. Components never emit events: the runtime does,
from what they return.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ragloom.agents.dsl import ComponentSpec
from ragloom.agents.references import Lookup, bare_reference, references, render
from ragloom.agents.services import AgentServices
from ragloom.agents.state import RunState
from ragloom.providers.chat.protocol import ChatMessage

if TYPE_CHECKING:
    from ragloom.agents.components.registry import ComponentRegistry

DEFAULT_TIMEOUT_SECONDS = 600.0


class ComponentParams(BaseModel):
    """Parameters every component has: what to do when it fails, and its declared outputs."""

    model_config = ConfigDict(extra="allow")

    exception_method: str | None = Field(default=None, description="`goto` a branch, or `comment`: answer a default")
    exception_goto: list[str] = Field(default_factory=list)
    exception_default_value: str = ""
    outputs: dict[str, Any] = Field(default_factory=dict)
    description: str = ""

    @field_validator("exception_method", mode="before")
    @classmethod
    def _method(cls, value: Any) -> Any:
        return value.strip().lower() or None if isinstance(value, str) else value


@dataclass
class Invocation:
    """What one run of a component can see and do."""

    spec: ComponentSpec
    state: RunState
    services: AgentServices
    lookup: Lookup
    inputs: dict[str, Any] = field(default_factory=dict)
    """The run's ``inputs`` (Begin's form values, or the answers to a UserFillUp)."""
    may_stream: bool = False
    """A Message downstream will stream this component's ``content``: it may leave a TextStream."""
    cancelled: Callable[[], bool] = lambda: False
    lock: threading.Lock = field(default_factory=threading.Lock)
    record_tool_call: Callable[[dict[str, Any]], None] = lambda _entry: None
    """Note one tool call for the run's log (``GET /agents/{id}/logs/{message_id}``): ``component_id``
    (the Agent on the canvas), ``path``, ``tool_name``, ``arguments``, ``result``, ``elapsed_time``."""

    def render(self, template: str) -> str:
        """``template`` with its references replaced by their values."""
        return render(template, self.lookup)

    def value(self, reference: str) -> Any:
        """The value a bare or braced reference names."""
        parsed = bare_reference(reference)
        return self.lookup(parsed.name if parsed is not None else reference)

    def history(self, window: int) -> list[ChatMessage]:
        """The last ``window`` turns before the current question, as chat messages."""
        turns = self.state.history[:-1][-window:] if window > 0 else []
        return [ChatMessage("assistant" if role == "assistant" else "user", str(content)) for role, content in turns]

    def add_references(self, chunks: list[dict[str, Any]], doc_aggs: list[dict[str, Any]]) -> int:
        """Add chunks the answer may cite; returns the position of the first one (for ``[ID:n]``)."""
        with self.lock:
            bucket = self.state.references
            first = len(bucket["chunks"])
            for offset, chunk in enumerate(chunks):
                bucket["chunks"][str(first + offset)] = chunk
            for aggregate in doc_aggs:
                name = str(aggregate.get("doc_name", ""))
                known = bucket["doc_aggs"].get(name)
                if known is None:
                    bucket["doc_aggs"][name] = dict(aggregate)
                else:
                    known["count"] = int(known.get("count", 0)) + int(aggregate.get("count", 0))
            return first


@dataclass(frozen=True)
class ToolSpec:
    """How a component presents itself to an Agent's model as a function it may call."""

    name: str
    description: str
    parameters: dict[str, Any]
    """A JSON schema (``{"type": "object", "properties": …, "required": …}``) of the arguments."""

    def as_openai(self) -> dict[str, Any]:
        """The ``tools`` entry of an OpenAI-style chat request."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(frozen=True)
class Next:
    """Where a run goes after a component: the components to run, and containers now finished."""

    components: list[str]
    finished: list[str] = field(default_factory=list)


class Component:
    """A node of a canvas; see the module docstring."""

    name: ClassVar[str] = ""
    Params: ClassVar[type[ComponentParams]] = ComponentParams
    timeout_seconds: ClassVar[float] = DEFAULT_TIMEOUT_SECONDS
    streams: ClassVar[bool] = False
    """Whether its ``content`` may be left as a stream for a Message downstream (LLM, Agent)."""
    bare_references: ClassVar[tuple[str, ...]] = ()
    """Parameters that name a reference without braces (Categorize's ``query``, Iteration's ``items_ref``)."""

    def __init__(self, spec: ComponentSpec, params: ComponentParams) -> None:
        self.spec = spec
        self.params = params

    @property
    def id(self) -> str:
        return self.spec.id

    def invoke(self, run: Invocation) -> dict[str, Any]:
        """Do the component's work and return its outputs."""
        raise NotImplementedError

    def bind_components(self, registry: ComponentRegistry) -> None:
        """Build the components this one holds inside its parameters (an Agent's tools) from
        ``registry``, when the canvas is built; a problem is a
        :class:`~ragloom.agents.dsl.DslError` naming this component and the parameter."""

    def tool_spec(self) -> ToolSpec | None:
        """The function an Agent's model may call to use this component as a tool (``None``: not a tool).

        Tools are the components an Agent lists in its ``tools`` parameter; each overrides this
        and :meth:`invoke_tool`."""
        return None

    def invoke_tool(self, run: Invocation, arguments: dict[str, Any]) -> dict[str, Any]:
        """Do the work with ``arguments`` (what the model passed) and return the outputs; the Agent
        gives the model the outputs as the call's result."""
        raise NotImplementedError(f"{self.name} cannot be used as a tool")

    def route(self, outputs: dict[str, Any], canvas: CanvasView) -> Next:  # noqa: ARG002 (branches read it)
        """Where the run goes next: ``downstream``, or back to the enclosing iteration's start."""
        if not self.spec.downstream and self.spec.parent_id is not None:
            start = canvas.start_of(self.spec.parent_id)
            return Next([start] if start else [])
        return Next(list(self.spec.downstream))

    def referenced_components(self) -> set[str]:
        """Components whose outputs this one's parameters read."""
        found: set[str] = set()
        for text in strings_in(self.params.model_dump()):
            for reference in references(text):
                if reference.component_id:
                    found.add(reference.component_id)
        for name in self.bare_references:
            for text in strings_in(getattr(self.params, name, None)):
                bare = bare_reference(text)
                if bare is not None and bare.component_id:
                    found.add(bare.component_id)
        return found


class CanvasView:
    """What routing needs to know about the canvas as a whole."""

    def __init__(self, components: dict[str, Component]) -> None:
        self._components = components

    def start_of(self, container_id: str) -> str | None:
        """The first child (IterationItem / LoopItem) of an Iteration or Loop."""
        for component in self._components.values():
            if component.spec.parent_id == container_id and component.name in ("IterationItem", "LoopItem"):
                return component.id
        return None

    def component(self, component_id: str) -> Component:
        return self._components[component_id]


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside ``value`` (nested objects and lists included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)

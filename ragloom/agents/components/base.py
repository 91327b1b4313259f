"""The component contract: parameters checked at load, ``invoke`` turning inputs into outputs.

A component class has a ``name`` (its ``component_name`` in the DSL), a pydantic ``Params``
model (unknown keys are kept, as RAGFlow ignores them; a wrong value is refused when the canvas
is built, naming the parameter) and ``invoke``, which reads what it needs through an
:class:`Invocation` and returns its outputs. Components never emit events: the runtime does,
from what they return. Where the run goes next is the component's :meth:`Component.route`.

A parameter that is well formed on its own but does not fit the rest of the canvas (a branch to
a component that does not exist, an IterationItem outside an Iteration) is refused when the
canvas is built by :meth:`Component.check`, with an :class:`InvalidParameter` naming it.

Iterations and loops are *containers*: their body components carry ``parent_id``, and the body
starts at the container's IterationItem / LoopItem (:meth:`CanvasView.start_of`). A body
component with nothing downstream returns to that start; the start decides whether another pass
runs or the container is finished (:class:`Next` ``finished``), and the run continues after it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ragloom.agents.dsl import ComponentSpec
from ragloom.agents.references import Lookup, Reference, bare_reference, references, render
from ragloom.agents.services import AgentServices
from ragloom.agents.state import RunState
from ragloom.agents.variables import described
from ragloom.errors import ArgumentError
from ragloom.providers.chat.protocol import ChatMessage

if TYPE_CHECKING:
    from ragloom.agents.components.registry import ComponentRegistry

DEFAULT_TIMEOUT_SECONDS = 600.0


def _a_reference(value: str) -> str:
    if bare_reference(value) is None:
        raise ValueError(
            f"'{value}' is not a reference (such as `Agent:X@content`, `begin@name`, `sys.query` or `env.name`)"
        )
    return value


BareReference = Annotated[str, AfterValidator(_a_reference)]
"""A parameter that names a value by a reference, braces optional: checked when the canvas is built."""


class InvalidParameter(ValueError):  # noqa: N818 (read as "raise InvalidParameter(name, why)")
    """A parameter that does not fit the canvas it is in; the canvas reports it as a 101 naming both
    (``parameter`` "" for a problem of the component as a whole)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


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
    canvas: CanvasView = field(default_factory=lambda: CanvasView({}))
    """The other components (an IterationItem reads its Iteration's parameters)."""
    query: str = ""
    """What the user sent with this run ("" when a resumed run brought only ``inputs``)."""
    record_tool_call: Callable[[dict[str, Any]], None] = lambda _entry: None
    """Note one tool call for the run's log (``GET /agents/{id}/logs/{message_id}``): ``component_id``
    (the Agent on the canvas), ``path``, ``tool_name``, ``arguments``, ``result``, ``elapsed_time``."""

    def render(self, template: str) -> str:
        """``template`` with its references replaced by their values."""
        return render(template, self.lookup)

    def resolve(self, value: Any) -> Any:
        """A parameter's value: a lone braced reference gives its value as it is (a list stays a list),
        other text is rendered, anything else is taken as written."""
        if not isinstance(value, str):
            return value
        parsed = bare_reference(value) if "{" in value else None
        return self.lookup(parsed.name) if parsed is not None else self.render(value)

    def value(self, reference: str) -> Any:
        """The value a bare or braced reference names."""
        parsed = bare_reference(reference)
        return self.lookup(parsed.name if parsed is not None else reference)

    def items(self, reference: str) -> list[Any]:
        """The list a bare or braced reference names (JSON text holding a list is read as one)."""
        value = self.value(reference)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        if not isinstance(value, list):
            raise ArgumentError(f"'{reference}' must name a list, but it holds {described(value)}.")
        return value

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
    container: ClassVar[bool] = False
    """Whether it holds a body (Iteration, Loop): its ``node_finished`` comes when the body is done."""

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

    def check(self, canvas: CanvasView) -> None:
        """Refuse (:class:`InvalidParameter`) parameters that do not fit the rest of the canvas."""

    def route(self, outputs: dict[str, Any], canvas: CanvasView) -> Next:  # noqa: ARG002 (branches read it)
        """Where the run goes next: ``downstream``, or back to the enclosing container's start."""
        return Next(self.after(canvas))

    def after(self, canvas: CanvasView) -> list[str]:
        """``downstream``, or, with nothing downstream inside a container, the container's start."""
        return list(self.spec.downstream) if self.spec.downstream else self.back_to_start(canvas)

    def back_to_start(self, canvas: CanvasView) -> list[str]:
        """The start of the enclosing container (none outside one)."""
        if self.spec.parent_id is None:
            return []
        start = canvas.start_of(self.spec.parent_id)
        return [start] if start else []

    def references(self) -> list[Reference]:
        """The references its parameters hold, braced (in any text) and bare (:attr:`bare_references`)."""
        found = [reference for text in strings_in(self.params.model_dump()) for reference in references(text)]
        for text in self.bare_reference_texts():
            bare = bare_reference(text)
            if bare is not None:
                found.append(bare)
        return found

    def bare_reference_texts(self) -> list[str]:
        """The parameter texts that are references written without braces."""
        return [text for name in self.bare_references for text in strings_in(getattr(self.params, name, None))]

    def referenced_components(self) -> set[str]:
        """Components whose outputs this one's parameters read."""
        return {reference.component_id for reference in self.references() if reference.component_id}


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

    def get(self, component_id: str) -> Component | None:
        return self._components.get(component_id)

    def parent_of(self, component_id: str) -> Component | None:
        """The container a component is in."""
        parent = self._components[component_id].spec.parent_id
        return self._components.get(parent) if parent is not None else None

    def containers_of(self, component_id: str) -> list[Component]:
        """The containers around a component, innermost first."""
        found: list[Component] = []
        parent = self.parent_of(component_id)
        while parent is not None and parent not in found:
            found.append(parent)
            parent = self.parent_of(parent.id)
        return found

    def descendants(self, container_id: str) -> set[str]:
        """Every component inside a container, those inside nested containers too."""
        return {
            component.id
            for component in self._components.values()
            if any(outer.id == container_id for outer in self.containers_of(component.id))
        }


def check_targets(canvas: CanvasView, parameter: str, targets: Iterable[str]) -> None:
    """Refuse a branch to a component the canvas does not have."""
    for target in targets:
        if canvas.get(target) is None:
            raise InvalidParameter(parameter, f"'{target}' is not a component of this DSL.")


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

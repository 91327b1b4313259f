"""Running a canvas, as RAGFlow runs one (AGENTS.md §2.2).

1. A new turn adds the question to the history and sets ``sys.*``; the path starts at ``begin``.
   A run resumed after a UserFillUp continues where it paused, with the user's ``inputs``.
2. ``workflow_started``.
3. The pending part of the path runs as a batch: ``node_started`` for each component, then the
   components run concurrently (at most :data:`MAX_PARALLEL` at once, each within its timeout).
   A component that reads the output of one still pending waits for a later batch, and so does
   the start of an Iteration's or Loop's body while a component of that body is pending (a pass
   ends before the next begins).
4. After the batch, in path order: a Message's answer is streamed as ``message`` deltas and
   closed by ``message_end`` (with the reference chunks when the run has any); a failed
   component takes its exception branch (``goto``), answers its default value (``comment``), or
   ends the run; ``node_finished`` is reported (for an LLM a Message streams, once the Message is
   done; for an Iteration or Loop, once its body is done); the components that come next are
   appended to the path — as the component routes: a branch's choice, a container's start, the
   container's downstream once it is finished, or ``downstream``.
5. A UserFillUp about to run pauses the run (``user_inputs``); the next run resumes there.
6. ``workflow_finished``, and the answer joins the history. A run that failed ends with an
   ``error`` event instead; a cancelled run stops at the next component or streamed piece.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ragloom.agents.canvas import Canvas
from ragloom.agents.components.base import CanvasView, Component, Invocation
from ragloom.agents.dsl import BEGIN_ID
from ragloom.agents.events import Event, EventKind
from ragloom.agents.references import Reference, UnresolvedReferenceError, follow, render
from ragloom.agents.services import AgentServices
from ragloom.agents.state import RunState
from ragloom.agents.streams import THINK_END, THINK_START, TextStream
from ragloom.errors import RagloomError

log = logging.getLogger(__name__)

MAX_PARALLEL = 5
PAUSING = ("UserFillUp",)
TAKES_INPUTS = ("Begin", "UserFillUp")


@dataclass(frozen=True)
class RunRequest:
    """One turn: the question, Begin's (or a paused UserFillUp's) inputs, files, the end user."""

    query: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    files: list[Any] = field(default_factory=list)
    user_id: str = ""


@dataclass(frozen=True)
class _Outcome:
    outputs: dict[str, Any]
    error: str
    created_at: float
    elapsed: float


class Runner:
    """Runs one turn of ``canvas`` over ``state``; :meth:`run` yields the turn's events."""

    def __init__(
        self,
        canvas: Canvas,
        state: RunState,
        services: AgentServices,
        *,
        cancel: threading.Event | None = None,
    ) -> None:
        self.canvas = canvas
        self.state = state
        self.services = services
        self.cancel = cancel or threading.Event()
        self._view = CanvasView(canvas.components)
        self._lock = threading.Lock()
        self._depends = self._dependencies()
        self._deferred: list[str] = []
        self._outcomes: dict[str, _Outcome] = {}
        self._answer: list[str] = []
        self._error = ""
        self._tool_calls: list[dict[str, Any]] = []
        self._tool_calls_lock = threading.Lock()

    def _dependencies(self) -> dict[str, set[str]]:
        """For each component, those that must not be pending when it runs: the ones it reads, and, for
        the start of a body, the whole body (which reads the start's current pass, never waits for it)."""
        depends = {cid: component.referenced_components() - {cid} for cid, component in self.canvas.components.items()}
        for cid, component in self.canvas.components.items():
            if not component.container:
                continue
            start = self._view.start_of(cid)
            body = self._view.descendants(cid) - {start}
            if start is not None:
                depends[start] |= body
                for member in body:
                    depends[member].discard(start)
        return depends

    # ---- the loop ---------------------------------------------------------------------------

    def run(self, request: RunRequest) -> Iterator[Event]:
        """The events of one turn (see the module docstring)."""
        started, created_at = time.perf_counter(), time.time()
        if self.state.paused:
            self.state.paused = False
            if request.query:
                self.state.history.append(["user", request.query])
                self.state.globals["sys.query"] = request.query
        else:
            self.state.begin_turn(request.query, request.user_id, request.files)
            self.state.path = [BEGIN_ID]
        yield Event(EventKind.WORKFLOW_STARTED, {"inputs": request.inputs})
        with ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="agent") as pool:
            while self.state.done < len(self.state.path) and not self._stopped():
                if self.cancel.is_set():
                    self._error = "The run was cancelled."
                    break
                batch = self._next_batch()
                for cid in batch:
                    yield self._started(cid)
                outcomes = self._invoke_batch(pool, batch, request)
                for cid in batch:
                    yield from self._settle(cid, outcomes[cid])
                    if self._stopped():
                        break
                self.state.done += len(batch)
                if not self._stopped() and self._pause_due():
                    yield self._pause()
                    return
        yield from self._flush_deferred()
        if self._error:
            yield Event(EventKind.ERROR, {"message": self._error})
            return
        last = self.state.path[self.state.done - 1] if self.state.done else BEGIN_ID
        yield Event(
            EventKind.WORKFLOW_FINISHED,
            {
                "inputs": request.inputs,
                "outputs": self._settled(last),
                "elapsed_time": time.perf_counter() - started,
                "created_at": created_at,
            },
        )
        self.state.history.append(["assistant", "".join(self._answer)])

    def _stopped(self) -> bool:
        """Whether the run failed or was cancelled (set while events are being yielded)."""
        return bool(self._error)

    def _next_batch(self) -> list[str]:
        pending = self.state.path[self.state.done :]
        waiting_on = set(pending)
        ready = [cid for cid in pending if not (self._depends[cid] & (waiting_on - {cid}))]
        if not ready:  # they wait on each other: run them in order rather than never
            ready = pending[:1]
        self.state.path[self.state.done :] = ready + [cid for cid in pending if cid not in ready]
        return ready

    def _invoke_batch(self, pool: ThreadPoolExecutor, batch: list[str], request: RunRequest) -> dict[str, _Outcome]:
        futures = {cid: pool.submit(self._invoke, cid, request) for cid in batch}
        begun = time.monotonic()
        outcomes = {}
        for cid, future in futures.items():
            limit = self.canvas.components[cid].timeout_seconds
            try:
                outcomes[cid] = future.result(timeout=max(0.0, limit - (time.monotonic() - begun)))
            except FutureTimeout:
                message = f"{self.canvas.dsl.label(cid)} did not finish within {limit:g} seconds."
                outcomes[cid] = _Outcome({}, message, time.time(), limit)
        return outcomes

    def _invoke(self, cid: str, request: RunRequest) -> _Outcome:
        component = self.canvas.components[cid]
        invocation = Invocation(
            spec=component.spec,
            state=self.state,
            services=self.services,
            lookup=partial(self.lookup, scope=cid),
            inputs=request.inputs if component.name in TAKES_INPUTS else {},
            may_stream=self._may_stream(component),
            cancelled=self.cancel.is_set,
            lock=self._lock,
            canvas=self._view,
            query=request.query,
            record_tool_call=self._record_tool_call,
        )
        created_at, started = time.time(), time.perf_counter()
        try:
            outputs, error = component.invoke(invocation), ""
        except RagloomError as failure:
            outputs, error = {}, failure.message
        except UnresolvedReferenceError as failure:
            outputs, error = {}, f"A reference cannot be resolved: {failure}"
        except Exception as failure:  # a component's bug must end its own run, not the server
            log.exception("component %s failed", cid)
            outputs, error = {}, f"{type(failure).__name__}: {failure}"
        return _Outcome(outputs, error, created_at, time.perf_counter() - started)

    def _record_tool_call(self, entry: dict[str, Any]) -> None:
        with self._tool_calls_lock:
            self._tool_calls.append(entry)

    def take_tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls Agents made since the last take, in the order they ended."""
        with self._tool_calls_lock:
            taken, self._tool_calls = self._tool_calls, []
        return taken

    def _may_stream(self, component: Component) -> bool:
        if not component.streams or component.params.exception_method == "goto":
            return False
        structured = component.params.outputs.get("structured")
        if isinstance(structured, dict) and structured.get("properties"):
            return False
        return any(self.canvas.components[target].name == "Message" for target in component.spec.downstream)

    # ---- after a component ran ----------------------------------------------------------------

    def _settle(self, cid: str, outcome: _Outcome) -> Iterator[Event]:
        component = self.canvas.components[cid]
        self._outcomes[cid] = outcome
        if outcome.error:
            yield from self._failed(component, outcome)
            return
        self.state.outputs[cid] = dict(outcome.outputs)
        if component.name == "Message":
            yield from self._stream_message(cid)
            yield self._finished(cid)
            yield from self._flush_deferred(only_done=True)
        elif any(isinstance(value, TextStream) for value in outcome.outputs.values()):
            self._deferred.append(cid)
        elif not component.container:  # a container reports when its body is done (route.finished)
            yield self._finished(cid)
        route = component.route(self.state.outputs[cid], self._view)
        for container in route.finished:
            yield self._finished(container)
        self._extend(route.components)

    def _failed(self, component: Component, outcome: _Outcome) -> Iterator[Event]:
        params = component.params
        self.state.outputs[component.id] = {"_ERROR": outcome.error}
        if params.exception_method == "goto" and params.exception_goto:
            yield self._finished(component.id)
            self._extend(params.exception_goto)
        elif params.exception_method == "comment" or params.exception_default_value:
            default = params.exception_default_value
            self.state.outputs[component.id]["content"] = default
            yield self._finished(component.id)
            if default:
                self._answer.append(default)
                yield Event(EventKind.MESSAGE, {"content": default})
                yield Event(EventKind.MESSAGE_END, {"reference": self._reference()})
            self._extend(component.route(self.state.outputs[component.id], self._view).components)
        else:
            yield self._finished(component.id)
            self._error = f"{self.canvas.dsl.label(component.id)}: {outcome.error}"

    def _stream_message(self, cid: str) -> Iterator[Event]:
        stream = self.state.outputs[cid]["content"]
        assert isinstance(stream, TextStream)
        thinking = False
        try:
            for piece in stream.pieces():
                if self.cancel.is_set():
                    self._error = "The run was cancelled."
                    return
                if piece == THINK_START:
                    thinking = True
                    yield Event(EventKind.MESSAGE, {"content": "", "start_to_think": True})
                elif piece == THINK_END:
                    thinking = False
                    yield Event(EventKind.MESSAGE, {"content": "", "end_to_think": True})
                elif piece and thinking:
                    yield Event(EventKind.MESSAGE, {"content": "", "reasoning_content": piece})
                elif piece:
                    yield Event(EventKind.MESSAGE, {"content": piece})
        except RagloomError as failure:
            self._error = f"{self.canvas.dsl.label(cid)}: {failure.message}"
            return
        text = stream.text()
        self.state.outputs[cid]["content"] = text
        self._answer.append(text)
        yield Event(EventKind.MESSAGE_END, {"reference": self._reference()})

    def _flush_deferred(self, *, only_done: bool = False) -> Iterator[Event]:
        """``node_finished`` of components whose streamed answer is complete (all of them at the end)."""
        for cid in list(self._deferred):
            streams = [value for value in self.state.outputs[cid].values() if isinstance(value, TextStream)]
            if only_done and not all(stream.done for stream in streams):
                continue
            self._deferred.remove(cid)
            for key, value in list(self.state.outputs[cid].items()):
                if isinstance(value, TextStream):
                    self.state.outputs[cid][key] = value.text() if value.done else None
            yield self._finished(cid)

    def _extend(self, targets: list[str]) -> None:
        pending = self.state.path[self.state.done :]
        for target in targets:
            if target not in pending:
                self.state.path.append(target)
                pending.append(target)

    # ---- pausing ------------------------------------------------------------------------------

    def _pause_due(self) -> bool:
        return any(self.canvas.components[cid].name in PAUSING for cid in self.state.path[self.state.done :])

    def _pause(self) -> Event:
        pending = self.state.path[self.state.done :]
        pausing = [cid for cid in pending if self.canvas.components[cid].name in PAUSING]
        self.state.path[self.state.done :] = pausing + [cid for cid in pending if cid not in pausing]
        self.state.paused = True
        form: dict[str, Any] = {}
        tips = ""
        for cid in pausing:
            params = self.canvas.components[cid].params
            form.update(getattr(params, "inputs", {}) or {})
            if getattr(params, "enable_tips", False):
                tips = self._render_quietly(str(getattr(params, "tips", "")), cid)
        return Event(EventKind.USER_INPUTS, {"inputs": form, "tips": tips})

    # ---- values -------------------------------------------------------------------------------

    def lookup(self, name: str, scope: str | None = None) -> Any:
        """The value of reference ``name`` as component ``scope`` sees it."""
        if name.startswith("sys."):
            if name not in self.state.globals:
                raise UnresolvedReferenceError(f"there is no global '{name}'")
            return self.state.globals[name]
        if name.startswith("env."):
            entry = self.state.variables.get(name[4:])
            return entry.get("value") if isinstance(entry, dict) else self.state.globals.get(name, "")
        if name in ("item", "index", "result"):
            start = self._enclosing_start(scope)
            if start is None:
                raise UnresolvedReferenceError(f"'{{{name}}}' is used outside an iteration")
            return self.state.outputs.get(start, {}).get(name)
        reference = Reference(name)
        cid = reference.component_id or ""
        if cid not in self.canvas.components:
            raise UnresolvedReferenceError(f"there is no component '{cid}'")
        value = self.state.outputs.get(cid, {}).get(reference.output)
        if isinstance(value, TextStream):
            value = value.text()
        return follow(value, reference.path) if reference.path else value

    def _enclosing_start(self, scope: str | None) -> str | None:
        seen = set()
        while scope is not None and scope not in seen:
            seen.add(scope)
            component = self.canvas.components[scope]
            if component.name == "IterationItem":
                return scope
            parent = component.spec.parent_id
            if parent is not None:
                return self._view.start_of(parent)
            scope = parent
        return None

    def _render_quietly(self, template: str, scope: str) -> str:
        try:
            return render(template, partial(self.lookup, scope=scope))
        except UnresolvedReferenceError:
            return template

    # ---- events -------------------------------------------------------------------------------

    def _started(self, cid: str) -> Event:
        return Event(
            EventKind.NODE_STARTED,
            {
                "inputs": None,
                "created_at": int(time.time()),
                "component_id": cid,
                "component_name": self.canvas.display_name(cid),
                "component_type": self.canvas.components[cid].name,
                "thoughts": "",
            },
        )

    def _finished(self, cid: str) -> Event:
        outcome = self._outcomes.get(cid)
        return Event(
            EventKind.NODE_FINISHED,
            {
                "inputs": self._inputs_of(cid),
                "outputs": self._settled(cid),
                "component_id": cid,
                "component_name": self.canvas.display_name(cid),
                "component_type": self.canvas.components[cid].name,
                "error": (outcome.error or None) if outcome is not None else None,
                "elapsed_time": outcome.elapsed if outcome is not None else 0.0,
                "created_at": outcome.created_at if outcome is not None else time.time(),
            },
        )

    def _settled(self, cid: str) -> dict[str, Any]:
        outputs = self.state.outputs.get(cid, {})
        return {
            key: (value.text() if value.done else None) if isinstance(value, TextStream) else value
            for key, value in outputs.items()
            if not key.startswith("_")
        }

    def _inputs_of(self, cid: str) -> dict[str, Any]:
        """The values the component's parameters referenced (streams not yet written read as None)."""
        values: dict[str, Any] = {}
        for reference in self.canvas.components[cid].references():
            if reference.name in values:
                continue
            raw = (
                self.state.outputs.get(reference.component_id, {}).get(reference.output)
                if reference.component_id
                else None
            )
            if isinstance(raw, TextStream) and not raw.done:
                values[reference.name] = None
                continue
            try:
                values[reference.name] = self.lookup(reference.name, scope=cid)
            except UnresolvedReferenceError:
                values[reference.name] = None
        return values

    def _reference(self) -> dict[str, Any] | None:
        return self.state.references if self.state.references.get("chunks") else None

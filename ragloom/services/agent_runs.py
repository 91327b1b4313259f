"""Conversing with an agent (AGENTS.md §1.4): a turn run by the canvas runtime, saved when it ends.

:meth:`AgentRunService.prepare` does everything that can refuse the request — finding the agent
and the session (or opening a ``workflow`` session when none is named) — so refusals are
ordinary answers before any stream starts. :meth:`AgentRun.events` then runs the turn and yields
its events on the wire's envelope (``event``, ``message_id``, ``created_at``, ``task_id``,
``data``, ``session_id``). A session opened through ``POST /agents/{id}/sessions`` forwards
``node_finished``, ``message``, ``message_end``, ``user_inputs`` and a ``workflow_finished``
reduced to its usage (RAGFlow v0.27); a workflow session forwards every event. The turn — the
run's state, the question, the answer, its reference and any error — is saved when the run ends,
also when it failed or the client went away; a session runs one turn at a time.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ragloom.agents import Canvas, ComponentRegistry, Event, EventKind, Runner, RunRequest, RunState
from ragloom.agents.services import AgentServices
from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, DataError
from ragloom.ids import new_id
from ragloom.services.agent_access import AgentPermissionError, agent_session
from ragloom.services.agent_sessions import AGENT_NOT_FOUND, open_session
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import AgentLog

SESSION_EVENTS = frozenset(
    {
        EventKind.NODE_FINISHED,
        EventKind.MESSAGE,
        EventKind.MESSAGE_END,
        EventKind.USER_INPUTS,
        EventKind.WORKFLOW_FINISHED,
        EventKind.ERROR,
    }
)
LOG_KEEP_MS = 24 * 3600 * 1000
MAX_SESSION_NAME = 250


@dataclass(frozen=True)
class AgentRunRequest:
    """A validated request to converse with an agent."""

    agent_id: str
    query: str = ""
    session_id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    files: list[Any] = field(default_factory=list)
    user_id: str = ""
    release: bool = False
    return_trace: bool = False
    new_session_source: str = "workflow"
    """What a session opened for a request naming none is: ``workflow`` (RAGFlow's native route)
    or ``agent`` (its OpenAI-compatible route)."""


@dataclass
class AgentRun:
    """One prepared turn; iterate :meth:`events` (or call :meth:`result`) to run it."""

    service: AgentRunService
    caller: Caller
    request: AgentRunRequest
    session_id: str
    source: str
    canvas: Canvas
    state: RunState
    services: AgentServices
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: int = field(default_factory=lambda: int(time.time()))
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def task_id(self) -> str:
        return self.request.agent_id if self.source == "agent" else self.session_id

    def events(self) -> Iterator[dict[str, Any]]:
        """The turn's events on the wire's envelope (see the module docstring)."""
        lock = self.service.session_lock(self.session_id)
        with lock:
            answer: list[str] = []
            trace: list[dict[str, Any]] = []
            error = ""
            runner = Runner(self.canvas, self.state, self.services, cancel=self.cancel)
            request = RunRequest(self.request.query, self.request.inputs, self.request.files, self.request.user_id)
            try:
                for event in runner.run(request):
                    trace.extend(_tool_trace(runner.take_tool_calls()))
                    if event.kind is EventKind.MESSAGE:
                        answer.append(str(event.data.get("content", "")))
                    elif event.kind is EventKind.ERROR:
                        error = str(event.data.get("message", ""))
                    elif event.kind is EventKind.NODE_FINISHED:
                        trace.append({"component_id": event.data["component_id"], "trace": [event.data]})
                        if self.request.return_trace:
                            event = Event(event.kind, {**event.data, "trace": list(trace)})
                    if self.source == "workflow" or event.kind in SESSION_EVENTS:
                        yield self._wire(event)
            finally:
                self.cancel.set()
                trace.extend(_tool_trace(runner.take_tool_calls()))
                self.service.save(self, "".join(answer), error, trace)

    def result(self) -> dict[str, Any]:
        """The whole turn at once (non-stream requests): RAGFlow's last event, its ``data`` holding the
        joined answer, the reference, structured outputs and (with ``return_trace``) the trace."""
        last: dict[str, Any] = {}
        content: list[str] = []
        reference: dict[str, Any] = {}
        structured: dict[str, Any] = {}
        trace: list[Any] = []
        for event in self.events():
            if event["event"] == EventKind.ERROR:
                raise AgentRunError(str(event["data"]["message"]))
            data = event["data"]
            if event["event"] == EventKind.MESSAGE:
                content.append(str(data.get("content", "")))
            elif event["event"] == EventKind.MESSAGE_END and data.get("reference"):
                reference = data["reference"]
            elif event["event"] == EventKind.NODE_FINISHED:
                outputs = data.get("outputs") or {}
                if isinstance(outputs, dict) and outputs.get("structured") is not None:
                    structured[data["component_id"]] = outputs["structured"]
                trace = data.get("trace", trace)
            last = event
        if not last:
            return {"session_id": self.session_id}
        final = {**last, "data": {**last["data"], "content": "".join(content), "reference": reference}}
        final["data"]["structured"] = structured
        if self.request.return_trace:
            final["data"]["trace"] = trace
        return final

    def _wire(self, event: Event) -> dict[str, Any]:
        data = event.data
        if event.kind is EventKind.WORKFLOW_FINISHED and self.source == "agent":
            data = {"usage": data.get("usage", {})}
        return {
            "event": str(event.kind),
            "message_id": self.message_id,
            "created_at": self.created_at,
            "task_id": self.task_id,
            "data": data,
            "session_id": self.session_id,
        }


def _tool_trace(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tool calls as log entries, RAGFlow's ``{component_id, trace: [{path, tool_name, arguments,
    result, elapsed_time}]}``, consecutive calls of one Agent in one entry."""
    entries: list[dict[str, Any]] = []
    for call in calls:
        step = {key: value for key, value in call.items() if key != "component_id"}
        if entries and entries[-1]["component_id"] == call["component_id"] and "tool_name" in entries[-1]["trace"][-1]:
            entries[-1]["trace"].append(step)
        else:
            entries.append({"component_id": call["component_id"], "trace": [step]})
    return entries


class AgentRunError(Exception):
    """A run that ended with an error (non-stream answers report it as code 500)."""


class AgentRunService:
    """Prepares and saves agent turns; see the module docstring."""

    def __init__(
        self,
        store: MetadataStore,
        components: ComponentRegistry,
        environment: Callable[[Caller, str, str], AgentServices],
    ) -> None:
        self._store = store
        self._components = components
        self._environment = environment
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()

    def prepare(self, caller: Caller, request: AgentRunRequest) -> AgentRun:
        if not request.agent_id:
            raise ArgumentError("`agent_id` is required.")
        # A session named by the request is only read; opening one is the only write here.
        transaction = self._store.reading if request.session_id else self._store.writing
        with transaction() as tx:
            agent = tx.agents.get(request.agent_id)
            if agent is None or agent.tenant_id != caller.tenant_id:
                if request.session_id and agent is not None:
                    raise AgentPermissionError("Only authorized users can access this agent session.")
                raise DataError(AGENT_NOT_FOUND)
            if request.session_id:
                session = agent_session(tx, agent, request.session_id)
            else:
                name = request.query[:MAX_SESSION_NAME] or "New session"
                session = open_session(
                    tx,
                    agent,
                    self._components,
                    name=name,
                    user_id=request.user_id,
                    release=request.release,
                    source=request.new_session_source,
                )
            canvas = Canvas.build(session.dsl, self._components)
            state = RunState.from_json(session.state) if session.state else RunState.fresh(session.dsl)
            return AgentRun(
                self,
                caller,
                request,
                session.id,
                session.source,
                canvas,
                state,
                self._environment(caller, agent.id, session.id),
            )

    def session_lock(self, session_id: str) -> threading.Lock:
        with self._locks_guard:
            lock = self._locks.get(session_id)
            if lock is None:
                lock = threading.Lock()
                self._locks[session_id] = lock
            return lock

    def save(self, run: AgentRun, answer: str, error: str, trace: list[dict[str, Any]]) -> None:
        """Store the turn in its session (and its trace for ``logs/{message_id}``)."""
        now = now_ms()
        with self._store.writing() as tx:
            session = tx.agents.lock_session(run.session_id)
            if session is None:
                return  # deleted while the run went on
            messages = list(session.messages)
            if run.request.query:
                messages.append({"role": "user", "content": run.request.query, "id": uuid.uuid4().hex})
            if answer or not error:
                messages.append({"role": "assistant", "content": answer, "id": run.message_id, "created_at": now})
                references = run.state.references if run.state.references.get("chunks") else {}
                session.reference = [*session.reference, references]
            session.messages = messages
            session.state = run.state.to_json()
            session.errors = error
            session.update_time = now
            tx.agents.add_log(
                AgentLog(
                    id=new_id(), agent_id=run.request.agent_id, message_id=run.message_id, trace=trace, create_time=now
                ),
                keep_since=now - LOG_KEEP_MS,
            )

    def log(self, caller: Caller, agent_id: str, message_id: str) -> list[Any]:
        """What the run with ``message_id`` did, or ``[]`` when it is unknown (or past keeping)."""
        with self._store.reading() as tx:
            agent = tx.agents.get(agent_id)
            if agent is None or agent.tenant_id != caller.tenant_id:
                raise DataError(AGENT_NOT_FOUND)
            found = tx.agents.log(agent_id, message_id)
        return list(found.trace) if found is not None else []

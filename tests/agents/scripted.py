"""A scripted chat model standing in for the LLM (the edge), and services that hand it out."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from ragloom.agents import Canvas, DslError, Event, EventKind, Runner, RunRequest, RunState, builtin_components
from ragloom.agents.services import DatasetSearch, FoundChunks
from ragloom.errors import DataError, ProviderError, RetCode
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, ToolCall, ToolChoice, Usage


@dataclass
class ScriptedChat:
    """Answers each call with the next scripted reply, piece by piece; records what it was asked."""

    replies: list[str | Exception | list[Delta]] = field(default_factory=list)
    model_id: str = "scripted@Test"
    context_window: int = 8192
    calls: list[list[ChatMessage]] = field(default_factory=list)
    options: list[GenerationOptions] = field(default_factory=list)
    offered: list[list[str]] = field(default_factory=list)
    """The function names each call offered."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        *,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: ToolChoice | None = None,
    ) -> Iterator[Delta]:
        with self._lock:
            self.calls.append(list(messages))
            self.options.append(options)
            self.offered.append([tool["function"]["name"] for tool in tools])
            reply = self.replies.pop(0) if self.replies else "ok"
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, list):
            yield from reply
        else:
            for word in reply.split(" "):
                yield Delta(content=word + " ")
        yield Delta(usage=Usage(1, 1))


@dataclass
class ScriptedServices:
    """One tenant whose every chat model is ``chat``."""

    chat: ScriptedChat = field(default_factory=ScriptedChat)
    tenant_id: str = "tenant-1"
    asked_for: list[str] = field(default_factory=list)

    saved_turns: list[tuple[list[str], str, str, str]] = field(default_factory=list)
    memory_contents: list[str] = field(default_factory=list)

    def save_turn(self, memory_ids: list[str], user_input: str, agent_response: str, user_id: str) -> None:
        self.saved_turns.append((memory_ids, user_input, agent_response, user_id))

    def search_memories(self, search: object) -> list[str]:
        return list(self.memory_contents)

    def chat_model(self, model_id: str) -> ScriptedChat:
        self.asked_for.append(model_id)
        if model_id == "down@Test":
            raise ProviderError("Chat model down@Test is unavailable")
        return self.chat

    def search_datasets(self, search: DatasetSearch) -> FoundChunks:
        raise DataError(f"Dataset({search.datasets[0] if search.datasets else ''}) does not exist.")

    def call_mcp_tool(self, mcp_id: str, tool: str, arguments: dict[str, Any], headers: Mapping[str, str]) -> str:
        raise DataError(f"Cannot find MCP server {mcp_id} for user {self.tenant_id}")


def calling(*calls: tuple[str, str]) -> list[Delta]:
    """A scripted reply that calls ``(function, arguments JSON)`` pairs."""
    return [
        Delta(tool_calls=tuple(ToolCall(f"call_{n}", name, arguments) for n, (name, arguments) in enumerate(calls)))
    ]


def component(name: str, downstream: list[str] | None = None, **params: Any) -> dict[str, Any]:
    return {"obj": {"component_name": name, "params": params}, "downstream": downstream or [], "upstream": []}


def dsl(**components: dict[str, Any]) -> dict[str, Any]:
    """A DSL of ``components`` (``begin`` is added, linked to ``first`` when one is named so)."""
    return {"components": components, "graph": {"nodes": [], "edges": []}}


def run(
    document: dict[str, Any],
    query: str = "hello",
    *,
    services: ScriptedServices | None = None,
    state: RunState | None = None,
    inputs: dict[str, Any] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[list[Event], RunState]:
    canvas = Canvas.build(document, builtin_components())
    state = state or RunState.fresh(document)
    runner = Runner(canvas, state, services or ScriptedServices(), cancel=cancel)
    events = list(runner.run(RunRequest(query=query, inputs=inputs or {}, user_id="user-1")))
    return events, state


def kinds(events: list[Event]) -> list[str]:
    return [str(event.kind) for event in events]


def answer(events: list[Event]) -> str:
    return "".join(event.data.get("content", "") for event in events if event.kind is EventKind.MESSAGE)


def finished(events: list[Event]) -> list[str]:
    return [event.data["component_id"] for event in events if event.kind is EventKind.NODE_FINISHED]


def inside(parent_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` as a component of the body of Iteration or Loop ``parent_id``."""
    return {**spec, "parent_id": parent_id}


def node_finished(events: list[Event], component_id: str) -> list[dict[str, Any]]:
    """The ``node_finished`` data of one component, in order."""
    return [
        event.data
        for event in events
        if event.kind is EventKind.NODE_FINISHED and event.data["component_id"] == component_id
    ]


def refusal(document: Any) -> str:
    """The message of the 101 that refuses ``document`` when its canvas is built."""
    with pytest.raises(DslError) as raised:
        Canvas.build(document, builtin_components())
    assert raised.value.code is RetCode.ARGUMENT_ERROR
    return raised.value.message

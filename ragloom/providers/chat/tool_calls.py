"""Tool calls that arrive in pieces: OpenAI-style streams send each call's name and id once and its
arguments as text fragments, every piece tagged with the call's ``index``.

Servers differ in the details, so the assembler is lenient: a piece without an ``index`` belongs
to the call of the same ``id`` (or starts a new one), a name or id repeated in later pieces is not
appended again (llama-cpp-python repeats them), arguments sent as an object (Ollama) are written
as JSON, and a call without an id gets ``call_<n>``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ragloom.providers.chat.protocol import ChatMessage, ToolCall, ToolChoice


@dataclass
class _Partial:
    id: str = ""
    name: str = ""
    arguments: str = ""


class ToolCallAssembler:
    """Collects the pieces of one reply's tool calls; :meth:`calls` returns them whole."""

    def __init__(self) -> None:
        self._calls: dict[int, _Partial] = {}

    def feed(self, pieces: Any) -> None:
        """Add one delta's ``tool_calls`` list (anything else is ignored)."""
        if not isinstance(pieces, list):
            return
        for position, piece in enumerate(pieces):
            if isinstance(piece, Mapping):
                self._add(position, piece)

    def _add(self, position: int, piece: Mapping[str, Any]) -> None:
        call_id = piece.get("id") if isinstance(piece.get("id"), str) else ""
        index = piece.get("index")
        if not isinstance(index, int):
            index = self._index_of(call_id) if call_id else len(self._calls) + position
        partial = self._calls.setdefault(index, _Partial())
        if call_id and not partial.id:
            partial.id = call_id
        function = piece.get("function")
        if not isinstance(function, Mapping):
            return
        name = function.get("name")
        if isinstance(name, str) and name and not partial.name:
            partial.name = name
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            partial.arguments += arguments
        elif isinstance(arguments, Mapping):
            partial.arguments = json.dumps(arguments, ensure_ascii=False)

    def _index_of(self, call_id: str) -> int:
        for index, partial in self._calls.items():
            if partial.id == call_id:
                return index
        return max(self._calls, default=-1) + 1

    def calls(self) -> tuple[ToolCall, ...]:
        """The calls in index order (those that never got a name are dropped)."""
        return tuple(
            ToolCall(partial.id or f"call_{index}", partial.name, partial.arguments or "{}")
            for index, partial in sorted(self._calls.items())
            if partial.name
        )


def tool_payload(tools: Sequence[Mapping[str, Any]], tool_choice: ToolChoice | None) -> dict[str, Any]:
    """The ``tools`` and ``tool_choice`` fields of an OpenAI-style request (nothing without tools)."""
    if not tools:
        return {}
    return {"tools": [dict(tool) for tool in tools], "tool_choice": tool_choice or "auto"}


def forced_function(tool_choice: ToolChoice | None) -> str | None:
    """The function name a ``tool_choice`` object forces, else ``None``."""
    if isinstance(tool_choice, Mapping):
        function = tool_choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return str(function["name"])
    return None


def openai_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """``messages`` in OpenAI's chat API."""
    return [message.as_openai() for message in messages]

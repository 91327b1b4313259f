"""The chat-model role: messages in, a stream of text fragments (and tool calls) out.

Tool calling follows OpenAI's shape: a call passes ``tools`` (function definitions, each
``{"type": "function", "function": {"name", "description", "parameters"}}``) and a
``tool_choice`` (``"auto"``, ``"none"``, ``"required"`` or ``{"type": "function",
"function": {"name": …}}``); the model answers with text, with :class:`ToolCall` values, or
both. The caller runs the calls and sends their results back as ``tool`` messages, each
naming the call it answers (:attr:`ChatMessage.tool_call_id`), after the ``assistant``
message that made them (:attr:`ChatMessage.tool_calls`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant", "tool"]
ToolChoice = str | Mapping[str, Any]
"""``"auto"`` (the model decides), ``"none"``, ``"required"``, or ``{"type": "function",
"function": {"name": …}}`` (that function, always)."""


@dataclass(frozen=True)
class ToolCall:
    """One function call a model asked for: the call's id, the function, its arguments as JSON text
    (as the model wrote them: they may not parse)."""

    id: str
    name: str
    arguments: str = "{}"

    def as_openai(self) -> dict[str, Any]:
        """The call as an ``assistant`` message lists it in OpenAI's API."""
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}

    def arguments_object(self) -> dict[str, Any]:
        """The arguments parsed (``{}`` when they are not a JSON object; for servers that want one)."""
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a conversation.

    An ``assistant`` message may carry the tool calls it made (its ``content`` then often
    empty); a ``tool`` message carries one call's result as ``content``, the id of the call
    (``tool_call_id``) and the function's name (``name``)."""

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = field(default=())
    tool_call_id: str = ""
    name: str = ""

    def as_openai(self) -> dict[str, Any]:
        """The message in OpenAI's chat API."""
        if self.role == "tool":
            return {"role": "tool", "tool_call_id": self.tool_call_id, "content": self.content}
        if self.role == "assistant" and self.tool_calls:
            return {
                "role": "assistant",
                "content": self.content or None,
                "tool_calls": [call.as_openai() for call in self.tool_calls],
            }
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class GenerationOptions:
    """Sampling settings; ``None`` leaves the model's own default.

    ``json_schema`` asks for an answer that is JSON of that schema. The built-in model is held
    to it (llama.cpp turns it into a grammar); remote models are not sent it (not every
    OpenAI-compatible server takes a schema), so the prompt must ask for the JSON too.
    """

    temperature: float | None = None
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    max_tokens: int | None = None
    json_schema: Mapping[str, Any] | None = None

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> GenerationOptions:
        """The known sampling keys of ``values`` (a chat's ``llm_setting``); others and nulls are ignored."""
        known = {field.name for field in fields(cls)} - {"json_schema"}
        return cls(**{key: value for key, value in values.items() if key in known and value is not None})

    def merged(self, overrides: GenerationOptions) -> GenerationOptions:
        """These options with every non-``None`` value of ``overrides`` taking precedence."""
        mine = {field.name: getattr(self, field.name) for field in fields(self)}
        theirs = {field.name: getattr(overrides, field.name) for field in fields(overrides)}
        return GenerationOptions(**{key: theirs[key] if theirs[key] is not None else mine[key] for key in mine})

    def as_payload(self) -> dict[str, Any]:
        """The non-``None`` sampling options, keyed as OpenAI's API names them (not ``json_schema``)."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if getattr(self, field.name) is not None and field.name != "json_schema"
        }


@dataclass(frozen=True)
class Usage:
    """Tokens the provider counted for one generation."""

    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Delta:
    """The next piece of a generation: answer text, reasoning text, tool calls, or the final usage.

    Reasoning (``<think>…</think>`` or a provider's reasoning field) is never in
    ``content``. ``tool_calls`` are complete calls (a provider that streams them in pieces
    assembles them first), all of a reply's calls in one delta after its text. ``usage`` is
    set only on the last delta, when the provider reports it.
    """

    content: str = ""
    reasoning: str = ""
    usage: Usage | None = None
    tool_calls: tuple[ToolCall, ...] = ()


class ChatModel(Protocol):
    """A chat LLM. ``stream`` yields deltas as the model produces them.

    With ``tools`` the model may answer with tool calls instead of (or besides) text; without
    them a call is exactly a plain chat. A model that cannot honour the ``tool_choice`` asked for
    raises :class:`~ragloom.errors.ProviderError` saying so, rather than answering without tools.
    A provider that cannot answer raises :class:`~ragloom.errors.ProviderError`, before the
    first delta when it never started and mid-stream when it broke off.
    """

    @property
    def model_id(self) -> str:
        """The ``name@factory`` id."""
        ...

    @property
    def context_window(self) -> int:
        """How many tokens prompt and answer may take together."""
        ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        *,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: ToolChoice | None = None,
    ) -> Iterator[Delta]:
        """Generate the assistant's next message (``tool_choice`` defaults to ``"auto"`` when
        ``tools`` are given)."""
        ...

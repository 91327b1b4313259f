"""The chat-model role: messages in, a stream of text fragments out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, Protocol

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a conversation."""

    role: Role
    content: str


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
    """The next piece of a generation: answer text, reasoning text, or the final usage.

    Reasoning (``<think>…</think>`` or a provider's reasoning field) is never in
    ``content``. ``usage`` is set only on the last delta, when the provider reports it.
    """

    content: str = ""
    reasoning: str = ""
    usage: Usage | None = None


class ChatModel(Protocol):
    """A chat LLM. ``stream`` yields deltas as the model produces them.

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

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[Delta]:
        """Generate the assistant's next message."""
        ...

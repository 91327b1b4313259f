"""LLM: one chat call with a system prompt, the conversation so far and prompt templates.

With a Message downstream (and no structured output or exception branch) the call is left to
the Message, which streams it; otherwise the answer is written here. Generation settings apply
only where the DSL enables them (``temperatureEnabled`` …), as RAGFlow's editor saves them.
A structured-output schema (``outputs.structured``) asks for JSON and parses it, retrying a
reply that does not parse up to ``max_retries`` times.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from ragloom.agents.components.base import Component, ComponentParams, Invocation
from ragloom.agents.prompts import CITATION_GUIDELINES
from ragloom.agents.streams import THINK_END, THINK_START, TextStream, answer_text
from ragloom.errors import ProviderError
from ragloom.providers.chat.protocol import ChatMessage, ChatModel, GenerationOptions, Role

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


class LLMParams(ComponentParams):
    llm_id: str = ""
    sys_prompt: str = ""
    prompts: list[dict[str, str]] = Field(default_factory=lambda: [{"role": "user", "content": "{sys.query}"}])
    message_history_window_size: int = Field(default=12, ge=0)
    temperature: float = 0.1
    temperatureEnabled: bool = False  # noqa: N815 (RAGFlow's DSL field names)
    top_p: float = 0.3
    topPEnabled: bool = False  # noqa: N815
    presence_penalty: float = 0.4
    presencePenaltyEnabled: bool = False  # noqa: N815
    frequency_penalty: float = 0.7
    frequencyPenaltyEnabled: bool = False  # noqa: N815
    max_tokens: int = Field(default=256, ge=1)
    maxTokensEnabled: bool = False  # noqa: N815
    max_retries: int = Field(default=3, ge=0, le=10)
    delay_after_error: float = Field(default=1.0, ge=0, le=60)
    cite: bool = True
    visual_files_var: str = ""

    def options(self) -> GenerationOptions:
        return GenerationOptions(
            temperature=self.temperature if self.temperatureEnabled else None,
            top_p=self.top_p if self.topPEnabled else None,
            presence_penalty=self.presence_penalty if self.presencePenaltyEnabled else None,
            frequency_penalty=self.frequency_penalty if self.frequencyPenaltyEnabled else None,
            max_tokens=self.max_tokens if self.maxTokensEnabled else None,
        )

    def structured_schema(self) -> dict[str, Any] | None:
        schema = self.outputs.get("structured")
        return schema if isinstance(schema, dict) and schema.get("properties") else None


class LLM(Component):
    """A single call to a chat model."""

    name = "LLM"
    Params = LLMParams
    streams = True

    def invoke(self, run: Invocation) -> dict[str, Any]:
        return self.answer(run, self.messages(run))

    def answer(self, run: Invocation, messages: list[ChatMessage]) -> dict[str, Any]:
        """The outputs of one call with ``messages``: structured, streamed to a Message, or written."""
        params = self._params()
        model = run.services.chat_model(params.llm_id)
        schema = params.structured_schema()
        if schema is not None:
            return self._structured(model, messages, schema, run)
        if run.may_stream:
            return {"content": TextStream(lambda: stream_text(model, messages, params.options(), run))}
        return {"content": self._with_retries(lambda: answer_text(stream_text(model, messages, params.options(), run)))}

    def _params(self) -> LLMParams:
        assert isinstance(self.params, LLMParams)
        return self.params

    def messages(self, run: Invocation) -> list[ChatMessage]:
        """The system prompt, the conversation so far, then the prompt templates rendered."""
        messages = self.preamble(run, cite=self._params().cite)
        for prompt in self._params().prompts or [{"role": "user", "content": "{sys.query}"}]:
            role: Role = "assistant" if prompt.get("role") == "assistant" else "user"
            messages.append(ChatMessage(role, run.render(str(prompt.get("content", "")))))
        return messages

    def preamble(self, run: Invocation, *, cite: bool) -> list[ChatMessage]:
        """The system prompt (with the citation guidelines when ``cite`` and the run has chunks to
        cite) and the conversation so far."""
        params = self._params()
        messages: list[ChatMessage] = []
        system = run.render(params.sys_prompt).strip()
        if cite and run.state.references.get("chunks"):
            system = f"{system}\n\n{CITATION_GUIDELINES}".strip()
        if system:
            messages.append(ChatMessage("system", system))
        messages.extend(run.history(params.message_history_window_size))
        return messages

    def _with_retries(self, call: Any) -> Any:
        params = self._params()
        attempt = 0
        while True:
            try:
                return call()
            except ProviderError:
                if attempt >= params.max_retries:
                    raise
                attempt += 1
                time.sleep(params.delay_after_error)

    def _structured(
        self, model: ChatModel, messages: list[ChatMessage], schema: dict[str, Any], run: Invocation
    ) -> dict[str, Any]:
        params = self._params()
        asked = [*messages, ChatMessage("user", structured_instruction(schema))]
        problem = ""
        for _ in range(params.max_retries + 1):
            text = self._with_retries(lambda: answer_text(stream_text(model, asked, params.options(), run)))
            value, problem = parse_object(text)
            if value is not None:
                return {"content": text, "structured": value}
        raise ProviderError(f"Structured output failed: {problem}")


def structured_instruction(schema: dict[str, Any]) -> str:
    """What asks a model for structured output."""
    return "Answer with one JSON object that matches this JSON schema, and nothing else:\n" + json.dumps(
        schema, ensure_ascii=False
    )


def parse_object(text: str) -> tuple[dict[str, Any] | None, str]:
    """The JSON object a model answered (code fences allowed), or ``None`` and why not."""
    try:
        value = json.loads(_FENCE.sub("", text.strip()))
    except ValueError as error:
        return None, f"the model's answer is not JSON ({error})"
    if isinstance(value, dict):
        return value, ""
    return None, "the model's answer is not a JSON object"


def stream_text(
    model: ChatModel, messages: list[ChatMessage], options: GenerationOptions, run: Invocation
) -> Iterator[str]:
    """The model's answer as pieces, reasoning between THINK_START and THINK_END; stops when the run is cancelled."""
    thinking = False
    for delta in model.stream(messages, options):
        if run.cancelled():
            return
        if delta.reasoning:
            if not thinking:
                thinking = True
                yield THINK_START
            yield delta.reasoning
        if delta.content:
            if thinking:
                thinking = False
                yield THINK_END
            yield delta.content
    if thinking:
        yield THINK_END

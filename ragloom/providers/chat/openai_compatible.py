"""Chat models behind any OpenAI-compatible ``/chat/completions`` (streamed over SSE).

OpenAI, DeepSeek, Qwen/DashScope, Zhipu, SiliconFlow, Moonshot, vLLM, LM Studio,
Xinference and llama.cpp's server all speak it. Reasoning arrives either in a
``reasoning_content`` (or ``reasoning``) field of the delta or inline as ``<think>`` text;
both end up in :attr:`Delta.reasoning`. With ``tools`` the request carries ``tools`` and
``tool_choice``; the ``tool_calls`` pieces of the stream are assembled by index and handed
over whole, after the reply's text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ragloom.errors import ProviderError
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, ToolChoice, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter
from ragloom.providers.chat.tool_calls import ToolCallAssembler, openai_messages, tool_payload
from ragloom.providers.http import provider_client, remote_failure, stream_lines
from ragloom.settings import RemoteModel


class OpenAICompatibleChat:
    """One chat model of an OpenAI-compatible server; with ``guard`` (a tenant's model) every
    connection must pass that address policy."""

    def __init__(self, model_id: str, settings: RemoteModel, *, guard: AddressPolicy | None = None) -> None:
        self.model_id = model_id
        self.context_window = settings.context_window
        self._settings = settings
        self._url = f"{settings.base_url.rstrip('/')}/chat/completions"
        self._client = provider_client(settings, guard, {"Accept": "text/event-stream"})

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        *,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: ToolChoice | None = None,
    ) -> Iterator[Delta]:
        payload: dict[str, Any] = {
            "model": self._settings.name,
            "messages": openai_messages(messages),
            "stream": True,
            "stream_options": {"include_usage": True},
            **options.as_payload(),
            **tool_payload(tools, tool_choice),
        }
        what = f"Chat model {self.model_id}"
        splitter = ReasoningSplitter()
        calls = ToolCallAssembler()
        usage: Usage | None = None
        finished = False  # a stream cut short without an error (no chunked framing) must not pass as whole
        for line in stream_lines(self._client, self._url, payload, what=what, retries=self._settings.max_retries):
            if not line.startswith("data:"):
                continue
            data = line[len("data:") :].strip()
            if data == "[DONE]":
                finished = True
                break
            chunk = _parse(data, what)
            usage = _usage(chunk) or usage
            for choice in chunk.get("choices") or []:
                finished = finished or bool(choice.get("finish_reason"))
                delta = choice.get("delta") or {}
                reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                if isinstance(reasoning, str) and reasoning:
                    yield Delta(reasoning=reasoning)
                content = delta.get("content")
                if isinstance(content, str) and content:
                    yield from splitter.feed(content)
                calls.feed(delta.get("tool_calls"))
        if not finished:
            raise ProviderError(f"{what} ended its answer without saying it was done")
        yield from splitter.finish()
        if calls.calls():
            yield Delta(tool_calls=calls.calls())
        if usage is not None:
            yield Delta(usage=usage)

    def close(self) -> None:
        self._client.close()


def _parse(data: str, what: str) -> dict[str, Any]:
    try:
        chunk = json.loads(data)
    except ValueError:
        raise remote_failure(what, "sent an event that is not JSON", data) from None
    if not isinstance(chunk, dict):
        raise remote_failure(what, "sent an event that is not an object", data)
    if chunk.get("error"):
        raise remote_failure(what, "reported an error while answering", data)
    return chunk


def _usage(chunk: dict[str, Any]) -> Usage | None:
    usage = chunk.get("usage")
    if not isinstance(usage, dict):
        return None
    try:
        return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
    except (TypeError, ValueError):
        return None

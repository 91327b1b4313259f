"""Chat models through Ollama's native ``/api/chat`` (newline-delimited JSON stream).

Ollama takes OpenAI-style ``tools`` and answers with ``message.tool_calls`` whose arguments are
objects (and whose ids may be missing); it has no ``tool_choice``: with tools it always decides
by itself, so a request naming a function or ``required`` is refused rather than answered
differently, and ``none`` sends no tools.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ragloom.errors import ProviderError
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, ToolChoice, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter
from ragloom.providers.chat.tool_calls import ToolCallAssembler
from ragloom.providers.http import provider_client, remote_failure, stream_lines
from ragloom.settings import RemoteModel

# Ollama's names for OpenAI's sampling options.
OPTION_NAMES = {
    "temperature": "temperature",
    "top_p": "top_p",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "max_tokens": "num_predict",
}


class OllamaChat:
    """One chat model of an Ollama server; its ``thinking`` field becomes reasoning; with
    ``guard`` (a tenant's model) every connection must pass that address policy."""

    def __init__(self, model_id: str, settings: RemoteModel, *, guard: AddressPolicy | None = None) -> None:
        self.model_id = model_id
        self.context_window = settings.context_window
        self._settings = settings
        base = settings.base_url.rstrip("/").removesuffix("/v1")
        self._url = f"{base}/api/chat"
        self._client = provider_client(settings, guard)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        *,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: ToolChoice | None = None,
    ) -> Iterator[Delta]:
        what = f"Chat model {self.model_id}"
        sampling = {OPTION_NAMES[key]: value for key, value in options.as_payload().items()}
        payload: dict[str, Any] = {
            "model": self._settings.name,
            "messages": [_message(message) for message in messages],
            "stream": True,
            "options": {"num_ctx": self.context_window, **sampling},
        }
        if tools and tool_choice != "none":
            if tool_choice not in (None, "auto"):
                raise ProviderError(
                    f"{what} (Ollama) cannot be told which tool to call; it only chooses by itself (tool_choice auto)"
                )
            payload["tools"] = [dict(tool) for tool in tools]
        splitter = ReasoningSplitter()
        calls = ToolCallAssembler()
        for line in stream_lines(self._client, self._url, payload, what=what, retries=self._settings.max_retries):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                raise remote_failure(what, "sent a line that is not JSON", line) from None
            if not isinstance(event, dict):
                raise remote_failure(what, "sent a line that is not an object", line)
            if event.get("error"):
                raise remote_failure(what, "reported an error while answering", line)
            message = event.get("message")
            if not isinstance(message, dict):
                message = {}
            thinking = message.get("thinking")
            if isinstance(thinking, str) and thinking:
                yield Delta(reasoning=thinking)
            content = message.get("content")
            if isinstance(content, str) and content:
                yield from splitter.feed(content)
            calls.feed(message.get("tool_calls"))
            if event.get("done"):
                yield from splitter.finish()
                if calls.calls():
                    yield Delta(tool_calls=calls.calls())
                prompt, completion = event.get("prompt_eval_count"), event.get("eval_count")
                if isinstance(prompt, int) and isinstance(completion, int):
                    yield Delta(usage=Usage(prompt, completion))
                return
        raise ProviderError(f"{what} ended its answer without saying it was done")

    def close(self) -> None:
        self._client.close()


def _message(message: ChatMessage) -> dict[str, Any]:
    """A message as Ollama's ``/api/chat`` reads it: tool-call arguments as objects, a tool result
    naming its function."""
    if message.role == "tool":
        return {"role": "tool", "content": message.content, "tool_name": message.name}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content,
            "tool_calls": [
                {"function": {"name": call.name, "arguments": call.arguments_object()}} for call in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}

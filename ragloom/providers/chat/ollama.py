"""Chat models through Ollama's native ``/api/chat`` (newline-delimited JSON stream)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from ragloom.errors import ProviderError
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter
from ragloom.providers.http import stream_lines
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
    """One chat model of an Ollama server; its ``thinking`` field becomes reasoning."""

    def __init__(self, model_id: str, settings: RemoteModel) -> None:
        self.model_id = model_id
        self.context_window = settings.context_window
        self._settings = settings
        base = settings.base_url.rstrip("/").removesuffix("/v1")
        self._url = f"{base}/api/chat"
        timeout = httpx.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds))
        self._client = httpx.Client(timeout=timeout)

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[Delta]:
        sampling = {OPTION_NAMES[key]: value for key, value in options.as_payload().items()}
        payload: dict[str, Any] = {
            "model": self._settings.name,
            "messages": [{"role": message.role, "content": message.content} for message in messages],
            "stream": True,
            "options": {"num_ctx": self.context_window, **sampling},
        }
        what = f"Chat model {self.model_id} at {self._url}"
        splitter = ReasoningSplitter()
        for line in stream_lines(self._client, self._url, payload, what=what, retries=self._settings.max_retries):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                raise ProviderError(f"{what} sent a line that is not JSON: {line[:200]}") from None
            if not isinstance(event, dict):
                raise ProviderError(f"{what} sent a line that is not an object: {line[:200]}")
            if event.get("error"):
                raise ProviderError(f"{what} failed: {event['error']}")
            message = event.get("message")
            if not isinstance(message, dict):
                message = {}
            thinking = message.get("thinking")
            if isinstance(thinking, str) and thinking:
                yield Delta(reasoning=thinking)
            content = message.get("content")
            if isinstance(content, str) and content:
                yield from splitter.feed(content)
            if event.get("done"):
                yield from splitter.finish()
                prompt, completion = event.get("prompt_eval_count"), event.get("eval_count")
                if isinstance(prompt, int) and isinstance(completion, int):
                    yield Delta(usage=Usage(prompt, completion))
                return
        raise ProviderError(f"{what} ended its answer without saying it was done")

    def close(self) -> None:
        self._client.close()

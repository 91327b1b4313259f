"""Chat models through Ollama's native ``/api/chat`` (newline-delimited JSON stream)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from ragloom.errors import ProviderError
from ragloom.providers.address_guard import AddressPolicy
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter
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

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[Delta]:
        sampling = {OPTION_NAMES[key]: value for key, value in options.as_payload().items()}
        payload: dict[str, Any] = {
            "model": self._settings.name,
            "messages": [{"role": message.role, "content": message.content} for message in messages],
            "stream": True,
            "options": {"num_ctx": self.context_window, **sampling},
        }
        what = f"Chat model {self.model_id}"
        splitter = ReasoningSplitter()
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
            if event.get("done"):
                yield from splitter.finish()
                prompt, completion = event.get("prompt_eval_count"), event.get("eval_count")
                if isinstance(prompt, int) and isinstance(completion, int):
                    yield Delta(usage=Usage(prompt, completion))
                return
        raise ProviderError(f"{what} ended its answer without saying it was done")

    def close(self) -> None:
        self._client.close()

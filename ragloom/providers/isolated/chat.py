"""The local chat model as the server sees it: llama.cpp in its own model process."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ragloom.errors import ProviderError
from ragloom.providers.chat.local_llama import CONTEXT_WINDOW, llama_settings
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter
from ragloom.providers.isolated.spec import HostedKind, HostSpec
from ragloom.providers.isolated.supervisor import ModelProcess


class IsolatedChat:
    """A :class:`~ragloom.providers.chat.protocol.ChatModel` whose generations run in a model process."""

    def __init__(self, model_id: str, *, threads: int, stall_seconds: float, context_window: int = CONTEXT_WINDOW):
        self.model_id = model_id
        self.context_window = context_window
        self.process = ModelProcess(HostSpec(model_id, HostedKind.CHAT, threads), stall_seconds=stall_seconds)

    def stream(self, messages: Sequence[ChatMessage], options: GenerationOptions) -> Iterator[Delta]:
        prompt = [{"role": message.role, "content": message.content} for message in messages]
        exchange = self.process.call({"kind": "generate", "messages": prompt, "options": llama_settings(options)})
        splitter = ReasoningSplitter()
        try:
            for frame in exchange.replies():
                if frame.kind == "text":
                    yield from splitter.feed(str(frame.header["text"]))
                elif frame.kind == "done":
                    yield from splitter.finish()
                    yield Delta(usage=Usage(**frame.header["usage"]))
                    return
                else:
                    raise ProviderError(f"Chat model {self.model_id} failed: {frame.header.get('message', frame.kind)}")
        finally:
            exchange.finish()  # done, failed, or the reader went away: nothing more is wanted

    def close(self) -> None:
        self.process.close()

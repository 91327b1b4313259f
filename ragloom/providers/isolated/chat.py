"""The local chat model as the server sees it: llama.cpp in its own model process."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ragloom.errors import ProviderError
from ragloom.providers.chat.local_llama import CONTEXT_WINDOW, check_tool_choice, llama_messages, llama_settings
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions, ToolCall, ToolChoice, Usage
from ragloom.providers.chat.reasoning import ReasoningSplitter
from ragloom.providers.isolated.spec import HostedKind, HostSpec
from ragloom.providers.isolated.supervisor import ModelProcess


class IsolatedChat:
    """A :class:`~ragloom.providers.chat.protocol.ChatModel` whose generations run in a model process."""

    def __init__(self, model_id: str, *, threads: int, stall_seconds: float, context_window: int = CONTEXT_WINDOW):
        self.model_id = model_id
        self.context_window = context_window
        self.process = ModelProcess(HostSpec(model_id, HostedKind.CHAT, threads), stall_seconds=stall_seconds)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        options: GenerationOptions,
        *,
        tools: Sequence[Mapping[str, Any]] = (),
        tool_choice: ToolChoice | None = None,
    ) -> Iterator[Delta]:
        check_tool_choice(self.model_id, tools, tool_choice)
        request: dict[str, object] = {
            "kind": "generate",
            "messages": llama_messages(messages),
            "options": llama_settings(options),
        }
        if tools:
            request.update(tools=[dict(tool) for tool in tools], tool_choice=tool_choice)
        exchange = self.process.call(request)
        splitter = ReasoningSplitter()
        calls: list[ToolCall] = []
        try:
            for frame in exchange.replies():
                if frame.kind == "text":
                    yield from splitter.feed(str(frame.header["text"]))
                elif frame.kind == "tool_call":
                    call = frame.header["call"]
                    calls.append(ToolCall(str(call["id"]), str(call["name"]), str(call["arguments"])))
                elif frame.kind == "done":
                    yield from splitter.finish()
                    if calls:
                        yield Delta(tool_calls=tuple(calls))
                    yield Delta(usage=Usage(**frame.header["usage"]))
                    return
                else:
                    raise ProviderError(f"Chat model {self.model_id} failed: {frame.header.get('message', frame.kind)}")
        finally:
            exchange.finish()  # done, failed, or the reader went away: nothing more is wanted

    def close(self) -> None:
        self.process.close()

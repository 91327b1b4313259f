"""The local model (llama.cpp in this process) with tools: a named function is called, the model's own
choice is refused with a clear error, tool results in the conversation reach the prompt as text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ragloom.errors import ProviderError
from ragloom.providers.chat.local_llama import (
    SMOLLM2_ID,
    LocalLlamaChat,
    llama_messages,
    local_chat_available,
    packaged_gguf,
)
from ragloom.providers.chat.protocol import ChatMessage, GenerationOptions, ToolCall
from tests.providers.weather import WEATHER


@pytest.fixture(scope="module")
def chat() -> Iterator[LocalLlamaChat]:
    if not local_chat_available():
        pytest.skip("the local extra is not installed")
    path = packaged_gguf()
    assert path is not None
    model = LocalLlamaChat(SMOLLM2_ID, path)
    yield model
    model.close()


@pytest.mark.slow
def test_a_named_function_is_called_with_arguments_its_schema_allows(chat: LocalLlamaChat) -> None:
    choice = {"type": "function", "function": {"name": "weather"}}
    question = [ChatMessage("user", "Weather in Rome?")]
    deltas = list(chat.stream(question, GenerationOptions(max_tokens=48), tools=[WEATHER], tool_choice=choice))
    calls = [call for delta in deltas for call in delta.tool_calls]
    assert [call.name for call in calls] == ["weather"]
    assert set(calls[0].arguments_object()) == {"city"}


@pytest.mark.slow
@pytest.mark.parametrize("choice", [None, "auto", "required"])
def test_the_model_s_own_choice_is_refused(chat: LocalLlamaChat, choice: str | None) -> None:
    with pytest.raises(ProviderError, match="calls a function only when tool_choice names it"):
        list(chat.stream([ChatMessage("user", "hi")], GenerationOptions(), tools=[WEATHER], tool_choice=choice))


def test_tool_turns_become_text_the_template_can_hold() -> None:
    call = ToolCall("c1", "weather", '{"city": "Rome"}')
    messages = [
        ChatMessage("user", "Weather?"),
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("tool", "Rain", tool_call_id="c1", name="weather"),
    ]
    assert llama_messages(messages) == [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": 'Calling weather with {"city": "Rome"}'},
        {"role": "user", "content": "Result of weather:\nRain"},
    ]

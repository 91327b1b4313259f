"""The local model with tools, without loading it: the model's own choice is refused with a clear error,
tool results in the conversation reach the prompt as text. (A named function called for real is
tested through the model process, ``tests/providers/isolated/test_chat.py``: llama.cpp loaded in the
test process would leave its OpenMP threads spinning and slow the timing-sensitive tests after it.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from ragloom.errors import ProviderError
from ragloom.providers.chat.local_llama import (
    SMOLLM2_ID,
    LocalLlamaChat,
    llama_messages,
)
from ragloom.providers.chat.protocol import ChatMessage, GenerationOptions, ToolCall
from tests.providers.weather import WEATHER


@pytest.mark.parametrize("choice", [None, "auto", "required"])
def test_the_model_s_own_choice_is_refused_before_anything_is_loaded(tmp_path: Path, choice: str | None) -> None:
    chat = LocalLlamaChat(SMOLLM2_ID, tmp_path / "never-loaded.gguf")
    try:
        with pytest.raises(ProviderError, match="calls a function only when tool_choice names it"):
            list(chat.stream([ChatMessage("user", "hi")], GenerationOptions(), tools=[WEATHER], tool_choice=choice))
    finally:
        chat.close()


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

"""The built-in chat model (llama.cpp + SmolLM2-135M) in its model process: real generation."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from ragloom.errors import ProviderError
from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available
from ragloom.providers.chat.protocol import ChatMessage, Delta, GenerationOptions
from ragloom.providers.isolated import IsolatedChat
from tests.providers.weather import WEATHER

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed"),
]

QUESTION = [ChatMessage("user", "Name three colours.")]


@pytest.fixture(scope="module")
def chat() -> Iterator[IsolatedChat]:
    model = IsolatedChat(SMOLLM2_ID, threads=2, stall_seconds=120)
    yield model
    model.close()


def answer(chat: IsolatedChat, max_tokens: int = 12) -> list[Delta]:
    return list(chat.stream(QUESTION, GenerationOptions(temperature=0.0, max_tokens=max_tokens)))


def test_the_model_answers_from_its_own_process(chat: IsolatedChat) -> None:
    deltas = answer(chat)
    text = "".join(delta.content for delta in deltas)
    assert text.strip()
    usage = deltas[-1].usage
    assert usage is not None
    assert usage.prompt_tokens > 0
    assert 0 < usage.completion_tokens <= 12
    assert chat.process.pid not in (None, os.getpid())


def test_a_process_killed_mid_answer_ends_that_answer_with_the_cause_and_the_next_is_answered(
    chat: IsolatedChat,
) -> None:
    stream = chat.stream(QUESTION, GenerationOptions(temperature=0.0, max_tokens=400))
    first = next(stream)
    assert first.content or first.reasoning
    pid = chat.process.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ProviderError) as raised:
        for _ in stream:
            pass
    assert raised.value.message.startswith(f"Chat model {SMOLLM2_ID} stopped: its process was killed by signal ")
    assert "SIGKILL" in raised.value.message
    assert "".join(delta.content for delta in answer(chat)).strip()
    assert chat.process.pid not in (None, pid)


def test_an_abandoned_answer_leaves_the_model_free(chat: IsolatedChat) -> None:
    stream = chat.stream(QUESTION, GenerationOptions(temperature=0.0, max_tokens=4000))
    next(stream)
    stream.close()  # the client went away
    assert "".join(delta.content for delta in answer(chat, max_tokens=4)).strip()


def test_a_tool_choice_naming_a_function_comes_back_as_a_call_through_the_model_process(chat: IsolatedChat) -> None:
    question = [ChatMessage("user", "What is the weather in Paris?")]
    choice = {"type": "function", "function": {"name": "weather"}}
    deltas = list(
        chat.stream(question, GenerationOptions(temperature=0.0, max_tokens=48), tools=[WEATHER], tool_choice=choice)
    )
    calls = [call for delta in deltas for call in delta.tool_calls]
    assert [call.name for call in calls] == ["weather"]
    assert isinstance(calls[0].arguments_object().get("city"), str)  # the grammar holds the model to the schema
    assert calls[0].id
    assert deltas[-1].usage is not None


def test_the_local_model_refuses_to_choose_tools_by_itself(chat: IsolatedChat) -> None:
    with pytest.raises(ProviderError, match="cannot decide by itself whether to call a tool"):
        list(chat.stream(QUESTION, GenerationOptions(), tools=[WEATHER]))
    assert "".join(delta.content for delta in answer(chat)).strip()  # plain chat is unchanged

"""Tool calling through the remote chat providers, against a local server streaming their wire formats:
OpenAI-style ``tool_calls`` pieces assembled by index, Ollama's whole calls, tool messages sent back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ragloom.errors import ProviderError
from ragloom.providers.chat import ChatMessage, ChatModel, Delta, GenerationOptions, ToolCall, Usage
from ragloom.settings import RemoteModel
from tests.providers.test_chat_remote import FakeChatServer, Reply, chat, ndjson, ollama, sse
from tests.providers.weather import WEATHER

QUESTION = [ChatMessage("user", "Weather in Paris and Rome?")]


def piece(**fields: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"tool_calls": [fields]}}]}


def test_openai_tool_call_pieces_are_assembled_by_index(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [
        Reply(
            events=sse(
                {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Checking."}}]},
                piece(index=0, id="call_a", type="function", function={"name": "weather", "arguments": ""}),
                piece(index=1, id="call_b", type="function", function={"name": "weather", "arguments": '{"ci'}),
                piece(index=0, function={"arguments": '{"city": '}),
                piece(index=0, function={"arguments": '"Paris"}'}),
                piece(index=1, function={"arguments": 'ty": "Rome"}'}),
                {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
                {"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 9}},
            )
        )
    ]
    deltas = list(connect(chat(server)).stream(QUESTION, GenerationOptions(), tools=[WEATHER]))
    assert deltas == [
        Delta(content="Checking."),
        Delta(
            tool_calls=(
                ToolCall("call_a", "weather", '{"city": "Paris"}'),
                ToolCall("call_b", "weather", '{"city": "Rome"}'),
            )
        ),
        Delta(usage=Usage(20, 9)),
    ]
    body = server.requests[0]["body"]
    assert body["tools"] == [WEATHER]
    assert body["tool_choice"] == "auto"


def test_openai_results_go_back_as_tool_messages_after_the_calls(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [Reply(events=sse({"choices": [{"index": 0, "delta": {"content": "Sunny."}}]}))]
    call = ToolCall("call_a", "weather", '{"city": "Paris"}')
    messages = [
        *QUESTION,
        ChatMessage("assistant", "", tool_calls=(call,)),
        ChatMessage("tool", "Sunny, 25 C", tool_call_id="call_a", name="weather"),
    ]
    choice = {"type": "function", "function": {"name": "weather"}}
    deltas = list(connect(chat(server)).stream(messages, GenerationOptions(), tools=[WEATHER], tool_choice=choice))
    assert deltas == [Delta(content="Sunny.")]
    body = server.requests[0]["body"]
    assert body["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": [call.as_openai()]},
        {"role": "tool", "tool_call_id": "call_a", "content": "Sunny, 25 C"},
    ]
    assert body["tool_choice"] == choice


def test_without_tools_a_request_is_what_it_always_was(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    server.replies = [Reply(events=sse({"choices": [{"index": 0, "delta": {"content": "ok"}}]}))]
    assert list(connect(chat(server)).stream(QUESTION, GenerationOptions())) == [Delta(content="ok")]
    assert "tools" not in server.requests[0]["body"]
    assert "tool_choice" not in server.requests[0]["body"]


def test_ollama_calls_arrive_whole_with_object_arguments(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    calls = [{"function": {"name": "weather", "arguments": {"city": "Paris"}}}]
    server.replies = [
        Reply(
            events=ndjson(
                {"message": {"role": "assistant", "content": "", "tool_calls": calls}, "done": False},
                {
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "prompt_eval_count": 5,
                    "eval_count": 2,
                },
            ),
            content_type="application/x-ndjson",
        )
    ]
    earlier = ToolCall("call_x", "weather", '{"city": "Rome"}')
    messages = [
        *QUESTION,
        ChatMessage("assistant", "", tool_calls=(earlier,)),
        ChatMessage("tool", "Rain", name="weather"),
    ]
    deltas = list(connect(ollama(server)).stream(messages, GenerationOptions(), tools=[WEATHER]))
    assert deltas == [Delta(tool_calls=(ToolCall("call_0", "weather", '{"city": "Paris"}'),)), Delta(usage=Usage(5, 2))]
    body = server.requests[0]["body"]
    assert body["tools"] == [WEATHER]
    assert body["messages"][1:] == [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "weather", "arguments": {"city": "Rome"}}}],
        },
        {"role": "tool", "content": "Rain", "tool_name": "weather"},
    ]


def test_ollama_refuses_a_tool_choice_it_cannot_honour(
    server: FakeChatServer, connect: Callable[[RemoteModel], ChatModel]
) -> None:
    choice = {"type": "function", "function": {"name": "weather"}}
    with pytest.raises(ProviderError, match="cannot be told which tool to call"):
        list(connect(ollama(server)).stream(QUESTION, GenerationOptions(), tools=[WEATHER], tool_choice=choice))
    assert server.requests == []


def test_an_arguments_object_survives_the_round_trip() -> None:
    call = ToolCall("c", "weather", '{"city": "Paris"}')
    assert call.arguments_object() == {"city": "Paris"}
    assert ToolCall("c", "weather", "not json").arguments_object() == {}
    assert json.loads(call.as_openai()["function"]["arguments"]) == {"city": "Paris"}

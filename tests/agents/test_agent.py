"""The Agent component: native function calling with tools, sub-agents, max_rounds, retries, structured
output, the run's tool log. The model is a scripted chat model (the edge); tools are ragloom's own
components (a sub-agent, a Retrieval whose dataset the tenant does not have)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from ragloom.agents import Canvas, DslError, EventKind, Runner, RunRequest, RunState, builtin_components
from ragloom.errors import ProviderError
from ragloom.providers.chat.protocol import Delta
from tests.agents.scripted import ScriptedChat, ScriptedServices, answer, calling, component, dsl, finished, kinds, run

SUB_AGENT = {
    "component_name": "Agent",
    "name": "researcher",
    "params": {"llm_id": "scripted@Test", "sys_prompt": "Research."},
}
RETRIEVAL = {"component_name": "Retrieval", "name": "kb", "params": {"dataset_ids": ["nope"]}}


def agent_flow(*, message: bool = True, **params: Any) -> dict[str, Any]:
    agent = component("Agent", ["Message:1"] if message else [], **{"llm_id": "scripted@Test", **params})
    components = {"Agent:1": agent}
    if message:
        components["Message:1"] = component("Message", content=["{Agent:1@content}"])
    return dsl(begin=component("Begin", ["Agent:1"]), **components)


def run_with_log(document: dict[str, Any], chat: ScriptedChat, query: str = "hi") -> tuple[list[Any], list[Any]]:
    canvas = Canvas.build(document, builtin_components())
    runner = Runner(canvas, RunState.fresh(document), ScriptedServices(chat))
    events = list(runner.run(RunRequest(query=query)))
    return events, runner.take_tool_calls()


def test_an_agent_without_tools_is_an_llm() -> None:
    chat = ScriptedChat(["Pandas eat bamboo."])
    events, _ = run(agent_flow(sys_prompt="Be brief."), "What do pandas eat?", services=ScriptedServices(chat))
    assert answer(events) == "Pandas eat bamboo. "
    assert finished(events) == ["begin", "Message:1", "Agent:1"]
    assert chat.offered == [[]]


def test_a_sub_agent_is_a_function_whose_answer_goes_back_to_the_model() -> None:
    arguments = {"user_prompt": "What do pandas eat?", "reasoning": "facts needed", "context": "a zoo visitor asks"}
    chat = ScriptedChat([calling(("researcher_0", json.dumps(arguments))), "Bamboo, mostly.", "They eat bamboo."])
    events, log = run_with_log(agent_flow(sys_prompt="Lead.", tools=[SUB_AGENT]), chat, "pandas?")

    assert answer(events) == "They eat bamboo. "
    assert chat.offered == [["researcher_0"], [], ["researcher_0"]]
    sub_prompt = chat.calls[1]
    assert sub_prompt[0].content == "Research."
    assert sub_prompt[-1].content == (
        "\nREASONING:\nfacts needed\n\nCONTEXT:\na zoo visitor asks\n\nQUERY:\nWhat do pandas eat?\n"
    )
    back = chat.calls[2]
    assert [message.role for message in back[-2:]] == ["assistant", "tool"]
    assert back[-2].tool_calls[0].name == "researcher_0"
    assert (back[-1].content, back[-1].tool_call_id) == ("Bamboo, mostly. ", "call_0")
    assert [(entry["component_id"], entry["tool_name"], entry["result"]) for entry in log] == [
        ("Agent:1", "researcher_0", "Bamboo, mostly. ")
    ]
    assert log[0]["arguments"] == arguments


def test_tool_errors_go_back_to_the_model_and_the_run_goes_on() -> None:
    chat = ScriptedChat(
        [
            calling(
                ("search_my_dateset_0", '{"query": "pandas"}'), ("nothing_here", "{}"), ("search_my_dateset_0", "{oops")
            ),
            "I could not search.",
        ]
    )
    events, log = run_with_log(agent_flow(tools=[RETRIEVAL]), chat)
    assert answer(events) == "I could not search. "
    assert EventKind.ERROR not in [event.kind for event in events]
    results = [message.content for message in chat.calls[1] if message.role == "tool"]
    assert results[0] == "Error: Dataset(nope) does not exist."
    assert results[1].startswith("Error: there is no tool named 'nothing_here'; the tools are: search_my_dateset_0")
    assert results[2].startswith("Error: the arguments are not JSON")
    assert [message.tool_call_id for message in chat.calls[1] if message.role == "tool"] == [
        "call_0",
        "call_1",
        "call_2",
    ]
    assert len(log) == 3


def test_max_rounds_allows_rounds_plus_one_calls_then_one_plain_call() -> None:
    loop = calling(("researcher_0", '{"user_prompt": "again", "reasoning": "r", "context": "c"}'))
    replies: list[Any] = []
    for _ in range(3):
        replies += [loop, "sub answer"]
    chat = ScriptedChat([*replies, "Giving up: here is what I have."])
    events, _ = run_with_log(agent_flow(tools=[SUB_AGENT], max_rounds=2), chat)
    assert answer(events) == "Giving up: here is what I have. "
    top_calls = [offered for offered in chat.offered if offered == ["researcher_0"]]
    assert len(top_calls) == 3
    assert chat.offered[-1] == []
    assert chat.calls[-1][-1].role == "user"
    assert chat.calls[-1][-1].content == "Exceed max rounds: 2"


def test_calls_of_one_reply_run_concurrently() -> None:
    barrier = threading.Barrier(2, timeout=5)

    class Meeting(ScriptedChat):
        def stream(self, messages: Any, options: Any, **tools: Any) -> Any:
            if not tools.get("tools"):  # the two sub-agents meet: neither can finish before both started
                barrier.wait()
            return super().stream(messages, options, **tools)

    call = '{"user_prompt": "q", "reasoning": "r", "context": "c"}'
    chat = Meeting([calling(("researcher_0", call), ("researcher_0", call)), "a", "b", "done"])
    events, log = run_with_log(agent_flow(tools=[SUB_AGENT]), chat)
    assert answer(events) == "done "
    assert len(log) == 2


def test_a_failed_model_call_is_retried_and_a_model_that_stays_down_ends_the_run_with_an_error() -> None:
    chat = ScriptedChat([ProviderError("Chat model scripted@Test failed: HTTP 503"), "Recovered."])
    events, _ = run(agent_flow(tools=[SUB_AGENT], delay_after_error=0, max_retries=1), services=ScriptedServices(chat))
    assert answer(events) == "Recovered. "

    down = ScriptedChat([ProviderError("Chat model scripted@Test failed: ConnectError") for _ in range(3)])
    events, state = run(
        agent_flow(tools=[SUB_AGENT], delay_after_error=0, max_retries=1), services=ScriptedServices(down)
    )
    assert events[-1].kind is EventKind.ERROR
    assert "ConnectError" in events[-1].data["message"]
    chat = ScriptedChat(["Back again."])
    events, _ = run(agent_flow(tools=[SUB_AGENT]), "next", services=ScriptedServices(chat), state=state)
    assert answer(events) == "Back again. "


def test_structured_output_is_parsed_and_a_reply_that_is_not_json_is_reformatted() -> None:
    schema = {"type": "object", "properties": {"animal": {"type": "string"}}}
    chat = ScriptedChat(["It is a panda.", '{"animal": "panda"}'])
    events, _ = run(
        agent_flow(message=False, tools=[SUB_AGENT], outputs={"structured": schema}), services=ScriptedServices(chat)
    )
    done = next(
        event.data
        for event in events
        if event.kind is EventKind.NODE_FINISHED and event.data["component_id"] == "Agent:1"
    )
    assert done["outputs"]["structured"] == {"animal": "panda"}
    assert "JSON schema" in chat.calls[0][0].content
    assert chat.offered == [["researcher_0"], []]


def test_streamed_answers_carry_only_the_model_s_text() -> None:
    chat = ScriptedChat(
        [
            [Delta(reasoning="let me ask"), *calling(("researcher_0", '{"user_prompt": "q"}'))],
            "sub says hi",
            "The answer.",
        ]
    )
    events, _ = run(agent_flow(tools=[SUB_AGENT]), services=ScriptedServices(chat))
    assert answer(events) == "The answer. "
    assert "sub says hi" not in json.dumps([event.data for event in events if event.kind is EventKind.MESSAGE])
    assert kinds(events)[-1] == "workflow_finished"


@pytest.mark.parametrize(
    ("tools", "message"),
    [
        ([{"component_name": "Bing", "name": "b"}], "parameter 'tools.0': unknown component_name 'Bing'"),
        ([{"component_name": "Retrieval", "params": {"top_n": 0}}], "parameter 'tools.0.params.top_n'"),
        ([{"component_name": "Message", "name": "m"}], "parameter 'tools.0': Message cannot be used as a tool."),
        (
            [{"component_name": "Agent", "name": "s", "params": {"tools": [{"component_name": "Nope"}]}}],
            "'Agent:1-->s'",
        ),
    ],
)
def test_a_tool_that_cannot_be_built_is_refused_when_the_dsl_is_loaded(tools: list[Any], message: str) -> None:
    with pytest.raises(DslError, match="Invalid DSL") as refused:
        Canvas.build(agent_flow(tools=tools), builtin_components())
    assert message in refused.value.message

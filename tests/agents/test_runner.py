"""Running canvases: the events RAGFlow's stream carries, streaming, branches, failures, turns.

The LLM is a scripted chat model (the edge); everything else is ragloom's own runtime.
"""

from __future__ import annotations

import threading

from ragloom.agents import EventKind, RunState
from ragloom.errors import ProviderError
from ragloom.providers.chat.protocol import Delta
from tests.agents.scripted import ScriptedChat, ScriptedServices, answer, component, dsl, finished, kinds, run

ECHO = dsl(begin=component("Begin", ["Message:1"]), **{"Message:1": component("Message", content=["{sys.query}"])})


def llm_flow(**llm: object) -> dict[str, object]:
    return dsl(
        begin=component("Begin", ["LLM:1"]),
        **{
            "LLM:1": component("LLM", ["Message:1"], **{"llm_id": "scripted@Test", **llm}),
            "Message:1": component("Message", content=["{LLM:1@content}"]),
        },
    )


def test_an_echo_agent_emits_ragflow_s_events_in_order() -> None:
    events, state = run(ECHO, "Where do pandas live?")
    assert kinds(events) == [
        "workflow_started",
        "node_started",
        "node_finished",
        "node_started",
        "message",
        "message_end",
        "node_finished",
        "workflow_finished",
    ]
    assert answer(events) == "Where do pandas live?"
    started = [event.data for event in events if event.kind is EventKind.NODE_STARTED]
    assert [(data["component_id"], data["component_type"]) for data in started] == [
        ("begin", "Begin"),
        ("Message:1", "Message"),
    ]
    done = events[-2].data
    assert done["outputs"] == {"content": "Where do pandas live?"}
    assert done["inputs"] == {"sys.query": "Where do pandas live?"}
    assert done["error"] is None
    assert events[-1].data["outputs"] == {"content": "Where do pandas live?"}
    assert state.history == [["user", "Where do pandas live?"], ["assistant", "Where do pandas live?"]]


def test_turns_accumulate_history_and_count() -> None:
    _, state = run(ECHO, "one")
    _, state = run(ECHO, "two", state=state)
    assert state.globals["sys.conversation_turns"] == 2
    assert state.globals["sys.history"] == ["user: one", "assistant: one"]
    assert [turn[1] for turn in state.history] == ["one", "one", "two", "two"]
    assert RunState.from_json(state.to_json()).to_json() == state.to_json()


def test_an_llm_feeding_a_message_is_streamed_and_finishes_after_the_message() -> None:
    chat = ScriptedChat(["Pandas live in Sichuan."])
    events, state = run(llm_flow(sys_prompt="Be brief."), "Where?", services=ScriptedServices(chat))
    deltas = [event.data["content"] for event in events if event.kind is EventKind.MESSAGE]
    assert deltas == ["Pandas ", "live ", "in ", "Sichuan. "]
    assert finished(events) == ["begin", "Message:1", "LLM:1"]
    llm_done = next(e.data for e in events if e.kind is EventKind.NODE_FINISHED and e.data["component_id"] == "LLM:1")
    assert llm_done["outputs"]["content"] == "Pandas live in Sichuan. "
    assert [message.role for message in chat.calls[0]] == ["system", "user"]
    assert chat.calls[0][0].content == "Be brief."
    assert chat.calls[0][1].content == "Where?"
    assert state.to_json()["outputs"]["LLM:1"]["content"] == "Pandas live in Sichuan. "


def test_an_llm_not_feeding_a_message_writes_its_answer_before_the_next_component() -> None:
    document = dsl(
        begin=component("Begin", ["LLM:1"]),
        **{
            "LLM:1": component("LLM", ["LLM:2"], prompts=[{"role": "user", "content": "Summarise {sys.query}"}]),
            "LLM:2": component("LLM", ["Message:1"], prompts=[{"role": "user", "content": "Polish: {LLM:1@content}"}]),
            "Message:1": component("Message", content=["Final: {LLM:2@content}"]),
        },
    )
    chat = ScriptedChat(["short summary", "polished text"])
    events, _ = run(document, "the report", services=ScriptedServices(chat))
    assert chat.calls[0][-1].content == "Summarise the report"
    assert chat.calls[1][-1].content == "Polish: short summary "
    assert answer(events) == "Final: polished text "


def test_generation_settings_apply_only_where_enabled() -> None:
    chat = ScriptedChat(["a"])
    run(llm_flow(temperature=0.9, temperatureEnabled=True, max_tokens=40, top_p=0.5), services=ScriptedServices(chat))
    options = chat.options[0]
    assert (options.temperature, options.max_tokens, options.top_p) == (0.9, None, None)


def test_history_reaches_the_model_within_its_window() -> None:
    chat = ScriptedChat(["first answer", "second answer", "third"])
    services = ScriptedServices(chat)
    _, state = run(llm_flow(message_history_window_size=2), "q1", services=services)
    _, state = run(llm_flow(message_history_window_size=2), "q2", services=services, state=state)
    _, state = run(llm_flow(message_history_window_size=2), "q3", services=services, state=state)
    assert [(m.role, m.content) for m in chat.calls[2]] == [
        ("user", "q2"),
        ("assistant", "second answer "),
        ("user", "q3"),
    ]


def test_reasoning_is_streamed_apart_from_the_answer() -> None:
    chat = ScriptedChat([[Delta(reasoning="think "), Delta(reasoning="hard"), Delta(content="Answer.")]])
    events, state = run(llm_flow(), services=ScriptedServices(chat))
    messages = [event.data for event in events if event.kind is EventKind.MESSAGE]
    assert messages == [
        {"content": "", "start_to_think": True},
        {"content": "", "reasoning_content": "think "},
        {"content": "", "reasoning_content": "hard"},
        {"content": "", "end_to_think": True},
        {"content": "Answer."},
    ]
    assert state.history[-1] == ["assistant", "Answer."]


def test_begin_inputs_are_its_outputs() -> None:
    document = dsl(
        begin=component("Begin", ["Message:1"], inputs={"city": {"type": "line", "name": "City", "value": "Paris"}}),
        **{"Message:1": component("Message", content=["Weather in {begin@city}"])},
    )
    assert answer(run(document, inputs={"city": {"type": "line", "value": "Chengdu"}})[0]) == "Weather in Chengdu"
    assert answer(run(document)[0]) == "Weather in Paris"


def test_a_message_template_may_use_jinja_in_a_sandbox() -> None:
    document = dsl(
        begin=component("Begin", ["Message:1"], inputs={"n": {"type": "integer", "value": 3}}),
        **{"Message:1": component("Message", content=["{% for i in range(begin.n) %}{{ i }}{% endfor %} {sys.query}"])},
    )
    assert answer(run(document, "go")[0]) == "012 go"
    unsafe = dsl(
        begin=component("Begin", ["Message:1"]),
        **{"Message:1": component("Message", content=["{{ ''.__class__.__mro__ }}"])},
    )
    events, _ = run(unsafe)
    assert kinds(events)[-1] == "error"
    assert "cannot be rendered" in events[-1].data["message"]


def test_a_model_that_fails_ends_the_run_with_an_error_naming_the_component() -> None:
    events, state = run(llm_flow(llm_id="down@Test"))
    assert kinds(events)[-1] == "error"
    assert events[-1].data["message"] == "'LLM:1' (LLM): Chat model down@Test is unavailable"
    failed = next(e.data for e in events if e.kind is EventKind.NODE_FINISHED and e.data["component_id"] == "LLM:1")
    assert failed["error"] == "Chat model down@Test is unavailable"
    assert state.history == [["user", "hello"]]  # the failed turn adds no answer


def test_a_model_breaking_off_mid_stream_ends_the_run_with_an_error() -> None:
    def broken() -> object:
        yield Delta(content="Half ")
        raise ProviderError("Chat model scripted@Test broke off")

    class Breaking(ScriptedChat):
        def stream(self, messages, options):  # type: ignore[no-untyped-def]
            return broken()

    events, _ = run(llm_flow(), services=ScriptedServices(Breaking()))
    assert answer(events) == "Half "
    assert events[-1].kind is EventKind.ERROR
    assert "broke off" in events[-1].data["message"]


def test_an_exception_default_value_answers_and_the_run_goes_on() -> None:
    document = dsl(
        begin=component("Begin", ["LLM:1"]),
        **{
            "LLM:1": component(
                "LLM", ["Message:1"], llm_id="down@Test", exception_method="comment", exception_default_value="Sorry."
            ),
            "Message:1": component("Message", content=["after: {LLM:1@content}"]),
        },
    )
    events, _ = run(document)
    assert answer(events) == "Sorry.after: Sorry."
    assert kinds(events)[-1] == "workflow_finished"


def test_an_exception_goto_takes_the_other_branch() -> None:
    document = dsl(
        begin=component("Begin", ["LLM:1"]),
        **{
            "LLM:1": component(
                "LLM", ["Message:ok"], llm_id="down@Test", exception_method="goto", exception_goto=["Message:bad"]
            ),
            "Message:ok": component("Message", content=["fine"]),
            "Message:bad": component("Message", content=["the model is down"]),
        },
    )
    events, _ = run(document)
    assert answer(events) == "the model is down"
    assert "Message:ok" not in finished(events)


def test_parallel_branches_run_in_one_batch() -> None:
    document = dsl(
        begin=component("Begin", ["Message:a", "Message:b"]),
        **{"Message:a": component("Message", content=["A"]), "Message:b": component("Message", content=["B"])},
    )
    events, _ = run(document)
    assert kinds(events)[3:5] == ["node_started", "node_started"]
    assert answer(events) == "AB"


def test_a_component_waits_for_a_pending_component_it_reads() -> None:
    document = dsl(
        begin=component("Begin", ["LLM:long1", "LLM:short"]),
        **{
            "LLM:long1": component("LLM", ["LLM:long2"]),
            "LLM:long2": component("LLM", ["Message:1"]),
            "LLM:short": component("LLM", ["Message:1"]),
            "Message:1": component("Message", content=["{LLM:long2@content}|{LLM:short@content}"]),
        },
    )
    chat = ScriptedChat(["x", "y", "z"])
    events, _ = run(document, services=ScriptedServices(chat))
    started = [e.data["component_id"] for e in events if e.kind is EventKind.NODE_STARTED]
    assert started.index("Message:1") > started.index("LLM:long2")
    assert answer(events).count("|") == 1
    assert finished(events).count("Message:1") == 1


def test_a_cancelled_run_stops() -> None:
    cancel = threading.Event()
    cancel.set()
    events, _ = run(ECHO, cancel=cancel)
    assert kinds(events) == ["workflow_started", "error"]
    assert events[-1].data["message"] == "The run was cancelled."


def test_a_message_with_memory_ids_saves_the_turn_once_the_answer_is_complete() -> None:
    document = llm_flow()
    document["components"]["Message:1"]["obj"]["params"]["memory_ids"] = ["memory-1"]  # type: ignore[index]
    services = ScriptedServices(ScriptedChat(["Teal is nice."]))
    events, _ = run(document, "My favourite colour is teal.", services=services)
    assert answer(events) == "Teal is nice. "
    assert services.saved_turns == [(["memory-1"], "My favourite colour is teal.", "Teal is nice. ", "user-1")]

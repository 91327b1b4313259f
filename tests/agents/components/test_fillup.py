"""UserFillUp: the run pauses with the form, its state survives JSON, and the next run resumes with the answers."""

from __future__ import annotations

import json
from typing import Any

from ragloom.agents import EventKind, RunState
from tests.agents.scripted import ScriptedChat, ScriptedServices, answer, component, dsl, kinds, node_finished, run

FORM = {
    "instructions": {"name": "instructions", "optional": False, "options": [], "type": "paragraph"},
    "budget": {"name": "budget", "optional": True, "options": [], "type": "line", "value": "any"},
    "filters": {"name": "filters", "optional": True, "options": [], "type": "object"},
}


def interactive(
    form: dict[str, Any] | None = None, tips: str = "Here is my plan:\n{LLM:plan@content}\nOK?"
) -> dict[str, Any]:
    """Shaped as RAGFlow's interactive template: plan, ask the user, then answer with the feedback."""
    return dsl(
        begin=component("Begin", ["LLM:plan"]),
        **{
            "LLM:plan": component("LLM", ["UserFillUp:ask"], prompts=[{"role": "user", "content": "Plan {sys.query}"}]),
            "UserFillUp:ask": component(
                "UserFillUp",
                ["LLM:answer"],
                enable_tips=True,
                tips=tips,
                inputs=FORM if form is None else form,
                outputs=FORM if form is None else form,
            ),
            "LLM:answer": component(
                "LLM",
                ["Message:1"],
                prompts=[
                    {
                        "role": "user",
                        "content": "Plan: {LLM:plan@content}\nFeedback: {UserFillUp:ask@instructions} "
                        "({UserFillUp:ask@budget}, {UserFillUp:ask@filters})",
                    }
                ],
            ),
            "Message:1": component("Message", content=["{LLM:answer@content}"]),
        },
    )


def reloaded(state: RunState) -> RunState:
    """The state as a session stores it between turns: written to JSON text and read back."""
    return RunState.from_json(json.loads(json.dumps(state.to_json())))


def test_the_run_pauses_with_the_form_and_resumes_with_the_answers() -> None:
    chat = ScriptedChat(["search the archive", "Here is what I found"])
    services = ScriptedServices(chat)
    first, state = run(interactive(), "old maps", services=services)
    assert kinds(first)[-1] == "user_inputs"
    asked = first[-1].data
    assert asked["inputs"] == FORM
    assert asked["tips"] == "Here is my plan:\nsearch the archive \nOK?"
    assert "workflow_finished" not in kinds(first)
    assert state.paused

    inputs = {"instructions": {"value": "only before 1900"}, "filters": {"value": '{"region": "alps"}'}}
    second, state = run(interactive(), "", services=services, state=reloaded(state), inputs=inputs)
    assert kinds(second)[0] == "workflow_started"
    started = [event.data["component_id"] for event in second if event.kind is EventKind.NODE_STARTED]
    assert started == ["UserFillUp:ask", "LLM:answer", "Message:1"]
    assert chat.calls[1][-1].content == (
        'Plan: search the archive \nFeedback: only before 1900 (any, {"region": "alps"})'
    )
    filled = node_finished(second, "UserFillUp:ask")[0]["outputs"]
    assert filled == {
        "instructions": "only before 1900",
        "budget": "any",  # unanswered: the form's value
        "filters": {"region": "alps"},  # an object field given as JSON text
        "tips": "Here is my plan:\nsearch the archive \nOK?",
    }
    assert answer(second) == "Here is what I found "
    assert kinds(second)[-1] == "workflow_finished"
    assert not state.paused
    assert state.history == [["user", "old maps"], ["assistant", "Here is what I found "]]


def test_a_one_field_form_may_be_answered_with_text() -> None:
    """RAGFlow's SDK can only send a question: it answers a form of one field."""
    form = {"instructions": FORM["instructions"]}
    chat = ScriptedChat(["a plan", "done"])
    services = ScriptedServices(chat)
    tips = "{LLM:plan@content.steps}"  # a path the plan's text does not have: the tips stay as written
    first, state = run(interactive(form, tips=tips), "q", services=services)
    assert first[-1].data["tips"] == tips
    second, state = run(interactive(form, tips=tips), "go ahead", services=services, state=reloaded(state))
    assert node_finished(second, "UserFillUp:ask")[0]["outputs"] == {"instructions": "go ahead", "tips": tips}
    assert state.history[-2:] == [["user", "go ahead"], ["assistant", "done "]]


def test_answers_may_be_plain_values_and_tips_may_be_off() -> None:
    document = dsl(
        begin=component("Begin", ["UserFillUp:1"]),
        **{
            "UserFillUp:1": component(
                "UserFillUp", ["Message:1"], enable_tips=False, inputs=[{"key": "age", "type": "integer"}]
            ),
            "Message:1": component("Message", content=["age {UserFillUp:1@age}"]),
        },
    )
    first, state = run(document, "hi")
    assert first[-1].data == {"inputs": {"age": {"key": "age", "type": "integer"}}, "tips": ""}
    second, _ = run(document, "", state=reloaded(state), inputs={"age": 42})
    assert answer(second) == "age 42"
    assert node_finished(second, "UserFillUp:1")[0]["outputs"] == {"age": 42}

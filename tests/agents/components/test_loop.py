"""Loop / LoopItem / ExitLoop: ending by condition, by ExitLoop and by the count; state across a pause; refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ragloom.agents import RunState
from ragloom.agents.components.loop import MAX_LOOP_COUNT
from tests.agents.scripted import answer, component, dsl, finished, inside, kinds, node_finished, refusal, run

COUNT_UP = [
    {"variable": "Loop:1@count", "operator": "+=", "parameter": 1},
    {"variable": "Loop:1@trail", "operator": "append", "parameter": "pass {index}"},
]


def counting(conditions: list[dict[str, Any]], maximum: int = 10, after: str = "") -> dict[str, Any]:
    """A Loop whose body counts up and notes each pass; ``after`` names what follows the counting."""
    return dsl(
        begin=component("Begin", ["Loop:1"]),
        **{
            "Loop:1": component(
                "Loop",
                ["Message:1"],
                loop_variables=[
                    {"variable": "count", "type": "number", "value": "0", "input_mode": "constant"},
                    {"variable": "trail", "type": "array<string>", "value": "", "input_mode": ""},
                    {"variable": "asked", "type": "string", "value": "sys.query", "input_mode": "variable"},
                ],
                loop_termination_condition=conditions,
                logical_operator="and",
                maximum_loop_count=maximum,
            ),
            "LoopItem:1": inside("Loop:1", component("LoopItem", ["VariableAssigner:1"])),
            "VariableAssigner:1": inside(
                "Loop:1", component("VariableAssigner", [after] if after else [], variables=COUNT_UP)
            ),
            "Message:1": component("Message", content=["{Loop:1@asked}: {Loop:1@count} {Loop:1@trail}"]),
        },
    )


def at_least(number: int) -> list[dict[str, Any]]:
    return [{"variable": "Loop:1@count", "operator": "≥", "value": number, "input_mode": "constant"}]


def test_a_loop_ends_when_its_condition_holds() -> None:
    events, state = run(counting(at_least(3)), "go")
    assert kinds(events)[-1] == "workflow_finished", events[-1].data
    assert answer(events) == 'go: 3 ["pass 0", "pass 1", "pass 2"]'
    done = node_finished(events, "Loop:1")
    assert len(done) == 1
    assert done[0]["outputs"] == {"count": 3, "trail": ["pass 0", "pass 1", "pass 2"], "asked": "go"}
    order = finished(events)
    assert order.count("LoopItem:1") == 4
    assert order[-3:] == ["LoopItem:1", "Loop:1", "Message:1"]
    assert state.positions["Loop:1"] == -1


def test_a_condition_that_holds_at_once_runs_no_pass() -> None:
    events, _ = run(counting(at_least(0)), "go")
    assert answer(events) == "go: 0 []"


def test_a_loop_ends_at_an_exit_loop() -> None:
    document = counting([], after="Switch:1")
    document["components"].update(
        {
            "Switch:1": inside(
                "Loop:1",
                component(
                    "Switch",
                    ["ExitLoop:1"],
                    conditions=[
                        {"items": [{"cpn_id": "Loop:1@count", "operator": "≥", "value": "2"}], "to": ["ExitLoop:1"]}
                    ],
                    end_cpn_ids=[],
                ),
            ),
            "ExitLoop:1": inside("Loop:1", component("ExitLoop")),
        }
    )
    events, _ = run(document, "go")
    assert answer(events) == 'go: 2 ["pass 0", "pass 1"]'
    order = finished(events)
    assert order[-3:] == ["ExitLoop:1", "Loop:1", "Message:1"]
    assert order.count("LoopItem:1") == 2  # the exit ends the loop before its start runs again


def test_a_loop_ends_at_its_maximum_count() -> None:
    events, _ = run(counting(at_least(100), maximum=4), "go")
    assert answer(events) == 'go: 4 ["pass 0", "pass 1", "pass 2", "pass 3"]'
    events, _ = run(counting([], maximum=2), "go")  # without a condition: the count alone
    assert answer(events) == 'go: 2 ["pass 0", "pass 1"]'


def test_a_count_of_zero_means_the_guard() -> None:
    events, _ = run(counting([], maximum=0), "go")
    assert answer(events).startswith(f"go: {MAX_LOOP_COUNT} ")


def test_a_loop_paused_inside_its_body_resumes_in_the_same_pass() -> None:
    document = counting(at_least(2), after="UserFillUp:1")
    document["components"]["UserFillUp:1"] = inside(
        "Loop:1", component("UserFillUp", [], inputs={"word": {"type": "line", "name": "word"}}, enable_tips=False)
    )
    document["components"]["Loop:1"]["obj"]["params"]["loop_variables"][1]["variable"] = "trail"
    document["components"]["VariableAssigner:1"]["obj"]["params"]["variables"][1]["parameter"] = "{index}"
    events, state = run(document, "go")
    for word in ("alpha", "beta"):
        assert kinds(events)[-1] == "user_inputs"
        state = RunState.from_json(json.loads(json.dumps(state.to_json())))
        events, state = run(document, "", state=state, inputs={"word": {"value": word}})
    assert answer(events) == "go: 2 [0, 1]"
    assert [data["outputs"]["word"] for data in node_finished(events, "UserFillUp:1")] == ["beta"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda components: components.update({"ExitLoop:1": component("ExitLoop")}),
            "component 'ExitLoop:1' (ExitLoop): parameter 'parent_id': an ExitLoop must be inside a Loop",
        ),
        (
            lambda components: components["Loop:1"]["obj"]["params"].update(
                loop_termination_condition=[{"variable": "count", "operator": "≥", "value": 1}]
            ),
            "parameter 'loop_termination_condition.0.variable': Value error, 'count' is not a reference",
        ),
        (
            lambda components: components["Loop:1"]["obj"]["params"].update(maximum_loop_count=MAX_LOOP_COUNT + 1),
            "parameter 'maximum_loop_count': Input should be less than or equal to 1000",
        ),
        (
            lambda components: components["LoopItem:1"].update(parent_id="Message:1"),
            "component 'Loop:1' (Loop): a Loop needs a LoopItem inside it",
        ),
        (
            lambda components: components["VariableAssigner:1"]["obj"]["params"]["variables"].append(
                {"variable": "Loop:1@total", "operator": "clear"}
            ),
            "parameter 'variables.2.variable': the Loop 'Loop:1' has no variable 'total'.",
        ),
    ],
)
def test_a_loop_that_cannot_work_is_refused_at_load(change: Any, message: str) -> None:
    document = counting(at_least(3))
    change(document["components"])
    refused = refusal(document)
    assert message in refused

"""Switch: every operator, and/or, the else branch, and DSLs refused at load."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.scripted import answer, component, dsl, finished, kinds, refusal, run


def switch_flow(conditions: list[dict[str, Any]], end: list[str] | None = None, **begin_inputs: Any) -> dict[str, Any]:
    inputs = {key: {"type": "line", "name": key, "value": value} for key, value in begin_inputs.items()}
    return dsl(
        begin=component("Begin", ["Switch:1"], inputs=inputs),
        **{
            "Switch:1": component(
                "Switch",
                ["Message:yes", "Message:no"],
                conditions=conditions,
                end_cpn_ids=["Message:no"] if end is None else end,
            ),
            "Message:yes": component("Message", content=["yes"]),
            "Message:no": component("Message", content=["no"]),
        },
    )


def decide(value: Any, operator: str, operand: Any) -> str:
    condition = {"items": [{"cpn_id": "begin@x", "operator": operator, "value": operand}], "to": ["Message:yes"]}
    events, _ = run(switch_flow([condition], x=value))
    assert kinds(events)[-1] == "workflow_finished", events[-1].data
    return answer(events)


@pytest.mark.parametrize(
    ("operator", "holding", "failing"),
    [
        ("contains", ("Where is my PARCEL?", "parcel"), ("Where is my order?", "parcel")),
        ("not contains", ("Where is my order?", "parcel"), ("my parcel", "Parcel")),
        ("start with", ("Refund please", "refund"), ("Please refund", "refund")),
        ("end with", ("report.PDF", ".pdf"), ("report.pdf.txt", ".pdf")),
        ("empty", ("  ", ""), ("text", "")),
        ("not empty", ("text", ""), ("", "")),
        ("=", ("3", "3.0"), ("3", "4")),
        ("≠", ("apple", "pear"), ("apple", "apple")),
        (">", ("10", "9"), ("9", "10")),
        ("<", ("9", "10"), ("10", "9")),
        ("≥", ("10", "10"), ("9", "10")),
        ("≤", ("10", "10"), ("11", "10")),
        (">=", ("b", "a"), ("a", "b")),
        ("!=", ("a", "b"), ("a", "a")),
        ("is", ("yes", "yes"), ("yes", "no")),
    ],
)
def test_each_operator_chooses_its_branch(operator: str, holding: tuple[Any, Any], failing: tuple[Any, Any]) -> None:
    assert decide(holding[0], operator, holding[1]) == "yes"
    assert decide(failing[0], operator, failing[1]) == "no"


def test_lists_numbers_and_booleans_compare_by_what_they_are() -> None:
    assert decide(["red", "green"], "contains", "green") == "yes"
    assert decide([1, 2], "contains", "2") == "yes"
    assert decide(7, ">", "6.5") == "yes"
    assert decide(True, "=", "true") == "yes"
    assert decide([], "empty", "") == "yes"
    assert decide(0, "empty", "") == "no"  # zero is a value
    assert decide(None, ">", "1") == "no"


def test_and_or_and_the_first_holding_condition_wins() -> None:
    items = [
        {"cpn_id": "begin@x", "operator": "contains", "value": "a"},
        {"cpn_id": "{begin@y}", "operator": "=", "value": "1"},
    ]
    both = {"items": items, "logical_operator": "and", "to": ["Message:yes"]}
    either = {"items": items, "logical_operator": "OR", "to": ["Message:yes"]}
    assert answer(run(switch_flow([both], x="abc", y="1"))[0]) == "yes"
    assert answer(run(switch_flow([both], x="abc", y="2"))[0]) == "no"
    assert answer(run(switch_flow([either], x="abc", y="2"))[0]) == "yes"
    first = {"items": [{"cpn_id": "begin@x", "operator": "not empty"}], "to": ["Message:no"]}
    events, _ = run(switch_flow([first, both], x="abc", y="1"))
    assert answer(events) == "no"
    assert "Message:yes" not in finished(events)


def test_the_operand_may_hold_references() -> None:
    condition = {"items": [{"cpn_id": "sys.query", "operator": "=", "value": "{begin@x}"}], "to": ["Message:yes"]}
    document = switch_flow([condition], x="same")
    assert answer(run(document, "same")[0]) == "yes"
    assert answer(run(document, "other")[0]) == "no"


def test_a_condition_without_items_never_holds_and_an_empty_else_ends_the_run() -> None:
    events, _ = run(switch_flow([{"items": [], "to": ["Message:yes"]}], end=[], x="a"))
    assert kinds(events)[-1] == "workflow_finished"
    assert answer(events) == ""
    assert finished(events) == ["begin", "Switch:1"]


def test_the_switch_reports_what_it_read() -> None:
    condition = {"items": [{"cpn_id": "begin@x", "operator": "=", "value": "a"}], "to": ["Message:yes"]}
    events, _ = run(switch_flow([condition], x="a"))
    switch = next(
        event.data for event in events if event.data.get("component_id") == "Switch:1" and "outputs" in event.data
    )
    assert switch["inputs"] == {"begin@x": "a"}


@pytest.mark.parametrize(
    ("conditions", "end", "message"),
    [
        (
            [{"items": [{"cpn_id": "begin@x", "operator": "looks like", "value": "a"}], "to": ["Message:yes"]}],
            None,
            "parameter 'conditions.0.items.0.operator': Value error, unknown operator 'looks like'",
        ),
        (
            [{"items": [{"cpn_id": "begin@x", "operator": "=", "value": "a"}], "to": []}],
            None,
            "parameter 'conditions.0.to'",
        ),
        (
            [{"items": [{"cpn_id": "begin@x", "operator": "=", "value": "a"}], "to": ["Message:gone"]}],
            None,
            "parameter 'conditions.0.to': 'Message:gone' is not a component of this DSL.",
        ),
        ([], ["Message:gone"], "parameter 'end_cpn_ids': 'Message:gone' is not a component of this DSL."),
        (
            [{"items": [{"cpn_id": "Agent:Gone@content", "operator": "=", "value": "a"}], "to": ["Message:yes"]}],
            None,
            "refers to 'Agent:Gone'",
        ),
    ],
)
def test_a_switch_that_cannot_work_is_refused_at_load(
    conditions: list[dict[str, Any]], end: list[str] | None, message: str
) -> None:
    refused = refusal(switch_flow(conditions, end=end, x="a"))
    assert refused.startswith("Invalid DSL: component 'Switch:1' (Switch)")
    assert message in refused

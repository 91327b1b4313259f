"""VariableAssigner on conversation variables: every operator, failures that name the variable, DSLs refused at load."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.scripted import answer, component, dsl, kinds, refusal, run

VARIABLES = {
    "count": {"type": "number", "value": 10},
    "name": {"type": "string", "value": "Ada"},
    "tags": {"type": "array<string>", "value": ["a", "b", "c"]},
    "done": {"type": "boolean", "value": False},
    "profile": {"type": "object", "value": {"x": 1}},
}


def assigning(*assignments: dict[str, Any], shown: str = "{env.count}") -> dict[str, Any]:
    document = dsl(
        begin=component("Begin", ["VariableAssigner:1"], inputs={"more": {"type": "line", "value": ["d", "e"]}}),
        **{
            "VariableAssigner:1": component("VariableAssigner", ["Message:1"], variables=list(assignments)),
            "Message:1": component("Message", content=[shown]),
        },
    )
    document["variables"] = {name: dict(entry) for name, entry in VARIABLES.items()}
    return document


def value_after(variable: str, operator: str, parameter: Any = None, query: str = "hello") -> Any:
    events, state = run(assigning({"variable": variable, "operator": operator, "parameter": parameter}), query)
    assert kinds(events)[-1] == "workflow_finished", events[-1].data
    return state.variables[variable.removeprefix("env.")]["value"]


@pytest.mark.parametrize(
    ("variable", "operator", "parameter", "expected"),
    [
        ("env.name", "overwrite", "sys.query", "hello"),
        ("env.tags", "overwrite", "{begin@more}", ["d", "e"]),
        ("env.tags", "clear", None, []),
        ("env.count", "clear", None, 0),
        ("env.done", "clear", None, False),
        ("env.profile", "clear", None, {}),
        ("env.name", "set", "Dear {sys.query}", "Dear hello"),
        ("env.count", "set", "42", 42),
        ("env.done", "set", "true", True),
        ("env.profile", "set", '{"y": 2}', {"y": 2}),
        ("env.count", "set", 7.5, 7.5),
        ("env.tags", "append", "sys.query", ["a", "b", "c", "hello"]),
        ("env.tags", "append", "x", ["a", "b", "c", "x"]),
        ("env.tags", "extend", "begin@more", ["a", "b", "c", "d", "e"]),
        ("env.tags", "extend", '["z"]', ["a", "b", "c", "z"]),
        ("env.tags", "remove_first", None, ["b", "c"]),
        ("env.tags", "remove_last", None, ["a", "b"]),
        ("env.count", "+=", 5, 15),
        ("env.count", "-=", "2.5", 7.5),
        ("env.count", "*=", 3, 30),
        ("env.count", "/=", 4, 2.5),
    ],
)
def test_each_operator(variable: str, operator: str, parameter: Any, expected: Any) -> None:
    assert value_after(variable, operator, parameter) == expected


def test_assignments_apply_in_order_and_last_into_later_turns() -> None:
    document = assigning(
        {"variable": "env.count", "operator": "+=", "parameter": 1},
        {"variable": "{env.count}", "operator": "*=", "parameter": "env.count"},
        shown="{env.count}",
    )
    events, state = run(document)
    assert answer(events) == "121"
    events, state = run(document, state=state)
    assert answer(events) == "14884"


def test_a_conversation_variable_kept_only_in_globals_is_changed_there() -> None:
    document = assigning({"variable": "env.legacy", "operator": "set", "parameter": "new"}, shown="{env.legacy}")
    document["globals"] = {"env.legacy": "old"}
    events, state = run(document)
    assert answer(events) == "new"
    assert state.globals["env.legacy"] == "new"


@pytest.mark.parametrize(
    ("variable", "operator", "parameter", "message"),
    [
        ("env.name", "+=", 1, "'env.name' holds a string; '+=' needs a number."),
        ("env.count", "+=", "sys.query", "'+=' on 'env.count' needs a number, not a string."),
        ("env.count", "/=", 0, "'env.count' cannot be divided by zero."),
        ("env.name", "append", "x", "'env.name' holds a string; 'append' needs a list."),
        ("env.tags", "extend", "sys.query", "'extend' of 'env.tags' needs a list to add, not a string."),
        ("env.nobody", "set", "x", "There is no conversation variable 'nobody'."),
    ],
)
def test_an_operation_that_does_not_fit_fails_naming_the_variable(
    variable: str, operator: str, parameter: Any, message: str
) -> None:
    events, state = run(assigning({"variable": variable, "operator": operator, "parameter": parameter}))
    assert kinds(events)[-1] == "error"
    assert events[-1].data["message"] == f"'VariableAssigner:1' (VariableAssigner): {message}"
    assert state.variables["count"]["value"] == 10


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (
            {"variable": "sys.query", "operator": "set", "parameter": "x"},
            "parameter 'variables.0.variable': Value error, 'sys.query' is not a variable VariableAssigner can change",
        ),
        ({"variable": "env.count", "operator": "add", "parameter": 1}, "parameter 'variables.0.operator'"),
        ({"variable": "env.count", "operator": "+="}, "the operator '+=' needs a parameter"),
        (
            {"variable": "Message:1@content", "operator": "clear"},
            "parameter 'variables.0.variable': 'Message:1@content' is not a Loop variable",
        ),
        ({"variable": "Gone:1@x", "operator": "clear"}, "refers to 'Gone:1'"),
    ],
)
def test_an_assignment_that_cannot_work_is_refused_at_load(assignment: dict[str, Any], message: str) -> None:
    refused = refusal(assigning(assignment))
    assert "component 'VariableAssigner:1' (VariableAssigner)" in refused
    assert message in refused

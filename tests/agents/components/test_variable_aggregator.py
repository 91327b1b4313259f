"""VariableAggregator: where branches join, each group takes the value of the branch that ran."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.scripted import answer, component, dsl, node_finished, refusal, run


def joined(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Begin -> Switch on the question -> one of two StringTransforms -> the aggregator -> a Message."""
    branch = {"items": [{"cpn_id": "sys.query", "operator": "start with", "value": "a"}], "to": ["StringTransform:a"]}
    return dsl(
        begin=component("Begin", ["Switch:1"], inputs={"zero": {"type": "integer", "value": 0}}),
        **{
            "Switch:1": component(
                "Switch",
                ["StringTransform:a", "StringTransform:b"],
                conditions=[branch],
                end_cpn_ids=["StringTransform:b"],
            ),
            "StringTransform:a": component(
                "StringTransform", ["VariableAggregator:1"], method="merge", script="A saw {sys.query}"
            ),
            "StringTransform:b": component(
                "StringTransform", ["VariableAggregator:1"], method="merge", script="B saw {sys.query}"
            ),
            "VariableAggregator:1": component("VariableAggregator", ["Message:1"], groups=groups),
            "Message:1": component("Message", content=["{VariableAggregator:1@reply}|{VariableAggregator:1@number}"]),
        },
    )


GROUPS = [
    {
        "group_name": "reply",
        "type": "string",
        "variables": [{"value": "StringTransform:a@result"}, {"value": "StringTransform:b@result"}],
    },
    {"group_name": "number", "variables": ["StringTransform:a@result.missing", "begin@zero"]},
]


def test_each_group_takes_the_branch_that_ran() -> None:
    assert answer(run(joined(GROUPS), "apples")[0]) == "A saw apples|0"
    events, _ = run(joined(GROUPS), "bananas")
    assert answer(events) == "B saw bananas|0"
    assert node_finished(events, "VariableAggregator:1")[0]["outputs"] == {"reply": "B saw bananas", "number": 0}


def test_a_group_with_nothing_to_take_is_none() -> None:
    groups = [{"group_name": "reply", "variables": [{"value": "StringTransform:a@result"}]}]
    events, _ = run(joined(groups), "bananas")
    assert node_finished(events, "VariableAggregator:1")[0]["outputs"] == {"reply": None}


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([], "parameter 'groups': List should have at least 1 item"),
        ([{"group_name": "", "variables": ["begin@zero"]}], "parameter 'groups.0.group_name'"),
        ([{"group_name": "g", "variables": []}], "parameter 'groups.0.variables'"),
        ([{"group_name": "g", "variables": [{"value": "not a reference"}]}], "'not a reference' is not a reference"),
        ([{"group_name": "g", "variables": ["Gone:1@x"]}], "refers to 'Gone:1'"),
    ],
)
def test_groups_that_cannot_work_are_refused_at_load(groups: list[dict[str, Any]], message: str) -> None:
    refused = refusal(joined(groups))
    assert "component 'VariableAggregator:1' (VariableAggregator)" in refused
    assert message in refused

"""DataOperations: each operation on objects gathered from references."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.scripted import component, dsl, kinds, node_finished, refusal, run

PEOPLE = [
    {"name": "Ada", "age": "36", "city": "London"},
    {"name": "Alan", "age": "41", "city": "Wilmslow"},
    "not an object",
]
EXTRA = '{"name": "Grace", "age": 85, "tags": "[\'navy\', \'cobol\']"}'


def result_of(operations: str, query: list[Any] | None = None, **params: Any) -> Any:
    document = dsl(
        begin=component(
            "Begin",
            ["DataOperations:1"],
            inputs={"people": {"type": "line", "value": PEOPLE}, "extra": {"type": "line", "value": EXTRA}},
        ),
        **{
            "DataOperations:1": component(
                "DataOperations",
                ["Message:1"],
                query=query if query is not None else ["begin@people", "{begin@extra}"],
                operations=operations,
                **params,
            ),
            "Message:1": component("Message", content=["{DataOperations:1@result}"]),
        },
    )
    events, _ = run(document, "London")
    assert kinds(events)[-1] == "workflow_finished", events[-1].data
    return node_finished(events, "DataOperations:1")[0]["outputs"]["result"]


def test_select_keys() -> None:
    assert result_of("select_keys", select_keys=[{"name": "name"}, "age"]) == [
        {"name": "Ada", "age": "36"},
        {"name": "Alan", "age": "41"},
        {"name": "Grace", "age": 85},
    ]


def test_literal_eval() -> None:
    assert result_of("literal_eval", query=["begin@extra"]) == [{"name": "Grace", "age": 85, "tags": ["navy", "cobol"]}]
    assert result_of("literal_eval", query=[{"input": "begin@people"}])[0] == {
        "name": "Ada",
        "age": 36,
        "city": "London",
    }


def test_combine() -> None:
    assert result_of("combine") == {
        "name": ["Ada", "Alan", "Grace"],
        "age": ["36", "41", 85],
        "city": ["London", "Wilmslow"],
        "tags": "['navy', 'cobol']",
    }


def test_filter_values() -> None:
    rules = [{"key": "city", "operator": "=", "value": "{sys.query}"}]
    assert result_of("filter_values", filter_values=rules) == [PEOPLE[0]]
    rules = [{"key": "age", "operator": "≥", "value": "40"}, {"key": "name", "operator": "start with", "value": "A"}]
    assert result_of("filter_values", filter_values=rules) == [PEOPLE[1]]


def test_append_or_update_keeps_a_referenced_value_as_it_is() -> None:
    updates = [
        {"key": "city", "value": "{sys.query}!"},
        {"key": "list", "value": "{begin@people}"},
        {"key": " ", "value": 1},
    ]
    first = result_of("append_or_update", query=["begin@people"], updates=updates)[0]
    assert first == {"name": "Ada", "age": "36", "city": "London!", "list": PEOPLE}


def test_remove_and_rename_keys() -> None:
    assert result_of("remove_keys", query=["begin@extra"], remove_keys=["tags", "age"]) == [{"name": "Grace"}]
    renamed = result_of("rename_keys", query=["begin@extra"], rename_keys=[{"old_key": "name", "new_key": "who"}])
    assert list(renamed[0]) == ["age", "tags", "who"]
    assert result_of("rename", query=["begin@extra"], rename_keys=[])[0]["name"] == "Grace"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"operations": "explode"}, "parameter 'operations'"),
        ({"operations": "combine", "query": ["people"]}, "'people' is not a reference"),
        ({"operations": "combine", "query": ["Gone:1@x"]}, "refers to 'Gone:1'"),
        ({"operations": "filter_values", "filter_values": [{"key": "a", "operator": "~"}]}, "unknown operator '~'"),
    ],
)
def test_operations_that_cannot_work_are_refused_at_load(params: dict[str, Any], message: str) -> None:
    document = dsl(
        begin=component("Begin", ["DataOperations:1"]), **{"DataOperations:1": component("DataOperations", **params)}
    )
    refused = refusal(document)
    assert "component 'DataOperations:1' (DataOperations)" in refused
    assert message in refused

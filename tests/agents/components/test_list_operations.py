"""ListOperations: nth, head, tail, filter, sort, drop_duplicates; result, first and last."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.scripted import component, dsl, kinds, node_finished, refusal, run

SCORES = [{"who": "b", "score": 2}, {"who": "a", "score": 3}, {"who": "c", "score": 2}, {"who": "a", "score": 3}]


def operated(items: Any, operations: str, **params: Any) -> dict[str, Any]:
    document = dsl(
        begin=component("Begin", ["ListOperations:1"], inputs={"items": {"type": "line", "value": items}}),
        **{
            "ListOperations:1": component(
                "ListOperations", ["Message:1"], query="begin@items", operations=operations, **params
            ),
            "Message:1": component("Message", content=["{ListOperations:1@first}"]),
        },
    )
    events, _ = run(document)
    if kinds(events)[-1] == "error":
        return {"error": events[-1].data["message"]}
    outputs: dict[str, Any] = node_finished(events, "ListOperations:1")[0]["outputs"]
    return outputs


def test_nth_counts_from_one_and_from_the_end() -> None:
    assert operated([5, 6, 7], "nth", n=2) == {"result": [6], "first": 6, "last": 6}
    assert operated([5, 6, 7], "nth", n=-1)["result"] == [7]
    assert operated([5, 6, 7], "nth", n=4) == {"result": [], "first": None, "last": None}
    assert operated([5, 6, 7], "nth", n=0, strict=True) == {
        "error": "'ListOperations:1' (ListOperations): nth needs n between 1 and 3 here (strict), but n is 0."
    }


def test_head_and_tail() -> None:
    assert operated([5, 6, 7], "topN", n=2) == {"result": [5, 6], "first": 5, "last": 6}
    assert operated([5, 6, 7], "tail", n=2)["result"] == [6, 7]
    assert operated([5, 6, 7], "tail", n=0)["result"] == []
    assert operated([5, 6, 7], "head", n=9)["result"] == [5, 6, 7]
    assert "error" in operated([5, 6, 7], "head", n=9, strict=True)


def test_filter() -> None:
    assert operated(["apple", "banana", "cherry"], "filter", filter={"operator": "contains", "value": "an"})[
        "result"
    ] == ["banana"]
    assert operated([1, 5, 10], "filter", filter={"operator": ">", "value": "4"})["result"] == [5, 10]


def test_sort_by_keys_and_by_value() -> None:
    by_score = operated(SCORES, "sort", sort_by="score, who", sort_method="desc")["result"]
    assert [(item["score"], item["who"]) for item in by_score] == [(3, "a"), (3, "a"), (2, "c"), (2, "b")]
    assert operated([3, "b", None, 1, "a"], "sort")["result"] == [1, 3, "a", "b", None]


def test_drop_duplicates_keeps_the_first_of_each() -> None:
    result = operated('[{"a": 1, "b": 2}, {"b": 2, "a": 1}, 3, 3]', "drop_duplicates")
    assert result == {"result": [{"a": 1, "b": 2}, 3], "first": {"a": 1, "b": 2}, "last": 3}


def test_a_value_that_is_no_list_fails_naming_it() -> None:
    assert operated("plain text", "nth", n=1) == {
        "error": "'ListOperations:1' (ListOperations): 'begin@items' must name a list, but it holds a string."
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"operations": "shuffle"}, "parameter 'operations'"),
        ({"operations": "sort", "sort_method": "random"}, "parameter 'sort_method'"),
        ({"operations": "nth", "n": "two"}, "parameter 'n'"),
        ({"operations": "nth", "query": ""}, "parameter 'query'"),
    ],
)
def test_operations_that_cannot_work_are_refused_at_load(params: dict[str, Any], message: str) -> None:
    document = dsl(
        begin=component("Begin", ["ListOperations:1"]),
        **{"ListOperations:1": component("ListOperations", **{"query": "begin@items", **params})},
    )
    refused = refusal(document)
    assert "component 'ListOperations:1' (ListOperations)" in refused
    assert message in refused

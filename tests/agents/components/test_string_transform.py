"""StringTransform: split at delimiters, merge with a template."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agents.scripted import answer, component, dsl, kinds, node_finished, refusal, run


def transformed(query: str, **params: Any) -> Any:
    document = dsl(
        begin=component("Begin", ["StringTransform:1"], inputs={"tags": {"type": "line", "value": ["red", "green"]}}),
        **{
            "StringTransform:1": component("StringTransform", ["Message:1"], **params),
            "Message:1": component("Message", content=["{StringTransform:1@result}"]),
        },
    )
    events, _ = run(document, query)
    if kinds(events)[-1] == "error":
        return events[-1].data["message"]
    assert answer(events)
    return node_finished(events, "StringTransform:1")[0]["outputs"]["result"]


def test_split_at_every_delimiter_keeping_empty_pieces() -> None:
    assert transformed("a,b;;c", method="split", split_ref="sys.query", delimiters=[",", ";"]) == ["a", "b", "", "c"]
    assert transformed("one\n\ntwo\nthree", method="split", split_ref="{sys.query}", delimiters=["\n", "\n\n"]) == [
        "one",
        "two",
        "three",
    ]


def test_split_of_a_list_fails_naming_it() -> None:
    assert transformed("x", method="split", split_ref="begin@tags") == (
        "'StringTransform:1' (StringTransform): 'begin@tags' must name a text to split, but it holds a list."
    )


def test_merge_joins_lists_with_the_first_delimiter() -> None:
    assert transformed("hi", method="merge", script="{sys.query}: {begin@tags}", delimiters=" + ") == "hi: red + green"
    assert transformed("hi", method="merge", script="{begin@tags}") == "red,green"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"method": "explode"}, "parameter 'method'"),
        ({"method": "split", "split_ref": ""}, "split_ref '' is not a reference to the text to split"),
        ({"method": "split", "split_ref": "sys.query", "delimiters": []}, "parameter 'delimiters'"),
        ({"method": "split", "split_ref": "sys.query", "delimiters": [""]}, "a delimiter to split at cannot be empty"),
        ({"method": "merge", "script": "{Gone:1@x}"}, "refers to 'Gone:1'"),
    ],
)
def test_transforms_that_cannot_work_are_refused_at_load(params: dict[str, Any], message: str) -> None:
    document = dsl(
        begin=component("Begin", ["StringTransform:1"]), **{"StringTransform:1": component("StringTransform", **params)}
    )
    refused = refusal(document)
    assert "component 'StringTransform:1' (StringTransform)" in refused
    assert message in refused

"""Loading a DSL: what cannot run is refused with a message naming the component and the problem."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ragloom.agents import Canvas, builtin_components, load_dsl
from tests.agents.scripted import component, dsl, refusal

ECHO = dsl(begin=component("Begin", ["Message:1"]), **{"Message:1": component("Message", content=["{sys.query}"])})


def test_a_dsl_is_taken_as_an_object_or_json_text() -> None:
    assert set(load_dsl(ECHO).components) == {"begin", "Message:1"}
    assert set(load_dsl(json.dumps(ECHO)).components) == {"begin", "Message:1"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "Invalid DSL JSON string."),
        ("[1, 2]", "DSL must be a JSON object."),
        (7, "DSL must be a JSON object."),
        ({}, "Invalid DSL: `components` must be a non-empty object."),
        ({"components": {"a": component("Message")}}, "Invalid DSL: the Begin component must have the id `begin`."),
        (
            {"components": {"begin": component("Message")}},
            "Invalid DSL: component 'begin' must be a Begin, not a Message.",
        ),
        (
            {"components": {"begin": {"obj": {}}}},
            "Invalid DSL: component 'begin': `obj.component_name` must be a non-empty string.",
        ),
        ({"components": {"begin": "x"}}, "Invalid DSL: component 'begin': must be an object with `obj`."),
        (
            {"components": {"begin": {**component("Begin"), "downstream": "Message:1"}}},
            "Invalid DSL: component 'begin' (Begin): `downstream` must be a list of component ids.",
        ),
        (
            dsl(begin=component("Begin", ["Message:9"])),
            "Invalid DSL: component 'begin' (Begin) has `downstream` 'Message:9', "
            "which is not a component of this DSL.",
        ),
    ],
)
def test_malformed_dsls_are_refused(document: Any, message: str) -> None:
    assert refusal(document) == message


def test_a_cycle_is_refused_naming_its_components() -> None:
    document = dsl(
        begin=component("Begin", ["LLM:a"]),
        **{"LLM:a": component("LLM", ["LLM:b"]), "LLM:b": component("LLM", ["LLM:a", "Message:1"])},
        **{"Message:1": component("Message", content=["x"])},
    )
    assert refusal(document) == "Invalid DSL: the components form a cycle: LLM:a -> LLM:b -> LLM:a."


def test_an_unknown_component_is_refused_listing_the_valid_ones() -> None:
    document = dsl(begin=component("Begin", ["Bing:1"]), **{"Bing:1": component("Bing")})
    message = refusal(document)
    assert message.startswith("Invalid DSL: component 'Bing:1': unknown component_name 'Bing'; the components are: ")
    assert "Begin" in message
    assert "Message" in message


def test_a_wrong_parameter_is_refused_naming_component_and_parameter() -> None:
    document = dsl(
        begin=component("Begin", ["LLM:1"]),
        **{"LLM:1": component("LLM", max_tokens="many", llm_id="x@y")},
    )
    assert refusal(document) == (
        "Invalid DSL: component 'LLM:1' (LLM): parameter 'max_tokens': "
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_a_reference_to_a_missing_component_is_refused() -> None:
    document = dsl(
        begin=component("Begin", ["Message:1"]),
        **{"Message:1": component("Message", content=["{Agent:Gone@content}"])},
    )
    assert refusal(document) == (
        "Invalid DSL: component 'Message:1' (Message) refers to 'Agent:Gone', which is not a component of this DSL."
    )


def test_an_exception_branch_to_a_missing_component_is_refused() -> None:
    document = dsl(
        begin=component("Begin", ["LLM:1"]),
        **{"LLM:1": component("LLM", exception_method="goto", exception_goto=["Message:9"])},
    )
    assert refusal(document) == (
        "Invalid DSL: component 'LLM:1' (LLM): parameter 'exception_goto': 'Message:9' is not a component of this DSL."
    )


def test_unknown_parameters_are_kept_as_ragflow_ignores_them() -> None:
    document = dsl(
        begin=component("Begin", ["Message:1"], some_future_flag=True), **{"Message:1": component("Message")}
    )
    canvas = Canvas.build(document, builtin_components())
    assert canvas.components["begin"].params.model_extra == {"some_future_flag": True}


def test_display_names_come_from_the_graph() -> None:
    document = {**ECHO, "graph": {"nodes": [{"id": "Message:1", "data": {"name": "Reply"}}]}}
    assert Canvas.build(document, builtin_components()).display_name("Message:1") == "Reply"

"""Iteration / IterationItem: a body run for each item, outputs collected into lists, nesting, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from ragloom.agents import EventKind
from tests.agents.scripted import (
    ScriptedChat,
    ScriptedServices,
    answer,
    component,
    dsl,
    finished,
    inside,
    kinds,
    node_finished,
    refusal,
    run,
)


def summariser(items_ref: str = "StringTransform:split@result", **iteration: Any) -> dict[str, Any]:
    """Split the question into topics, summarise each with the LLM, label each summary, list the labels."""
    outputs = {
        "summaries": {"ref": "LLM:sum@content", "type": "Array<string>"},
        "labels": {"ref": "StringTransform:label@result", "type": "Array<string>"},
    }
    return dsl(
        begin=component("Begin", ["StringTransform:split"]),
        **{
            "StringTransform:split": component(
                "StringTransform", ["Iteration:1"], method="split", split_ref="sys.query", delimiters=[", ", ","]
            ),
            "Iteration:1": component(
                "Iteration", ["Message:1"], **{"items_ref": items_ref, "outputs": outputs, **iteration}
            ),
            "IterationItem:1": inside("Iteration:1", component("IterationItem", ["LLM:sum"])),
            "LLM:sum": inside(
                "Iteration:1",
                component("LLM", ["StringTransform:label"], prompts=[{"role": "user", "content": "Summarise {item}"}]),
            ),
            "StringTransform:label": inside(
                "Iteration:1",
                component(
                    "StringTransform", method="merge", script="#{index} {IterationItem:1@item}: {LLM:sum@content}"
                ),
            ),
            "Message:1": component("Message", content=["{Iteration:1@labels}"]),
        },
    )


def test_the_body_runs_for_each_item_and_its_outputs_are_collected() -> None:
    chat = ScriptedChat(["about cats", "about dogs", "about owls"])
    events, state = run(summariser(), "cats, dogs,owls", services=ScriptedServices(chat))
    assert kinds(events)[-1] == "workflow_finished"
    assert [call[-1].content for call in chat.calls] == ["Summarise cats", "Summarise dogs", "Summarise owls"]
    assert answer(events) == '["#0 cats: about cats ", "#1 dogs: about dogs ", "#2 owls: about owls "]'
    done = node_finished(events, "Iteration:1")
    assert len(done) == 1
    assert done[0]["outputs"]["summaries"] == ["about cats ", "about dogs ", "about owls "]
    order = finished(events)
    assert order.count("IterationItem:1") == 4  # three passes, then the one that finds the items exhausted
    assert order[order.index("Iteration:1") - 1 :] == ["IterationItem:1", "Iteration:1", "Message:1"]
    started = [event.data["component_id"] for event in events if event.kind is EventKind.NODE_STARTED]
    assert started.count("Iteration:1") == 1
    assert state.positions["Iteration:1"] == -1


def test_an_empty_list_goes_straight_on() -> None:
    events, _ = run(summariser(items_ref="begin@none"), "x")
    assert kinds(events)[-1] == "error"  # begin@none is nothing, not a list
    assert (
        events[-1].data["message"] == "'Iteration:1' (Iteration): 'begin@none' must name a list, but it holds nothing."
    )
    document = summariser(items_ref="begin@topics")
    document["components"]["begin"]["obj"]["params"]["inputs"] = {"topics": {"type": "line", "value": "[]"}}
    events, _ = run(document)
    assert answer(events) == "[]"
    assert node_finished(events, "Iteration:1")[0]["outputs"] == {"summaries": [], "labels": []}


def test_a_list_written_as_json_text_is_iterated() -> None:
    document = summariser(items_ref="begin@topics")
    document["components"]["begin"]["obj"]["params"]["inputs"] = {"topics": {"type": "line", "value": '["a", "b"]'}}
    events, _ = run(document, services=ScriptedServices(ScriptedChat(["one", "two"])))
    assert answer(events) == '["#0 a: one ", "#1 b: two "]'


def test_iterations_nest_and_a_branch_not_taken_collects_nothing() -> None:
    document = dsl(
        begin=component("Begin", ["Iteration:outer"], inputs={"rows": {"type": "line", "value": [[1, 2], [3]]}}),
        **{
            "Iteration:outer": component(
                "Iteration",
                ["Message:1"],
                items_ref="begin@rows",
                outputs={"all": {"ref": "Iteration:inner@marked"}, "big": {"ref": "StringTransform:big@result"}},
            ),
            "IterationItem:outer": inside("Iteration:outer", component("IterationItem", ["Iteration:inner"])),
            "Iteration:inner": inside(
                "Iteration:outer",
                component(
                    "Iteration",
                    [],
                    items_ref="IterationItem:outer@item",
                    outputs={"marked": {"ref": "StringTransform:mark@result"}},
                ),
            ),
            "IterationItem:inner": inside("Iteration:inner", component("IterationItem", ["StringTransform:mark"])),
            "StringTransform:mark": inside(
                "Iteration:inner", component("StringTransform", method="merge", script="{item}x")
            ),
            "Switch:big": inside(
                "Iteration:outer",
                component(
                    "Switch",
                    ["StringTransform:big"],
                    conditions=[
                        {
                            "items": [{"cpn_id": "IterationItem:outer@item", "operator": "contains", "value": "3"}],
                            "to": ["StringTransform:big"],
                        }
                    ],
                ),
            ),
            "StringTransform:big": inside(
                "Iteration:outer",
                component("StringTransform", method="merge", script="big {IterationItem:outer@index}"),
            ),
            "Message:1": component("Message", content=["{Iteration:outer@all} {Iteration:outer@big}"]),
        },
    )
    document["components"]["IterationItem:outer"]["downstream"] = ["Iteration:inner", "Switch:big"]
    events, _ = run(document)
    assert kinds(events)[-1] == "workflow_finished", events[-1].data
    assert answer(events) == '[["1x", "2x"], ["3x"]] [null, "big 1"]'
    assert len(node_finished(events, "Iteration:inner")) == 2
    assert len(node_finished(events, "Iteration:outer")) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda components: components["IterationItem:1"].update(parent_id="Message:1"),
            "component 'Iteration:1' (Iteration): an Iteration needs an IterationItem inside it (an IterationItem "
            "whose parent_id is 'Iteration:1') where its body starts.",
        ),
        (
            lambda components: components.update(
                {"IterationItem:stray": inside("StringTransform:split", component("IterationItem"))}
            ),
            "component 'IterationItem:stray' (IterationItem): parameter 'parent_id': "
            "an IterationItem must be inside an Iteration (its parent_id names one).",
        ),
        (
            lambda components: components["Iteration:1"]["obj"]["params"]["outputs"].update(q={"ref": "begin@x"}),
            "parameter 'outputs.q.ref': 'begin@x' does not name an output of a component inside this Iteration.",
        ),
        (
            lambda components: components["Iteration:1"]["obj"]["params"].update(items_ref="all of them"),
            "parameter 'items_ref': Value error, 'all of them' is not a reference (such as",
        ),
        (
            lambda components: components["Iteration:1"]["obj"]["params"].pop("items_ref"),
            "parameter 'items_ref': Field required",
        ),
    ],
)
def test_an_iteration_that_cannot_work_is_refused_at_load(change: Any, message: str) -> None:
    document = summariser()
    change(document["components"])
    refused = refusal(document)
    assert message in refused


@pytest.mark.parametrize("long2", ["{StringTransform:long1@result}-2", "{IterationItem:1@item}-1-2"])
def test_a_pass_ends_before_the_next_begins(long2: str) -> None:
    """A short branch returns to the start first; the start waits for the long branch of the same pass
    (also when that branch reads the start: it reads this pass's item, it does not wait for the next)."""
    document = dsl(
        begin=component("Begin", ["Iteration:1"], inputs={"letters": {"type": "line", "value": ["a", "b"]}}),
        **{
            "Iteration:1": component(
                "Iteration",
                ["Message:1"],
                items_ref="begin@letters",
                outputs={
                    "long": {"ref": "StringTransform:long2@result"},
                    "short": {"ref": "StringTransform:short@result"},
                },
            ),
            "IterationItem:1": inside(
                "Iteration:1", component("IterationItem", ["StringTransform:short", "StringTransform:long1"])
            ),
            "StringTransform:short": inside(
                "Iteration:1", component("StringTransform", method="merge", script="{item}")
            ),
            "StringTransform:long1": inside(
                "Iteration:1",
                component("StringTransform", ["StringTransform:long2"], method="merge", script="{item}-1"),
            ),
            "StringTransform:long2": inside(
                "Iteration:1",
                component("StringTransform", method="merge", script=long2),
            ),
            "Message:1": component("Message", content=["{Iteration:1@long} {Iteration:1@short}"]),
        },
    )
    events, _ = run(document)
    assert answer(events) == '["a-1-2", "b-1-2"] ["a", "b"]'
    started = [event.data["component_id"] for event in events if event.kind is EventKind.NODE_STARTED]
    one_pass = ["IterationItem:1", "StringTransform:short", "StringTransform:long1", "StringTransform:long2"]
    assert started == ["begin", "Iteration:1", *one_pass, *one_pass, "IterationItem:1", "Message:1"]

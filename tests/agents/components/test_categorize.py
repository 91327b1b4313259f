"""Categorize: a chat model (scripted here) chooses the branch; small models' replies are read leniently."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ragloom.agents import EventKind
from ragloom.agents.components.categorize import choose_category, default_category
from tests.agents.scripted import ScriptedChat, ScriptedServices, answer, component, dsl, finished, kinds, refusal, run

REVIEWS = {
    "Positive review": {
        "description": "Positive review to the product.",
        "examples": ["1. Good, I like it.\n2. It is very helpful."],
        "to": ["Message:thanks"],
    },
    "Negative review ": {  # RAGFlow's own template has this trailing space
        "description": "Negative review to the product.",
        "examples": [{"value": "I have issues."}],
        "to": ["Message:sorry"],
    },
}


def review_flow(**categorize: Any) -> dict[str, Any]:
    """Shaped as RAGFlow's customer feedback template saves it: a bare ``query``, every branch downstream."""
    params = {
        "category_description": copy.deepcopy(REVIEWS),
        "llm_id": "deepseek-chat@DeepSeek",
        "message_history_window_size": 1,
        "outputs": {"category_name": {"type": "string"}},
        "query": "begin@customer_review",
        "temperature": 0,
        "tenant_llm_id": 90,
        "llm_filter": "all",
        **categorize,
    }
    return dsl(
        begin=component(
            "Begin", ["Categorize:1"], mode="task", inputs={"customer_review": {"type": "line", "value": ""}}
        ),
        **{
            "Categorize:1": component("Categorize", ["Message:thanks", "Message:sorry", "Message:thanks"], **params),
            "Message:thanks": component("Message", content=["Thanks! ({Categorize:1@category_name})"]),
            "Message:sorry": component("Message", content=["Sorry. ({Categorize:1@category_name})"]),
        },
    )


def review(text: str, reply: str, chat: ScriptedChat | None = None) -> tuple[list[Any], ScriptedChat]:
    chat = chat or ScriptedChat()
    chat.replies.append(reply)
    events, _ = run(review_flow(), "", services=ScriptedServices(chat), inputs={"customer_review": {"value": text}})
    return events, chat


def test_two_questions_go_down_two_branches() -> None:
    chat = ScriptedChat()
    happy, _ = review("It makes my work easier.", "Positive review", chat)
    unhappy, _ = review("It broke after a day.", "Negative review", chat)
    assert answer(happy) == "Thanks! (Positive review)"
    assert "Message:sorry" not in finished(happy)
    assert answer(unhappy) == "Sorry. (Negative review )"
    assert "Message:thanks" not in finished(unhappy)
    done = next(
        e.data for e in unhappy if e.kind is EventKind.NODE_FINISHED and e.data["component_id"] == "Categorize:1"
    )
    assert done["outputs"] == {"category_name": "Negative review "}
    assert done["inputs"]["begin@customer_review"] == "It broke after a day."


def test_the_model_is_told_the_categories_and_given_the_input() -> None:
    _, chat = review("It broke after a day.", "Negative review")
    system, user = chat.calls[0]
    assert system.role == "system"
    for text in (
        "- Positive review",
        "Negative review to the product.",
        '"I have issues."',
        '"2. It is very helpful."',
    ):
        assert text in system.content
    assert user.content == "Input: It broke after a day.\nCategory:"


@pytest.mark.parametrize(
    ("reply", "chosen"),
    [
        ("**Negative review**", "Negative review "),
        ("Category: negative_review.", "Negative review "),
        ("negative", "Negative review "),
        ("I would say this is a Positive review.", "Positive review"),
        ("<think>hmm, negative?</think>Positive review", "Positive review"),  # reasoning is not the answer
    ],
)
def test_a_small_model_s_reply_is_read_leniently(reply: str, chosen: str) -> None:
    events, _ = review("text", reply)
    done = next(
        e.data for e in events if e.kind is EventKind.NODE_FINISHED and e.data["component_id"] == "Categorize:1"
    )
    assert done["outputs"]["category_name"] == chosen


def test_reading_a_reply() -> None:
    names = ["Product", "Product return", "Shipping"]
    assert choose_category("Product return", names) == "Product return"
    assert choose_category("This is about a product return.", names) == "Product return"
    assert choose_category("Shipping, not a product return; shipping!", names) == "Shipping"
    assert choose_category("return", names) == "Product return"
    assert choose_category("No idea.", names) is None
    assert choose_category("", names) is None
    assert choose_category("这是负面评价。", ["正面评价", "负面评价"]) == "负面评价"


def test_a_reply_naming_no_category_takes_other_or_the_last() -> None:
    assert default_category(["Sales", "Other", "Support"]) == "Other"
    assert default_category(["Sales", "Support"]) == "Support"
    events, _ = review("text", "I cannot tell.")
    assert answer(events) == "Sorry. (Negative review )"  # the last category, its name and its branch agree


def test_the_history_window_brings_earlier_turns() -> None:
    chat = ScriptedChat(["Positive review", "Negative review"])
    document = review_flow(query="sys.query", message_history_window_size=3)
    services = ScriptedServices(chat)
    _, state = run(document, "I love it", services=services)
    run(document, "but it broke", services=services, state=state)
    assert chat.calls[1][1].content == (
        "Conversation so far:\nUSER: I love it\nASSISTANT: Thanks! (Positive review)\n\nInput: but it broke\nCategory:"
    )


def test_categorizers_chain_into_an_aggregator() -> None:
    """RAGFlow's customer feedback dispatcher: a second Categorize on one branch, joined by a VariableAggregator."""
    issues = {
        "After-sales issues": {"description": "Broken or wrong product.", "to": ["VariableAggregator:1"]},
        "Transportation issue": {"description": "Late delivery.", "to": ["VariableAggregator:1"]},
    }
    document = review_flow()
    document["components"]["Categorize:1"]["obj"]["params"]["category_description"]["Negative review "]["to"] = [
        "Categorize:2"
    ]
    document["components"].update(
        {
            "Categorize:2": component(
                "Categorize",
                ["VariableAggregator:1", "VariableAggregator:1"],
                category_description=issues,
                query="begin@customer_review",
            ),
            "VariableAggregator:1": component(
                "VariableAggregator",
                ["Message:category"],
                groups=[
                    {
                        "group_name": "ReviewCategory",
                        "type": "string",
                        "variables": [{"value": "Categorize:2@category_name"}],
                    }
                ],
            ),
            "Message:category": component("Message", content=["Final: {VariableAggregator:1@ReviewCategory}"]),
        }
    )
    chat = ScriptedChat(["Negative review", "Transportation issue"])
    events, _ = run(document, "", services=ScriptedServices(chat), inputs={"customer_review": {"value": "Late!"}})
    assert answer(events) == "Final: Transportation issue"


def test_a_model_that_is_down_ends_the_run_naming_the_component() -> None:
    events, _ = run(review_flow(llm_id="down@Test"), "", inputs={"customer_review": {"value": "x"}})
    assert kinds(events)[-1] == "error"
    assert events[-1].data["message"] == "'Categorize:1' (Categorize): Chat model down@Test is unavailable"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"category_description": {}}, "parameter 'category_description': Dictionary should have at least 1 item"),
        (
            {"category_description": {"A": {"description": "a", "to": []}}},
            "parameter 'category_description.A.to': List should have at least 1 item",
        ),
        (
            {"category_description": {"A": {"to": ["Message:gone"]}}},
            "parameter 'category_description.A.to': 'Message:gone' is not a component of this DSL.",
        ),
        ({"category_description": {" ": {"to": ["Message:thanks"]}}}, "a category name cannot be empty"),
        ({"message_history_window_size": 0}, "parameter 'message_history_window_size'"),
        ({"query": "Gone:1@content"}, "refers to 'Gone:1'"),
        ({"query": "the review"}, "parameter 'query': Value error, 'the review' is not a reference"),
    ],
)
def test_a_categorize_that_cannot_work_is_refused_at_load(params: dict[str, Any], message: str) -> None:
    refused = refusal(review_flow(**params))
    assert "component 'Categorize:1' (Categorize)" in refused
    assert message in refused

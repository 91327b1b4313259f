"""Related questions read from whatever list a model writes."""

from __future__ import annotations

import pytest

from ragloom.rag.search_prompts import parse_related_questions, related_questions_messages


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("1. What is A?\n2. What is B?", ["What is A?", "What is B?"]),
        ("1) alpha\n2) beta", ["alpha", "beta"]),
        ("1、香蕉的营养\n2、香蕉怎么种", ["香蕉的营养", "香蕉怎么种"]),
        ("Here are some:\n- alpha\n* beta\n• gamma\nHope this helps!", ["alpha", "beta", "gamma"]),
        ("alpha\n\nbeta\ngamma", ["alpha", "beta", "gamma"]),
        ("1. alpha 2. beta 3) gamma", ["alpha", "beta", "gamma"]),
        ("**Related questions:**\nWhat is X?\nHow does Y work?", ["What is X?", "How does Y work?"]),
        ('1. "quoted"\n2. **bold**\n3. `code`', ["quoted", "bold", "code"]),
        ("1. alpha\n2. Alpha\n3. alpha?", ["alpha"]),
        ("1.5 million people eat bananas", ["1.5 million people eat bananas"]),
        ("", []),
    ],
)
def test_lists_of_every_shape_are_read(reply: str, expected: list[str]) -> None:
    assert parse_related_questions(reply) == expected


def test_the_user_s_own_question_and_echoed_labels_are_left_out() -> None:
    reply = "Search: bananas\nRelated searches:\n1. How do bananas grow?\n2. Bananas?\n3. Banana bread"
    assert parse_related_questions(reply, "bananas") == ["How do bananas grow?", "Banana bread"]


def test_at_most_the_limit_and_no_runaway_lines() -> None:
    reply = "\n".join(f"{number}. question {number}" for number in range(1, 30)) + "\n30. " + "x" * 400
    assert parse_related_questions(reply) == [f"question {number}" for number in range(1, 11)]
    assert parse_related_questions(reply, limit=3) == ["question 1", "question 2", "question 3"]


def test_the_prompt_carries_the_search_and_asks_for_a_numbered_list() -> None:
    system, user = related_questions_messages("bananas", count=4)
    assert system.role == "system"
    assert "4" in system.content
    assert "numbered list" in system.content
    assert user.role == "user"
    assert "bananas" in user.content

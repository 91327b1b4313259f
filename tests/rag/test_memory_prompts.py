"""The extraction prompt: assembled for the kinds asked for, replaced by a memory's own prompts."""

from __future__ import annotations

from ragloom.rag.memory_prompts import (
    extraction_messages,
    extraction_schema,
    extraction_system_prompt,
    extraction_user_prompt,
)


def test_the_system_prompt_describes_only_the_kinds_asked_for() -> None:
    prompt = extraction_system_prompt(["episodic", "raw"])
    assert "episodic —" in prompt
    assert "semantic —" not in prompt
    assert "OUTPUT FORMAT" in prompt
    assert prompt.rstrip().endswith('"invalid_at": ""}]}')


def test_the_schema_requires_each_kind_asked_for() -> None:
    schema = extraction_schema(["semantic", "procedural"])
    assert schema["required"] == ["semantic", "procedural"]
    assert schema["properties"]["semantic"]["maxItems"] == 5


def test_a_memorys_prompts_replace_ours() -> None:
    messages = extraction_messages(
        ["semantic"],
        "User Input: hi",
        "2026-01-01 00:00:00",
        "2026-01-02 00:00:00",
        system_prompt="Only names.",
        user_prompt="Turn at {conversation_time}: {conversation}",
    )
    assert [(message.role, message.content) for message in messages] == [
        ("system", "Only names."),
        ("user", "Turn at 2026-01-01 00:00:00: User Input: hi"),
    ]
    blank = extraction_messages(["semantic"], "c", "t1", "t2", system_prompt="  ", user_prompt=None)
    assert blank[0].content == extraction_system_prompt(["semantic"])
    assert blank[1].content == "CONVERSATION:\nc\n\nCONVERSATION TIME: t1\nCURRENT TIME: t2"


def test_a_user_prompt_without_the_conversation_gets_it_appended() -> None:
    text = extraction_user_prompt("Focus on food.", "c", "t1", "t2")
    assert text.startswith("Focus on food.\n\nCONVERSATION:\nc")

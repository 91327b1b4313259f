"""Prompt assembly: system prompt, knowledge, history and question within a context window."""

from __future__ import annotations

import re

import pytest

from ragloom.errors import DataError
from ragloom.nlp import count_tokens
from ragloom.providers.chat.protocol import ChatMessage
from ragloom.rag.prompts import (
    CITATION_INSTRUCTIONS,
    DEFAULT_SYSTEM_PROMPT,
    SAFETY_MARGIN,
    KnowledgeChunk,
    assemble,
    declared_parameters,
    fill_parameters,
)

SYSTEM = "Answer from this knowledge:\n{knowledge}\nThat is all."
QUESTION = ChatMessage("user", "What do the documents say?")


def chunk(rank: int, words: int = 40) -> KnowledgeChunk:
    return KnowledgeChunk(f"doc{rank}.txt", f"Chunk {rank} says " + "lorem ipsum " * words)


def turns(count: int, words: int = 40) -> list[ChatMessage]:
    return [
        ChatMessage("user" if number % 2 == 0 else "assistant", f"Turn {number}: " + "blah " * words)
        for number in range(count)
    ]


def budget(context_window: int, answer_tokens: int) -> int:
    return int(context_window * SAFETY_MARGIN) - min(answer_tokens, context_window // 2)


def numbered_ids(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"^ID: (\d+)$", text, re.MULTILINE)]


# ---- knowledge --------------------------------------------------------------------------------


def test_knowledge_is_numbered_in_rank_order() -> None:
    knowledge = [KnowledgeChunk("b.pdf", "  Second best.  "), KnowledgeChunk("a.pdf", "Best.")]
    knowledge.insert(0, KnowledgeChunk("c.pdf", "Top hit."))
    assembled = assemble(SYSTEM, knowledge, [QUESTION], context_window=8192, answer_tokens=None, cite=False)
    system = assembled.messages[0]
    assert system.role == "system"
    assert system.content == (
        "Answer from this knowledge:\n"
        "ID: 0\nDocument: c.pdf\nContent: Top hit.\n\n"
        "ID: 1\nDocument: b.pdf\nContent: Second best.\n\n"
        "ID: 2\nDocument: a.pdf\nContent: Best.\n"
        "\nThat is all."
    )
    assert assembled.chunks_used == 3
    assert assembled.messages[1:] == [QUESTION]


def test_chunks_are_dropped_lowest_ranked_first_and_whole() -> None:
    knowledge = [chunk(rank) for rank in range(12)]
    assembled = assemble(SYSTEM, knowledge, [QUESTION], context_window=1024, answer_tokens=256, cite=False)
    used = assembled.chunks_used
    assert 0 < used < len(knowledge)
    system = assembled.messages[0].content
    assert numbered_ids(system) == list(range(used))
    for rank in range(used):
        assert knowledge[rank].content.strip() in system  # kept chunks are not cut
    assert f"Chunk {used} says" not in system
    assert assembled.prompt_tokens <= budget(1024, 256)
    roomier = assemble(SYSTEM, knowledge, [QUESTION], context_window=2048, answer_tokens=256, cite=False)
    assert roomier.chunks_used > used


def test_a_single_chunk_too_long_for_the_window_is_shortened() -> None:
    knowledge = [chunk(0, words=1500), chunk(1)]
    assembled = assemble(SYSTEM, knowledge, [QUESTION], context_window=2048, answer_tokens=256, cite=False)
    assert assembled.chunks_used == 1
    system = assembled.messages[0].content
    assert numbered_ids(system) == [0]
    assert "Chunk 0 says lorem ipsum" in system
    assert knowledge[0].content.strip() not in system
    assert assembled.prompt_tokens <= budget(2048, 256)


# ---- history and question -----------------------------------------------------------------------


def test_history_is_trimmed_oldest_first() -> None:
    earlier = turns(20)
    assembled = assemble("Be brief.", None, [*earlier, QUESTION], context_window=1024, answer_tokens=256, cite=False)
    kept = assembled.history_used
    assert 0 < kept < len(earlier)
    assert assembled.messages == [ChatMessage("system", "Be brief."), *earlier[-kept:], QUESTION]
    assert assembled.prompt_tokens <= budget(1024, 256)
    everything = assemble("Be brief.", None, [*earlier, QUESTION], context_window=8192, answer_tokens=256, cite=False)
    assert everything.history_used == len(earlier)


def test_history_is_never_kept_with_a_gap() -> None:
    oldest, long_one, recent = ChatMessage("user", "Hi."), ChatMessage("assistant", "word " * 2000), turns(2)
    history = [oldest, long_one, *recent, QUESTION]
    assembled = assemble("Be brief.", None, history, context_window=2048, answer_tokens=256, cite=False)
    assert assembled.messages[1:] == [*recent, QUESTION]  # "Hi." fits, but not without the turn after it


def test_history_leaves_knowledge_at_least_half_the_room() -> None:
    history = [*turns(40), QUESTION]
    assembled = assemble(
        SYSTEM, [chunk(rank) for rank in range(12)], history, context_window=2048, answer_tokens=256, cite=False
    )
    assert assembled.history_used > 0
    assert assembled.chunks_used > 0
    history_tokens = sum(count_tokens(message.content) + 4 for message in assembled.messages[1:-1])
    assert history_tokens <= budget(2048, 256) // 2


def test_the_question_is_kept_whole() -> None:
    question = ChatMessage("user", "Please consider " + "this very detailed requirement " * 80 + "and answer.")
    history = [*turns(10), question]
    assembled = assemble(SYSTEM, [chunk(0)], history, context_window=1024, answer_tokens=256, cite=True)
    assert assembled.messages[-1] == question
    assert assembled.history_used < 10


def test_a_question_too_long_for_the_window_is_refused_with_the_counts() -> None:
    question = ChatMessage("user", "why " * 600)
    expected = count_tokens("Be brief.") + count_tokens(question.content) + 8
    with pytest.raises(DataError) as raised:
        assemble("Be brief.", None, [question], context_window=1024, answer_tokens=None, cite=False)
    assert raised.value.message == (
        f"The question is too long: with the system prompt it takes {expected} tokens, "
        "and the model (context window 1024 tokens, 512 kept for the answer) leaves room for 358."
    )


def test_the_answer_reserve_is_at_most_half_the_window() -> None:
    with pytest.raises(DataError, match=r"context window 2048 tokens, 1024 kept for the answer"):
        assemble(
            "Be brief.", None, [ChatMessage("user", "why " * 800)], context_window=2048, answer_tokens=10**6, cite=False
        )


def test_the_prompt_text_lists_every_message() -> None:
    history = [ChatMessage("user", "Hi"), ChatMessage("assistant", "Hello"), QUESTION]
    assembled = assemble("Be brief.", None, history, context_window=8192, answer_tokens=None, cite=False)
    assert assembled.text == "SYSTEM: Be brief.\n\nUSER: Hi\n\nASSISTANT: Hello\n\nUSER: What do the documents say?"


# ---- chats without knowledge ---------------------------------------------------------------------


def test_without_datasets_the_system_prompt_is_used_as_it_is() -> None:
    assembled = assemble("You are a pirate.", None, [QUESTION], context_window=8192, answer_tokens=None, cite=True)
    assert assembled.messages == [ChatMessage("system", "You are a pirate."), QUESTION]
    assert assembled.chunks_used == 0


def test_without_datasets_the_knowledge_placeholder_is_left_out() -> None:
    assembled = assemble(DEFAULT_SYSTEM_PROMPT, None, [QUESTION], context_window=8192, answer_tokens=None, cite=True)
    system = assembled.messages[0].content
    assert "{knowledge}" not in system
    assert system == DEFAULT_SYSTEM_PROMPT.replace("{knowledge}", "")
    assert CITATION_INSTRUCTIONS not in system


def test_without_datasets_history_may_use_all_the_room() -> None:
    history = [*turns(40), QUESTION]
    assembled = assemble("Be brief.", None, history, context_window=2048, answer_tokens=256, cite=False)
    history_tokens = sum(count_tokens(message.content) + 4 for message in assembled.messages[1:-1])
    assert history_tokens > budget(2048, 256) // 2


# ---- citation instructions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("knowledge", "cite", "instructed"),
    [
        ([KnowledgeChunk("a.txt", "A fact.")], True, True),
        ([KnowledgeChunk("a.txt", "A fact.")], False, False),
        ([], True, False),  # datasets, but nothing retrieved
        (None, True, False),
    ],
)
def test_citation_instructions_only_when_citing_knowledge(
    knowledge: list[KnowledgeChunk] | None, cite: bool, instructed: bool
) -> None:
    assembled = assemble(SYSTEM, knowledge, [QUESTION], context_window=8192, answer_tokens=None, cite=cite)
    system = assembled.messages[0].content
    assert system.endswith(CITATION_INSTRUCTIONS) is instructed
    assert ("[ID:n]" in system) is instructed


# ---- parameters ----------------------------------------------------------------------------------

PARAMETERS = [
    {"key": "knowledge", "optional": False},
    {"key": "name", "optional": False},
    {"key": "day", "optional": True},
]


def test_parameters_are_filled() -> None:
    system = "Hi {name}, today is {day}.\n{knowledge}"
    filled = fill_parameters(system, PARAMETERS, {"name": "Ann", "day": 3, "knowledge": "injected"})
    assert filled == "Hi Ann, today is 3.\n{knowledge}"  # knowledge is retrieval's to fill


def test_an_optional_parameter_without_a_value_becomes_empty() -> None:
    assert fill_parameters("Hi {name}, today is {day}.", PARAMETERS, {"name": "Ann"}) == "Hi Ann, today is ."


@pytest.mark.parametrize(
    ("parameters", "missing"),
    [
        (PARAMETERS, "name"),
        ([{"key": "x"}], "x"),  # required unless declared optional
    ],
)
def test_a_required_parameter_without_a_value_is_refused(parameters: list[dict[str, object]], missing: str) -> None:
    with pytest.raises(DataError) as raised:
        fill_parameters("Use {name} and {x}.", parameters, {"day": "Monday"})
    assert raised.value.message == f"Miss parameter: {missing}"


def test_undeclared_placeholders_are_left_alone() -> None:
    assert fill_parameters("Hi {name}, {other}.", [{"key": "name"}], {"name": "Bo", "other": "no"}) == "Hi Bo, {other}."
    assert declared_parameters("{a} {knowledge} {a} {b_2} {not valid} {3x}") == ["a", "knowledge", "b_2"]

"""Reading a model's extraction answer leniently, and refusing one with nothing readable."""

from __future__ import annotations

import json

import pytest

from ragloom.rag.memory_answers import ExtractedItem, UnreadableAnswerError, parse_time, read_extraction

ALL = ("semantic", "episodic", "procedural")


def contents(items: list[ExtractedItem]) -> list[tuple[str, str]]:
    return [(item.kind, item.content) for item in items]


def test_plain_json_with_times() -> None:
    answer = json.dumps(
        {
            "semantic": [{"content": "Alice lives in Paris.", "valid_at": "2026-01-04T19:56:42", "invalid_at": ""}],
            "episodic": [{"content": "Alice met Bob.", "valid_at": "2026-01-03 10:00:00", "invalid_at": "2026-01-03"}],
            "procedural": [],
        }
    )
    items = read_extraction(answer, ALL)
    assert contents(items) == [("semantic", "Alice lives in Paris."), ("episodic", "Alice met Bob.")]
    assert items[0].valid_at == parse_time("2026-01-04T19:56:42Z")
    assert items[0].invalid_at is None
    assert items[1].invalid_at == parse_time("2026-01-03T00:00:00")


@pytest.mark.parametrize(
    "answer",
    [
        'Sure! Here is the JSON:\n```json\n{"semantic": [{"content": "Likes tea."}]}\n```\nHope it helps.',
        '<think>The user likes tea, so…</think>{"Semantic": ["Likes tea."]}',
        'Memories: {"semantic_memory": [{"text": "Likes tea."}]} (end)',
        '[{"type": "semantic", "content": "Likes tea."}]',
        '{"semantic": [{"content": "Likes tea.", "valid_at": "2026-01-0',
        '{"semantic": [{"content": "Likes tea."}, {"content": "Likes tea."}, {"content": ""}], "unknown": ["x"]}',
    ],
)
def test_lenient_forms(answer: str) -> None:
    assert contents(read_extraction(answer, ALL)) == [("semantic", "Likes tea.")]


def test_only_the_kinds_asked_for_and_at_most_five_each() -> None:
    answer = json.dumps({"semantic": [f"fact {n}" for n in range(8)], "procedural": ["Always greet."]})
    items = read_extraction(answer, ["semantic"])
    assert [item.content for item in items] == [f"fact {n}" for n in range(5)]


def test_nothing_to_remember_is_an_empty_answer_not_an_error() -> None:
    assert read_extraction('{"semantic": [], "episodic": [], "procedural": []}', ALL) == []


@pytest.mark.parametrize(
    "answer", ["The user said hello.", "", '{"answer": "nothing"}', "[1, 2, 3]", '{"semantic": [{"conte']
)
def test_junk_is_unreadable(answer: str) -> None:
    with pytest.raises(UnreadableAnswerError):
        read_extraction(answer, ALL)


def test_times_that_are_not_iso_are_unknown() -> None:
    assert parse_time("YYYY-MM-DDTHH:MM:SS") is None
    assert parse_time("") is None
    assert parse_time(5) is None
    assert parse_time("2026-01-04T19:56:42+02:00") == parse_time("2026-01-04T17:56:42")

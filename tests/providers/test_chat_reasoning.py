"""Reasoning kept out of answers: ``<think>…</think>`` split from text that arrives in pieces."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from ragloom.providers.chat.protocol import Delta
from ragloom.providers.chat.reasoning import ReasoningSplitter, split_reasoning


def feed_all(fragments: Iterable[str]) -> list[Delta]:
    splitter = ReasoningSplitter()
    deltas: list[Delta] = []
    for fragment in fragments:
        deltas.extend(splitter.feed(fragment))
    deltas.extend(splitter.finish())
    return deltas


def joined(deltas: list[Delta]) -> tuple[str, str]:
    return "".join(delta.content for delta in deltas), "".join(delta.reasoning for delta in deltas)


def test_plain_text_passes_through_at_once() -> None:
    splitter = ReasoningSplitter()
    assert list(splitter.feed("Paris is the capital.")) == [Delta(content="Paris is the capital.")]
    assert list(splitter.finish()) == []
    assert split_reasoning("no tags here") == ("no tags here", "")


def test_a_think_block_is_moved_to_reasoning() -> None:
    assert split_reasoning("<think>The user asks about France.</think>Paris.") == (
        "Paris.",
        "The user asks about France.",
    )


def test_no_delta_carries_both_or_neither() -> None:
    deltas = feed_all(["<thi", "nk>a", "b</th", "ink>c", "d"])
    assert all(bool(delta.content) != bool(delta.reasoning) for delta in deltas)
    assert joined(deltas) == ("cd", "ab")


TEXTS = [
    "<think>reason</think>answer",
    "before<think>step one\nstep two</think>after",
    "<think></think>empty reasoning",
    "a < b and c > d, <thin air> is not a tag</thinking>",
    "<think>first</think>middle<think>second</think>end",
    "<think>unterminated reasoning to the end",
    "ends with a partial tag <thi",
    "<think>思考：用户问首都。</think>巴黎是法国的首都。",
    "<<think>>x</think></think>",
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_split_point_gives_the_same_result(text: str) -> None:
    whole = split_reasoning(text)
    for cut in range(len(text) + 1):
        assert joined(feed_all([text[:cut], text[cut:]])) == whole, f"cut at {cut}"
    for first in range(len(text) + 1):
        for second in range(first, len(text) + 1):
            pieces = [text[:first], text[first:second], text[second:]]
            assert joined(feed_all(pieces)) == whole, f"cuts at {first}, {second}"


@pytest.mark.parametrize("text", TEXTS)
def test_one_character_at_a_time_gives_the_same_result(text: str) -> None:
    assert joined(feed_all(text)) == split_reasoning(text)


def test_expected_splits() -> None:
    assert split_reasoning("before<think>step</think>after") == ("beforeafter", "step")
    assert split_reasoning("<think>first</think>middle<think>second</think>end") == ("middleend", "firstsecond")
    assert split_reasoning("<<think>>x</think></think>") == ("<</think>", ">x")


def test_an_unterminated_think_is_all_reasoning() -> None:
    deltas = feed_all(["<think>still ", "thinking"])
    assert joined(deltas) == ("", "still thinking")


def test_text_that_only_starts_like_a_tag_is_content() -> None:
    splitter = ReasoningSplitter()
    assert list(splitter.feed("a <thin")) == [Delta(content="a ")]  # "<thin" may still become "<think>"
    assert list(splitter.feed("g> here")) == [Delta(content="<thing> here")]
    assert list(splitter.finish()) == []


def test_a_partial_tag_at_the_end_is_released_by_finish() -> None:
    splitter = ReasoningSplitter()
    assert list(splitter.feed("x <thi")) == [Delta(content="x ")]
    assert list(splitter.finish()) == [Delta(content="<thi")]


def test_a_partial_closing_tag_inside_reasoning_stays_reasoning() -> None:
    splitter = ReasoningSplitter()
    assert list(splitter.feed("<think>why</thi")) == [Delta(reasoning="why")]
    assert list(splitter.feed("s is it")) == [Delta(reasoning="</this is it")]
    assert list(splitter.feed("</think>ok")) == [Delta(content="ok")]


def test_content_is_released_as_soon_as_it_cannot_be_a_tag() -> None:
    splitter = ReasoningSplitter()
    assert list(splitter.feed("Hello")) == [Delta(content="Hello")]
    assert list(splitter.feed(" <")) == [Delta(content=" ")]
    assert list(splitter.feed("b>")) == [Delta(content="<b>")]

"""cl100k token counting and cutting, offline."""

import pytest

from ragloom.nlp.token_count import count_tokens, split_by_tokens, truncate_to_tokens


def test_counts_match_cl100k() -> None:
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0
    assert count_tokens("<|endoftext|>") > 1


@pytest.mark.parametrize("text", ["知识库检索引擎" * 50 + "hello", "abc def " * 100, "😀😀x" * 40])
@pytest.mark.parametrize("limit", [1, 2, 7, 64])
def test_split_pieces_join_back_and_fit(text: str, limit: int) -> None:
    pieces = split_by_tokens(text, limit)
    assert "".join(pieces) == text
    assert all(count_tokens(piece) <= limit or len(piece) == 1 for piece in pieces)


def test_truncate_never_splits_a_character() -> None:
    assert truncate_to_tokens("知识库检索", 3) == "知识"
    assert truncate_to_tokens("short", 10) == "short"

"""Chunking a section under a prefix every chunk repeats."""

from ragloom.ingest.chunkers.sections import prefixed_chunks
from ragloom.ingest.model import Block, BlockKind
from ragloom.nlp.token_count import count_tokens


def test_a_prefix_longer_than_the_limit_is_cut_to_leave_room_for_text() -> None:
    prefix = " > ".join(f"Heading number {index}" for index in range(50))
    blocks = [Block(BlockKind.TEXT, f"Body sentence {index}.") for index in range(30)]
    drafts = prefixed_chunks(prefix, blocks, {"chunk_token_num": 40})
    assert all(count_tokens(draft.content) <= 40 for draft in drafts)
    assert all(draft.content.startswith("Heading number 0 > ") for draft in drafts)
    assert "Body sentence 29." in drafts[-1].content


def test_an_empty_prefix_adds_nothing() -> None:
    (draft,) = prefixed_chunks("", [Block(BlockKind.TEXT, "just text")], {})
    assert draft.content == "just text"

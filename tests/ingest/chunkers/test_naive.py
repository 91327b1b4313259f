"""The naive (General) method."""

from ragloom.ingest.chunkers.naive import chunk_blocks
from ragloom.ingest.model import Block, BlockKind, Position, Table
from ragloom.nlp.token_count import count_tokens


def test_text_is_merged_up_to_chunk_token_num() -> None:
    blocks = [Block(BlockKind.TEXT, f"Line {index} says something useful about retrieval.") for index in range(100)]
    drafts = chunk_blocks(blocks, {"chunk_token_num": 64, "delimiter": "\n"})
    assert len(drafts) > 5
    assert all(count_tokens(draft.content) <= 64 for draft in drafts)
    assert "Line 0 says" in drafts[0].content
    assert "Line 99 says" in drafts[-1].content


def test_custom_backtick_delimiters_cut_exactly_there() -> None:
    blocks = [Block(BlockKind.TEXT, "intro ## first section ## second section")]
    drafts = chunk_blocks(blocks, {"chunk_token_num": 512, "delimiter": "`##`"})
    assert [draft.content for draft in drafts] == ["intro", "first section", "second section"]


def test_tables_are_their_own_chunks_with_header_repeated() -> None:
    table = Table(rows=[[f"r{index}", str(index)] for index in range(60)], header=["name", "value"])
    blocks = [Block(BlockKind.TEXT, "before"), Block(BlockKind.TABLE, "", table=table), Block(BlockKind.TEXT, "after")]
    drafts = chunk_blocks(blocks, {"chunk_token_num": 128})
    tables = [draft for draft in drafts if draft.doc_type == "table"]
    assert len(tables) > 1
    assert all(draft.content.startswith("<table><tr><th>name</th><th>value</th></tr>") for draft in tables)
    assert [draft.content for draft in drafts if not draft.doc_type] == ["before", "after"]


def test_positions_follow_their_text() -> None:
    blocks = [Block(BlockKind.TEXT, "on page one", page=1, positions=[Position(1, 10, 200, 30, 40)])]
    (draft,) = chunk_blocks(blocks, {})
    assert [position.as_list() for position in draft.positions] == [[1, 10, 200, 30, 40]]


def test_parent_child_cuts_children() -> None:
    blocks = [Block(BlockKind.TEXT, "first line"), Block(BlockKind.TEXT, "second line")]
    config = {"parent_child": {"use_parent_child": True, "children_delimiter": "\\n"}}
    (draft,) = chunk_blocks(blocks, config)
    assert draft.content == "first line\nsecond line"
    assert draft.children == ["first line", "second line"]
    (plain,) = chunk_blocks(blocks, {})
    assert plain.children == []

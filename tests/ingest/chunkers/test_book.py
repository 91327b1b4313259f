"""The book method: naive merging that never crosses a top-level section."""

from ragloom.ingest.chunkers.book import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument
from ragloom.nlp.token_count import count_tokens


def _chapter(number: int, paragraphs: int) -> list[Block]:
    return [
        Block(BlockKind.HEADING, f"Chapter {number}", level=1),
        Block(BlockKind.HEADING, f"Scene {number}.1", level=2),
        *[Block(BlockKind.TEXT, f"Chapter {number} paragraph {index} goes on.") for index in range(paragraphs)],
    ]


def test_no_chunk_spans_two_chapters_and_each_chapter_opens_its_first_chunk() -> None:
    blocks = [Block(BlockKind.TITLE, "A Novel"), *_chapter(1, 3), *_chapter(2, 3)]
    drafts = chunk(ParsedDocument("novel.docx", "docx", blocks=blocks), {"chunk_token_num": 512}, IngestContext())
    assert [draft.content.split("\n")[0] for draft in drafts] == ["A Novel", "Chapter 1", "Chapter 2"]
    assert drafts[1].content.startswith("Chapter 1\nScene 1.1\nChapter 1 paragraph 0")
    assert "Chapter 2" not in drafts[1].content


def test_small_limits_are_respected_within_chapters() -> None:
    blocks = [*_chapter(1, 40), *_chapter(2, 40)]
    drafts = chunk(ParsedDocument("novel.docx", "docx", blocks=blocks), {"chunk_token_num": 48}, IngestContext())
    assert all(count_tokens(draft.content) <= 48 for draft in drafts)
    for draft in drafts:
        assert not ("Chapter 1 " in draft.content and "Chapter 2" in draft.content)
    assert sum(draft.content.startswith("Chapter 2\n") for draft in drafts) == 1


def test_plain_text_chapters_are_recognised_by_their_wording() -> None:
    lines = [
        "序言",
        "第一章 起源",
        "很久以前。",
        "第二章 远行",
        "他出发了。",
        "Chapter 3 of the plan was never written down.",
    ]
    document = ParsedDocument("book.txt", "txt", blocks=[Block(BlockKind.TEXT, line) for line in lines])
    drafts = chunk(document, {}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "序言",
        "第一章 起源\n很久以前。",
        "第二章 远行\n他出发了。\nChapter 3 of the plan was never written down.",
    ]

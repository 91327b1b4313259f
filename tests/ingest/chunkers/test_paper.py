"""The paper method: the abstract whole, sections under their headings."""

from ragloom.ingest.chunkers.paper import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Position, Table
from ragloom.nlp.token_count import count_tokens


def _heading(text: str, level: int = 1) -> Block:
    return Block(BlockKind.HEADING, text, level=level)


def _text(text: str) -> Block:
    return Block(BlockKind.TEXT, text)


def test_the_abstract_is_one_chunk_keyed_by_the_title() -> None:
    abstract = [
        Block(BlockKind.TEXT, f"Sentence {index} of the abstract.", positions=[Position(1, 0, 10, index, index + 1)])
        for index in range(60)
    ]
    table = Table(rows=[["ours", "0.9"]], header=["method", "score"])
    blocks = [
        Block(BlockKind.TITLE, "Retrieval Is All You Need"),
        _text("A. Author, B. Author"),
        _heading("Abstract"),
        *abstract,
        _heading("1 Introduction"),
        _text("Retrieval matters."),
        _heading("2 Results"),
        _text("We win."),
        Block(BlockKind.TABLE, "", table=table),
    ]
    config = {"chunk_token_num": 64}
    drafts = chunk(ParsedDocument("paper.pdf", "pdf", blocks=blocks), config, IngestContext())
    assert drafts[0].content == "Retrieval Is All You Need\nA. Author, B. Author"
    summary = drafts[1]
    assert summary.content.startswith("Sentence 0 of the abstract.")
    assert summary.content.endswith("Sentence 59 of the abstract.")
    assert count_tokens(summary.content) > 64  # the abstract is never cut
    assert summary.important_keywords[0] == "Retrieval Is All You Need"
    assert "abstract" in summary.important_keywords
    assert len(summary.positions) == 60
    assert [draft.content for draft in drafts[2:4]] == ["1 Introduction\nRetrieval matters.", "2 Results\nWe win."]
    assert drafts[4].doc_type == "table"
    assert drafts[4].content.startswith("2 Results\n<table>")


def test_sections_are_split_within_the_limit_and_never_crossed() -> None:
    blocks = [
        _heading("Paper Title"),
        _heading("Method", 2),
        *[_text(f"Method detail {index} is described here.") for index in range(50)],
        _heading("Discussion", 2),
        _text("Discussion text."),
    ]
    drafts = chunk(ParsedDocument("paper.pdf", "pdf", blocks=blocks), {"chunk_token_num": 48}, IngestContext())
    method = [draft for draft in drafts if draft.content.startswith("Method\n")]
    assert len(method) > 3
    assert all(count_tokens(draft.content) <= 48 and "Discussion" not in draft.content for draft in method)
    assert drafts[-1].content == "Discussion\nDiscussion text."


def test_an_abstract_label_in_plain_text_ends_at_keywords_or_the_introduction() -> None:
    blocks = [
        _text("Title Of A Scanned Paper"),
        _text("Abstract—We study chunking."),
        _text("It matters a lot."),
        _text("Keywords: retrieval, chunking"),
        _text("1 Introduction"),
        _text("Chunking is old."),
    ]
    drafts = chunk(ParsedDocument("paper.pdf", "pdf", blocks=blocks), {}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "Title Of A Scanned Paper",
        "We study chunking.\nIt matters a lot.",
        "Keywords: retrieval, chunking",
        "1 Introduction\nChunking is old.",
    ]
    assert drafts[1].important_keywords[0] == "abstract"  # no TITLE block nor heading: no title to add


def test_a_chinese_abstract_label() -> None:
    blocks = [
        _heading("检索增强生成研究"),
        _text("摘要：本文研究分块方法。"),
        _heading("一、引言"),
        _text("分块很重要。"),
    ]
    drafts = chunk(ParsedDocument("论文.docx", "docx", blocks=blocks), {}, IngestContext())
    summary = next(draft for draft in drafts if draft.important_keywords)
    assert summary.content == "本文研究分块方法。"
    assert summary.important_keywords[0] == "检索增强生成研究"
    assert drafts[-1].content == "一、引言\n分块很重要。"


def test_abstract_algebra_is_not_an_abstract() -> None:
    blocks = [_text("Abstract algebra studies groups.")]
    (draft,) = chunk(ParsedDocument("notes.pdf", "pdf", blocks=blocks), {}, IngestContext())
    assert draft.content == "Abstract algebra studies groups."
    assert draft.important_keywords == []

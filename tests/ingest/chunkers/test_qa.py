"""The qa method: one chunk per question/answer pair."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.qa import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table


def _spreadsheet(rows: list[list[str]], source_format: str = "xlsx") -> ParsedDocument:
    table = Table(rows=rows[1:], header=rows[0], name="Sheet1")
    return ParsedDocument("faq." + source_format, source_format, blocks=[Block(BlockKind.TABLE, "", table=table)])


def _lines(name: str, *lines: str) -> ParsedDocument:
    extension = name.rsplit(".", 1)[1]
    return ParsedDocument(name, extension, blocks=[Block(BlockKind.TEXT, line) for line in lines])


def test_spreadsheet_rows_are_pairs_and_a_header_row_is_skipped() -> None:
    document = _spreadsheet([["Question", "Answer"], ["What is RAG?", "Retrieval first."], ["Half a row", ""]])
    (draft,) = chunk(document, {}, IngestContext())
    assert draft.content == "Question: What is RAG?\tAnswer: Retrieval first."
    assert draft.questions == ["What is RAG?"]


def test_the_first_row_is_data_when_it_is_no_header() -> None:
    document = _spreadsheet([["Who wrote it?", "Alice."], ["When?", "In 2024."]])
    assert [draft.questions for draft in chunk(document, {}, IngestContext())] == [["Who wrote it?"], ["When?"]]


def test_chinese_pairs_get_chinese_labels() -> None:
    document = _spreadsheet([["问题", "答案"], ["什么是检索增强生成？", "先检索，再生成。"]], "csv")
    (draft,) = chunk(document, {}, IngestContext())
    assert draft.content == "问题：什么是检索增强生成？\t回答：先检索，再生成。"
    assert draft.questions == ["什么是检索增强生成？"]


def test_text_lines_split_on_tab_and_lines_without_it_continue_the_answer() -> None:
    document = _lines(
        "faq.txt",
        "question\tanswer",
        "Q: How do I install it?\tA: Run pip install, then wait.",
        "It takes a minute, or two.",
        "Does it run offline?\tYes.",
    )
    drafts = chunk(document, {}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "Question: How do I install it?\tAnswer: Run pip install, then wait.\nIt takes a minute, or two.",
        "Question: Does it run offline?\tAnswer: Yes.",
    ]
    assert drafts[0].questions == ["How do I install it?"]


def test_text_without_tabs_splits_at_the_first_comma() -> None:
    document = _lines("faq.txt", "Is it free?,Yes, under Apache-2.0.", "and it stays free")
    (draft,) = chunk(document, {}, IngestContext())
    assert draft.content == "Question: Is it free?\tAnswer: Yes, under Apache-2.0.\nand it stays free"


def test_csv_read_as_text_keeps_commas_in_the_answer() -> None:
    document = _lines("faq.csv", '"Why, exactly?","Because, mostly."', "Cost?,Nothing, really")
    drafts = chunk(document, {}, IngestContext())
    assert [draft.questions for draft in drafts] == [["Why, exactly?"], ["Cost?"]]
    assert drafts[1].content.endswith("Answer: Nothing, really")


def test_headings_are_questions_and_the_text_below_their_answers() -> None:
    blocks = [
        Block(BlockKind.TEXT, "Preamble without a question."),
        Block(BlockKind.HEADING, "Accounts", level=1),
        Block(BlockKind.TEXT, "Everything about accounts."),
        Block(BlockKind.HEADING, "How do I reset my password?", level=2),
        Block(BlockKind.TEXT, "Use the reset link."),
        Block(BlockKind.HEADING, "Billing", level=1),
        Block(BlockKind.TEXT, "Invoices are monthly."),
        Block(BlockKind.HEADING, "Empty", level=1),
    ]
    drafts = chunk(ParsedDocument("faq.md", "md", blocks=blocks), {}, IngestContext())
    assert [draft.questions[0] for draft in drafts] == ["Accounts", "How do I reset my password?", "Billing"]
    assert drafts[0].content == (
        "Question: Accounts\tAnswer: Everything about accounts.\nHow do I reset my password?\nUse the reset link."
    )
    assert drafts[1].content == "Question: How do I reset my password?\tAnswer: Use the reset link."
    assert drafts[2].content == "Question: Billing\tAnswer: Invoices are monthly."


def test_other_formats_are_refused_naming_the_accepted_ones() -> None:
    document = ParsedDocument("slides.pptx", "pptx", blocks=[Block(BlockKind.TEXT, "Q\tA")])
    with pytest.raises(IngestError, match=r"pptx.*xlsx"):
        chunk(document, {}, IngestContext())


def test_no_pair_at_all_is_an_error() -> None:
    with pytest.raises(IngestError, match="No question/answer pairs"):
        chunk(_lines("faq.txt", "just a line", "and another"), {}, IngestContext())

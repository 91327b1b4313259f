"""The tag method: rows of (content, tags)."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.tag import chunk, split_tags
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table


def test_spreadsheet_rows_give_content_and_tag_keywords() -> None:
    table = Table(
        rows=[
            ["Refunds take five days.", "billing, refunds；billing"],
            ["No tags here", ""],
            ["Reset password", "账户，security"],
        ],
        header=["Content", "Tags"],
    )
    document = ParsedDocument("tags.xlsx", "xlsx", blocks=[Block(BlockKind.TABLE, "", table=table)])
    drafts = chunk(document, {}, IngestContext())
    assert [(draft.content, draft.tag_keywords) for draft in drafts] == [
        ("Refunds take five days.", ["billing", "refunds"]),
        ("Reset password", ["账户", "security"]),
    ]


def test_tags_are_split_trimmed_and_deduplicated() -> None:
    assert split_tags(" a, b ;a，c,, ") == ["a", "b", "c"]


def test_text_lines_split_on_tab_or_the_first_comma() -> None:
    tabbed = ["content\ttags", "Solar panels\tenergy,green", "and batteries", "Wind farms\tenergy"]
    document = ParsedDocument("tags.txt", "txt", blocks=[Block(BlockKind.TEXT, line) for line in tabbed])
    drafts = chunk(document, {}, IngestContext())
    assert [(draft.content, draft.tag_keywords) for draft in drafts] == [
        ("Solar panels\nand batteries", ["energy", "green"]),
        ("Wind farms", ["energy"]),
    ]
    commas = ParsedDocument("tags.txt", "txt", blocks=[Block(BlockKind.TEXT, "Tea,drink,hot")])
    assert [draft.tag_keywords for draft in chunk(commas, {}, IngestContext())] == [["drink", "hot"]]


def test_unquoted_csv_tags_spilling_over_columns_are_kept() -> None:
    table = Table(rows=[["Tea", "drink", "hot"]], header=["content", "tags"])
    document = ParsedDocument("tags.csv", "csv", blocks=[Block(BlockKind.TABLE, "", table=table)])
    (draft,) = chunk(document, {}, IngestContext())
    assert draft.tag_keywords == ["drink", "hot"]


def test_other_formats_and_empty_tag_sets_are_errors() -> None:
    with pytest.raises(IngestError, match=r"\.docx"):
        chunk(ParsedDocument("tags.docx", "docx"), {}, IngestContext())
    with pytest.raises(IngestError, match="No tagged rows"):
        chunk(ParsedDocument("tags.txt", "txt", blocks=[Block(BlockKind.TEXT, "untagged")]), {}, IngestContext())

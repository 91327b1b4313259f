"""The one method: the whole document as a single chunk."""

from ragloom.ingest.chunkers.one import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Position, Table


def test_the_whole_document_is_one_chunk_with_tables_inline() -> None:
    table = Table(rows=[["1", "2"]], header=["a", "b"])
    document = ParsedDocument(
        "report.docx",
        "docx",
        blocks=[
            Block(BlockKind.HEADING, "Report", level=1, positions=[Position(1, 0, 100, 0, 10)]),
            *[Block(BlockKind.TEXT, f"Paragraph {index} of a long report.") for index in range(200)],
            Block(BlockKind.TABLE, "a\tb\n1\t2", table=table, positions=[Position(2, 0, 100, 0, 50)]),
            Block(BlockKind.TEXT, "The end."),
        ],
    )
    (draft,) = chunk(document, {"chunk_token_num": 16}, IngestContext())
    assert draft.content.startswith("Report\nParagraph 0 of a long report.\n")
    assert "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>\nThe end." in draft.content
    assert [position.page for position in draft.positions] == [1, 2]
    assert draft.doc_type == ""


def test_an_empty_document_has_no_chunk() -> None:
    document = ParsedDocument("empty.txt", "txt", blocks=[Block(BlockKind.TEXT, "  ")])
    assert chunk(document, {}, IngestContext()) == []

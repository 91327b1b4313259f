"""The manual method: sections under their heading paths."""

from ragloom.ingest.chunkers.manual import chunk
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument, Table
from ragloom.nlp.token_count import count_tokens


def _heading(text: str, level: int) -> Block:
    return Block(BlockKind.HEADING, text, level=level)


def _text(text: str) -> Block:
    return Block(BlockKind.TEXT, text)


def test_chunks_start_with_their_heading_path() -> None:
    blocks = [
        Block(BlockKind.TITLE, "Widget Manual"),
        _text("Read this first."),
        _heading("Installation", 1),
        _text("Two ways to install."),
        _heading("Linux", 2),
        _text("Use the package."),
        _heading("Windows", 2),
        _heading("Installer", 3),
        _text("Run setup.exe."),
        _heading("Usage", 1),
        _text("Start it."),
    ]
    drafts = chunk(ParsedDocument("manual.pdf", "pdf", blocks=blocks), {}, IngestContext())
    assert [draft.content for draft in drafts] == [
        "Widget Manual\nRead this first.",
        "Installation\nTwo ways to install.",
        "Installation > Linux\nUse the package.",
        "Installation > Windows > Installer\nRun setup.exe.",
        "Usage\nStart it.",
    ]


def test_long_sections_are_split_and_every_part_keeps_the_path() -> None:
    blocks = [
        _heading("Reference", 1),
        _heading("Configuration options", 2),
        *[_text(f"Option {index} changes how the widget behaves at start-up.") for index in range(80)],
    ]
    drafts = chunk(ParsedDocument("manual.docx", "docx", blocks=blocks), {"chunk_token_num": 64}, IngestContext())
    assert len(drafts) > 5
    assert all(draft.content.startswith("Reference > Configuration options\nOption ") for draft in drafts)
    assert all(count_tokens(draft.content) <= 64 for draft in drafts)
    assert "Option 79 " in drafts[-1].content


def test_tables_are_chunks_of_their_own_under_the_path() -> None:
    table = Table(rows=[["--verbose", "more output"]], header=["flag", "meaning"])
    blocks = [_heading("Flags", 1), _text("Before."), Block(BlockKind.TABLE, "", table=table), _text("After.")]
    drafts = chunk(ParsedDocument("manual.md", "md", blocks=blocks), {}, IngestContext())
    assert [draft.doc_type for draft in drafts] == ["", "table", ""]
    assert drafts[1].content.startswith("Flags\n<table><tr><th>flag</th>")
    assert [drafts[0].content, drafts[2].content] == ["Flags\nBefore.", "Flags\nAfter."]

"""Every chunk method is registered; unknown ones are refused with the list."""

import pytest

from ragloom.errors import IngestError
from ragloom.ingest.chunkers.registry import CHUNKERS, chunker_for
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import Block, BlockKind, ParsedDocument

METHODS = [
    "book",
    "email",
    "knowledge_graph",
    "laws",
    "manual",
    "naive",
    "one",
    "paper",
    "picture",
    "presentation",
    "qa",
    "table",
    "tag",
]


def test_every_method_is_registered() -> None:
    assert sorted(CHUNKERS) == METHODS
    for method in METHODS:
        assert callable(chunker_for(method))


def test_an_unknown_method_lists_the_supported_ones() -> None:
    with pytest.raises(IngestError, match="resume.*book, email"):
        chunker_for("resume")


@pytest.mark.parametrize("method", ["book", "knowledge_graph", "laws", "manual", "naive", "one", "paper"])
def test_text_methods_report_completion(method: str) -> None:
    reports: list[float] = []
    document = ParsedDocument("a.txt", "txt", blocks=[Block(BlockKind.TEXT, "Some text.")])
    drafts = chunker_for(method)(document, {}, IngestContext(lambda fraction, _message: reports.append(fraction)))
    assert [draft.content for draft in drafts] == ["Some text."]
    assert reports[-1] == 1.0

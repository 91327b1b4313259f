"""``auto_keywords`` N: each chunk's N most important keywords into its ``important_keywords``.

As in RAGFlow, a question word found in them counts as if it were in the chunk's text (their terms,
``important_terms``, are matched with the content's); the chunker's own keywords (a paper's) are kept
first.
"""

from __future__ import annotations

from ragloom.enrich.per_chunk import ChunkItemsEnricher, ItemsAsked, merged
from ragloom.storage.index import ChunkRecord

SETTING = "auto_keywords"
SYSTEM = "You pick out the words and short phrases a reader would type into a search box to find a passage."


def request(count: int) -> str:
    return (
        f"List the {count} most important keywords or short key phrases of this passage, most important first, "
        "in the passage's own language. Answer with a JSON array of strings and nothing else, "
        'for example ["first keyword", "second keyword"].'
    )


class KeywordEnricher(ChunkItemsEnricher):
    """Keywords per chunk, one model call each."""

    def __init__(self) -> None:
        super().__init__(ItemsAsked(SETTING, SYSTEM, request, False, 64, 12, "Keywords"))

    def apply(self, chunk: ChunkRecord, items: list[str]) -> None:
        chunk.important_keywords = merged(chunk.important_keywords, items)

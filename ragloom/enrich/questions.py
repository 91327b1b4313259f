"""``auto_questions`` N: N questions each chunk answers, into its ``questions``.

As in RAGFlow, a chunk with questions is embedded by its questions instead of its content, and a
question word found in them counts as if it were in the chunk's text (``question_terms``).
"""

from __future__ import annotations

from ragloom.enrich.per_chunk import ChunkItemsEnricher, ItemsAsked, merged
from ragloom.storage.index import ChunkRecord

SETTING = "auto_questions"
SYSTEM = "You write the questions that a passage of a document answers."


def request(count: int) -> str:
    return (
        f"Write {count} different questions that this passage answers, each one understandable on its own "
        "(name the subject rather than writing 'it' or 'this'), in the passage's own language. "
        "Answer with a JSON array of strings and nothing else."
    )


class QuestionEnricher(ChunkItemsEnricher):
    """Questions per chunk, one model call each."""

    def __init__(self) -> None:
        super().__init__(ItemsAsked(SETTING, SYSTEM, request, True, 300, 40, "Questions"))

    def apply(self, chunk: ChunkRecord, items: list[str]) -> None:
        chunk.questions = merged(chunk.questions, items)

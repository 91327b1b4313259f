"""What a chat answer carries: the reference object and the events of a generation.

The reference chunks are kept in their public shape (contract §2.4), the same in answers,
in stored sessions and in the OpenAI routes' flat ``reference`` list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ragloom.services.retrieval import Hit


def reference_chunk(hit: Hit) -> dict[str, Any]:
    """A retrieved chunk as chat answers cite it (§2.4)."""
    record = hit.record
    return {
        "id": record.id,
        "content": record.content,
        "document_id": record.document_id,
        "document_name": record.document_name,
        "dataset_id": record.dataset_id,
        "image_id": record.image_id,
        "positions": record.positions,
        "url": None,
        "similarity": hit.similarity,
        "vector_similarity": hit.vector_similarity,
        "term_similarity": hit.term_similarity,
        "row_id": None,
        "doc_type": record.doc_type,
        "document_metadata": hit.document_metadata,
    }


def reference_object(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"total", "chunks", "doc_aggs"}``; ``doc_aggs`` counts chunks per document, most first."""
    counts = Counter((chunk["document_id"], chunk["document_name"]) for chunk in chunks)
    aggregates = [
        {"doc_name": name, "doc_id": document_id, "count": count}
        for (document_id, name), count in sorted(counts.items(), key=lambda item: -item[1])
    ]
    return {"total": len(chunks), "chunks": chunks, "doc_aggs": aggregates}


class EventKind(StrEnum):
    """What one step of a streamed answer is."""

    DELTA = "delta"  # the next fragment of the answer
    THINK_START = "think_start"  # reasoning begins
    REASONING = "reasoning"  # the next fragment of reasoning (never part of the answer)
    THINK_END = "think_end"  # reasoning ends
    FINAL = "final"  # the whole answer, decorated with citations, and its reference
    ERROR = "error"  # generation failed; ``text`` says why


@dataclass
class Answer:
    """A finished answer (the non-stream ``data``, the final stream event)."""

    answer: str
    reference: dict[str, Any]
    prompt: str
    created_at: float
    id: str
    session_id: str
    chat_id: str | None
    reasoning: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    chunks: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def public(self) -> dict[str, Any]:
        """The answer object of contract §9.7."""
        body: dict[str, Any] = {
            "answer": self.answer,
            "reference": self.reference,
            "prompt": self.prompt,
            "created_at": self.created_at,
            "audio_binary": None,
            "id": self.id,
            "session_id": self.session_id,
        }
        if self.reasoning:
            body["reasoning_content"] = self.reasoning
        if self.chat_id is not None:
            body["chat_id"] = self.chat_id
        return body


@dataclass
class AnswerEvent:
    """One step of a generation."""

    kind: EventKind
    text: str = ""
    answer: Answer | None = None

"""What an enricher works on — one document's chunks while it is being parsed — and what it leaves.

Enrichers change the job in memory only: the chunks' fields, the metadata to set, the table of
contents. The pipeline writes all of it together once the chunks are indexed, so a task that is
cancelled or fails part-way leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ragloom.storage.index import ChunkRecord

if TYPE_CHECKING:
    from ragloom.providers.embedding import Vectors


@dataclass(frozen=True)
class TocEntry:
    """A heading of a document's table of contents and the chunks of its section (in order)."""

    level: int
    title: str
    chunk_ids: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "title": self.title, "chunk_ids": list(self.chunk_ids)}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> TocEntry:
        return cls(int(value.get("level", 1)), str(value.get("title", "")), tuple(value.get("chunk_ids") or ()))


@dataclass
class EnrichmentJob:
    """One document's listed chunks (in document order; parent-child children left out) and settings.

    ``config`` is the document's parser config with what the dataset decides for it (its chat
    model, its metadata fields). ``metadata`` receives extracted metadata values (merged into the
    document's ``meta_fields``), ``toc`` the table of contents, ``added`` records an enricher adds
    to the document's own (e.g. summaries; they must carry their vectors when added after embedding).
    ``model_id`` is the chat model the stage chose (set when an enricher runs). ``embed`` embeds
    texts with the dataset's embedding model (set by the pipeline for enrichers after embedding).
    """

    dataset_id: str
    document_id: str
    document_name: str
    tenant_id: str
    config: Mapping[str, Any]
    chunks: list[ChunkRecord]
    metadata: dict[str, Any] = field(default_factory=dict)
    toc: list[TocEntry] | None = None
    added: list[ChunkRecord] = field(default_factory=list)
    model_id: str = ""
    embed: Callable[[list[str]], Vectors] | None = field(default=None, repr=False)

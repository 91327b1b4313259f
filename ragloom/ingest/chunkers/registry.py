"""Which chunker implements which ``chunk_method``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ragloom.errors import IngestError
from ragloom.ingest.context import IngestContext
from ragloom.ingest.model import ChunkDraft, ParsedDocument


class Chunker(Protocol):
    """Turns a parsed document into chunk drafts, following one RAGFlow chunk method.

    ``config`` is the document's ``parser_config``. A chunker that cannot work on the
    document's format (``document.source_format``) raises
    :class:`~ragloom.errors.IngestError` saying which formats it takes.
    """

    def __call__(
        self, document: ParsedDocument, config: Mapping[str, Any], context: IngestContext
    ) -> list[ChunkDraft]: ...


def _naive() -> Chunker:
    from ragloom.ingest.chunkers.naive import chunk

    return chunk


CHUNKERS: dict[str, Callable[[], Chunker]] = {
    "naive": _naive,
}


def chunker_for(method: str) -> Chunker:
    """The chunker of ``method``, or an :class:`IngestError` naming the supported methods."""
    factory = CHUNKERS.get(method)
    if factory is None:
        raise IngestError(f"Chunk method '{method}' is not supported yet; supported: {', '.join(sorted(CHUNKERS))}")
    return factory()

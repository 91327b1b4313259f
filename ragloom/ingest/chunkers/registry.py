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


def _book() -> Chunker:
    from ragloom.ingest.chunkers.book import chunk

    return chunk


def _email() -> Chunker:
    from ragloom.ingest.chunkers.email import chunk

    return chunk


def _laws() -> Chunker:
    from ragloom.ingest.chunkers.laws import chunk

    return chunk


def _manual() -> Chunker:
    from ragloom.ingest.chunkers.manual import chunk

    return chunk


def _naive() -> Chunker:
    from ragloom.ingest.chunkers.naive import chunk

    return chunk


def _one() -> Chunker:
    from ragloom.ingest.chunkers.one import chunk

    return chunk


def _paper() -> Chunker:
    from ragloom.ingest.chunkers.paper import chunk

    return chunk


def _picture() -> Chunker:
    from ragloom.ingest.chunkers.picture import chunk

    return chunk


def _presentation() -> Chunker:
    from ragloom.ingest.chunkers.presentation import chunk

    return chunk


def _qa() -> Chunker:
    from ragloom.ingest.chunkers.qa import chunk

    return chunk


def _table() -> Chunker:
    from ragloom.ingest.chunkers.table import chunk

    return chunk


def _tag() -> Chunker:
    from ragloom.ingest.chunkers.tag import chunk

    return chunk


CHUNKERS: dict[str, Callable[[], Chunker]] = {
    "book": _book,
    "email": _email,
    # knowledge_graph chunks as naive does (RAGFlow's default for it is 8192-token chunks); its
    # graph is built after parsing by a dataset task (ragloom.services.enrichment)
    "knowledge_graph": _naive,
    "laws": _laws,
    "manual": _manual,
    "naive": _naive,
    "one": _one,
    "paper": _paper,
    "picture": _picture,
    "presentation": _presentation,
    "qa": _qa,
    "table": _table,
    "tag": _tag,
}


def chunker_for(method: str) -> Chunker:
    """The chunker of ``method``, or an :class:`IngestError` naming the supported methods."""
    factory = CHUNKERS.get(method)
    if factory is None:
        raise IngestError(f"Chunk method '{method}' is not supported yet; supported: {', '.join(sorted(CHUNKERS))}")
    return factory()

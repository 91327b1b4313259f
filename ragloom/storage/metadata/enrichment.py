"""Queries on what enrichment keeps in the metadata store: cached model answers and tables of contents."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import DocumentToc, EnrichmentResult


class EnrichmentRepository:
    """Cached enrichment answers and documents' tables of contents, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def cached(self, enricher: str, model_id: str, prompt_hash: str, content_hashes: Collection[str]) -> dict[str, Any]:
        """The kept answers among ``content_hashes``, by content hash."""
        if not content_hashes:
            return {}
        statement = select(EnrichmentResult.content_hash, EnrichmentResult.result).where(
            EnrichmentResult.enricher == enricher,
            EnrichmentResult.model_id == model_id,
            EnrichmentResult.prompt_hash == prompt_hash,
            EnrichmentResult.content_hash.in_(list(content_hashes)),
        )
        return {str(row[0]): row[1] for row in self._session.execute(statement)}

    def keep(self, enricher: str, model_id: str, prompt_hash: str, content_hash: str, result: Any, at: int) -> None:
        """Keep an answer; a concurrent writer of the same key wins silently (the answers are equivalent)."""
        row = {
            "enricher": enricher,
            "model_id": model_id,
            "prompt_hash": prompt_hash,
            "content_hash": content_hash,
            "result": result,
            "create_time": at,
        }
        if self._session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgres_insert

            self._session.execute(postgres_insert(EnrichmentResult).values(**row).on_conflict_do_nothing())
        else:
            self._session.execute(sqlite_insert(EnrichmentResult).values(**row).on_conflict_do_nothing())

    def forget_answers(self) -> int:
        """Drop every kept answer (the next parses ask the models again); returns how many."""
        count = self._session.scalar(select(func.count()).select_from(EnrichmentResult)) or 0
        self._session.execute(delete(EnrichmentResult))
        return int(count)

    def toc(self, document_id: str) -> DocumentToc | None:
        return self._session.get(DocumentToc, document_id)

    def has_toc(self, document_id: str) -> bool:
        """Whether the document has a table of contents (without reading it)."""
        query = select(DocumentToc.document_id).where(DocumentToc.document_id == document_id)
        return self._session.scalar(query) is not None

    def tocs(self, document_ids: Collection[str]) -> list[DocumentToc]:
        """The tables of contents of those documents that have one."""
        if not document_ids:
            return []
        return list(self._session.scalars(select(DocumentToc).where(DocumentToc.document_id.in_(list(document_ids)))))

    def set_toc(self, document_id: str, dataset_id: str, model_id: str, entries: list[Any], at: int) -> None:
        """Replace the document's table of contents."""
        self.drop_toc(document_id)
        self._session.add(
            DocumentToc(
                document_id=document_id, dataset_id=dataset_id, model_id=model_id, entries=entries, create_time=at
            )
        )
        self._session.flush()

    def drop_toc(self, document_id: str) -> None:
        self._session.execute(delete(DocumentToc).where(DocumentToc.document_id == document_id))

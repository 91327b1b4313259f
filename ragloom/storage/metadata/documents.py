"""Queries on documents."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Document

SORTABLE_COLUMNS = frozenset(column.key for column in Document.__table__.columns)


@dataclass(frozen=True)
class DocumentQuery:
    """Filters, order and page of a document listing (always within one dataset).

    ``only_ids`` restricts to a set computed elsewhere (e.g. a metadata condition);
    an empty set matches nothing, ``None`` means no restriction.
    """

    dataset_id: str
    document_id: str | None = None
    name: str | None = None
    name_contains: str | None = None
    only_ids: frozenset[str] | None = None
    suffixes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    create_time_from: int = 0
    create_time_to: int = 0
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class DocumentState:
    """A document's fields that tell how its parse stands (see :meth:`DocumentRepository.states_in_dataset`)."""

    id: str
    name: str
    size: int
    run: str
    chunk_method: str
    chunk_count: int
    content_hash: str
    meta_fields: dict[str, Any]
    progress_msg: str
    process_begin_at: int | None
    process_duration: float


class DocumentRepository:
    """Documents, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, document: Document) -> Document:
        self._session.add(document)
        self._session.flush()
        return document

    def get(self, document_id: str) -> Document | None:
        return self._session.get(Document, document_id)

    def lock(self, document_id: str) -> Document | None:
        """Read the document and hold its row lock until the transaction ends."""
        return self._session.scalar(select(Document).where(Document.id == document_id).with_for_update())

    def in_dataset(self, dataset_id: str, document_id: str) -> Document | None:
        document = self._session.get(Document, document_id)
        return document if document is not None and document.dataset_id == dataset_id else None

    def name_taken(self, dataset_id: str, name: str, *, except_id: str | None = None) -> bool:
        query = select(Document.id).where(Document.dataset_id == dataset_id, Document.name == name)
        if except_id is not None:
            query = query.where(Document.id != except_id)
        return self._session.scalar(query.limit(1)) is not None

    def of_dataset(self, dataset_id: str) -> list[Document]:
        return list(self._session.scalars(select(Document).where(Document.dataset_id == dataset_id)))

    def of_datasets(self, dataset_ids: Collection[str]) -> list[Document]:
        if not dataset_ids:
            return []
        return list(self._session.scalars(select(Document).where(Document.dataset_id.in_(list(dataset_ids)))))

    def many_in_dataset(self, dataset_id: str, document_ids: Collection[str]) -> list[Document]:
        """Those of ``document_ids`` that belong to the dataset."""
        if not document_ids:
            return []
        query = select(Document).where(Document.dataset_id == dataset_id, Document.id.in_(list(document_ids)))
        return list(self._session.scalars(query))

    def ids_named(self, dataset_id: str, names: Collection[str]) -> dict[str, str]:
        """The ids of the dataset's documents that have these names, by name."""
        wanted = list(dict.fromkeys(names))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            query = select(Document.name, Document.id).where(
                Document.dataset_id == dataset_id, Document.name.in_(wanted[start : start + 500])
            )
            found.update(dict(self._session.execute(query).tuples().all()))
        return found

    def states_in_dataset(self, dataset_id: str, document_ids: Collection[str]) -> list[DocumentState]:
        """What a client watching those of ``document_ids`` in the dataset parse needs of them:
        read as plain columns (no parser config, no ORM objects), as it is asked for over and over."""
        if not document_ids:
            return []
        columns = [getattr(Document, name) for name in DocumentState.__dataclass_fields__]
        query = select(*columns).where(Document.dataset_id == dataset_id, Document.id.in_(list(document_ids)))
        return [DocumentState(*row) for row in self._session.execute(query)]

    def many(self, document_ids: Collection[str]) -> list[Document]:
        """The documents among ``document_ids`` that exist."""
        if not document_ids:
            return []
        return list(self._session.scalars(select(Document).where(Document.id.in_(list(document_ids)))))

    def names(self, document_ids: Collection[str]) -> dict[str, str]:
        """Document id -> name, reading nothing else (cheap for thousands of ids)."""
        if not document_ids:
            return {}
        query = select(Document.id, Document.name).where(Document.id.in_(list(document_ids)))
        return {str(document_id): str(name) for document_id, name in self._session.execute(query).tuples()}

    def many_in_datasets(self, dataset_ids: Collection[str], document_ids: Collection[str]) -> list[Document]:
        """Those of ``document_ids`` that belong to one of the datasets."""
        if not document_ids or not dataset_ids:
            return []
        query = select(Document).where(Document.dataset_id.in_(list(dataset_ids)), Document.id.in_(list(document_ids)))
        return list(self._session.scalars(query))

    def metadata_of_dataset(self, dataset_id: str) -> list[tuple[str, dict[str, Any]]]:
        """``(id, meta_fields)`` of every document of the dataset (for metadata filters)."""
        query = select(Document.id, Document.meta_fields).where(Document.dataset_id == dataset_id)
        return [(document_id, meta or {}) for document_id, meta in self._session.execute(query)]

    def page(self, query: DocumentQuery) -> tuple[list[Document], int]:
        """One page of documents and the number matching before paging."""
        statement = select(Document).where(Document.dataset_id == query.dataset_id)
        if query.document_id is not None:
            statement = statement.where(Document.id == query.document_id)
        if query.name is not None:
            statement = statement.where(Document.name == query.name)
        if query.name_contains:
            statement = statement.where(
                func.lower(Document.name).contains(query.name_contains.lower(), autoescape=True)
            )
        if query.only_ids is not None:
            statement = statement.where(Document.id.in_(sorted(query.only_ids)))
        if query.suffixes:
            statement = statement.where(Document.suffix.in_(query.suffixes))
        if query.types:
            statement = statement.where(Document.type.in_(query.types))
        if query.runs:
            statement = statement.where(Document.run.in_(query.runs))
        if query.create_time_from:
            statement = statement.where(Document.create_time >= query.create_time_from)
        if query.create_time_to:
            statement = statement.where(Document.create_time <= query.create_time_to)
        total = self._session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        column = getattr(Document, query.orderby)
        statement = statement.order_by(column.desc() if query.desc else column.asc(), Document.id)
        statement = statement.offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement)), total

    def all_locations(self) -> set[str]:
        return set(self._session.scalars(select(Document.location)))

    def set_fields(self, document_id: str, values: dict[str, Any]) -> None:
        self._session.execute(update(Document).where(Document.id == document_id).values(**values))

    def delete(self, document_ids: Collection[str]) -> int:
        if not document_ids:
            return 0
        result = self._session.execute(delete(Document).where(Document.id.in_(list(document_ids))))
        return int(result.rowcount)  # type: ignore[attr-defined]

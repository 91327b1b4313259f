"""Documents' metadata across a dataset: summary, flattened view, bulk edit, and a document's
own auto-metadata config (contract §13.2, §13.3).

Bulk edits choose their documents with a selector: ``document_ids`` (each must belong to the
dataset) and a ``metadata_condition`` (§7.2). With both, the documents named that satisfy the
condition; with a condition alone, every document of the dataset that satisfies it (as
RAGFlow's reference describes; v0.26 changes nothing then); with neither, nothing. See
:mod:`ragloom.services.metadata_edits` for what updates and deletes do.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, DataError
from ragloom.services.dataset_access import owned_dataset, owned_datasets
from ragloom.services.metadata_edits import MetadataDelete, MetadataUpdate, edited, flattened, summary
from ragloom.services.metadata_filter import matching_ids
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.tables import Document


def dataset_not_owned(dataset_id: str, *, trailing_space: bool = True) -> DataError:
    """RAGFlow's refusal on the metadata routes (the ``PATCH …/metadatas`` twin has no trailing space)."""
    return DataError(f"You don't own the dataset {dataset_id}." + (" " if trailing_space else ""))


@dataclass(frozen=True)
class MetadataEdit:
    """A validated bulk edit: which documents, then what to change."""

    document_ids: list[str] = field(default_factory=list)
    metadata_condition: dict[str, Any] | None = None
    updates: list[MetadataUpdate] = field(default_factory=list)
    deletes: list[MetadataDelete] = field(default_factory=list)


@dataclass(frozen=True)
class EditOutcome:
    """How many documents changed, of how many the selector chose."""

    updated: int
    matched: int


class DocumentMetadataService:
    """Metadata of the documents of the caller's datasets."""

    def __init__(self, store: MetadataStore) -> None:
        self._store = store

    def require_dataset(self, caller: Caller, dataset_id: str, refusal: DataError) -> None:
        """Raise ``refusal`` unless the dataset is the caller's."""
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, refusal)

    def summary(self, caller: Caller, dataset_id: str, document_ids: Collection[str] | None) -> dict[str, Any]:
        """Each metadata key's kind and value counts over the dataset's documents (or those named)."""
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, dataset_not_owned(dataset_id))
            metas = tx.documents.metadata_of_dataset(dataset_id)
        if document_ids is not None:
            wanted = set(document_ids)
            metas = [(document_id, meta) for document_id, meta in metas if document_id in wanted]
        return summary(meta for _document_id, meta in metas)

    def flattened(self, caller: Caller, dataset_ids: Collection[str]) -> dict[str, dict[str, list[str]]]:
        """Per metadata key and value, the documents holding it, over several of the caller's datasets."""
        with self._store.reading() as tx:
            wanted = owned_datasets(tx, caller, dataset_ids)
            metas = [pair for dataset_id in wanted for pair in tx.documents.metadata_of_dataset(dataset_id)]
        return flattened(metas)

    def edit(self, caller: Caller, dataset_id: str, edit: MetadataEdit, refusal: DataError) -> EditOutcome:
        """Apply a bulk edit to the documents its selector chooses; all in one transaction."""
        with self._store.writing() as tx:
            owned_dataset(tx, caller, dataset_id, refusal)
            targets = self._targets(tx, dataset_id, edit)
            chosen = set(targets)
            # Named documents are bounded by the request's limits; a condition may choose thousands,
            # more than one ``IN (...)`` can bind, so those are read with the rest of the dataset.
            candidates = (
                tx.documents.many_in_dataset(dataset_id, targets)
                if edit.document_ids
                else tx.documents.of_dataset(dataset_id)
            )
            updated = 0
            now = now_ms()
            for document in (candidate for candidate in candidates if candidate.id in chosen):
                changed = edited(document.meta_fields or {}, edit.updates, edit.deletes)
                if changed is not None:
                    document.meta_fields, document.update_time = changed, now
                    updated += 1
        return EditOutcome(updated=updated, matched=len(targets))

    @staticmethod
    def _targets(tx: Transaction, dataset_id: str, edit: MetadataEdit) -> list[str]:
        named = list(dict.fromkeys(edit.document_ids))
        if named:
            present = {document.id for document in tx.documents.many_in_dataset(dataset_id, named)}
            foreign = [document_id for document_id in named if document_id not in present]
            if foreign:
                raise DataError(f"These documents do not belong to dataset {dataset_id}: {', '.join(foreign)}")
        condition = edit.metadata_condition
        if not (condition and condition.get("conditions")):
            return named
        matched = matching_ids(tx.documents.metadata_of_dataset(dataset_id), condition)
        if named:
            return [document_id for document_id in named if document_id in matched]
        return sorted(matched)

    def set_document_config(
        self, caller: Caller, dataset_id: str, document_id: str, metadata: list[Any] | dict[str, Any] | None
    ) -> Document:
        """Store the auto-metadata fields one document is parsed with (its ``parser_config.metadata``)."""
        with self._store.writing() as tx:
            owned_dataset(tx, caller, dataset_id, DataError("You don't own the dataset."))
            document = tx.documents.in_dataset(dataset_id, document_id)
            if document is None:
                raise DataError(f"Document {document_id} not found in dataset {dataset_id}")
            if metadata is None:
                raise ArgumentError("metadata is required")
            document.parser_config = {**(document.parser_config or {}), "metadata": metadata}
            document.update_time = now_ms()
        return document

"""Bulk metadata requests (contract §13.2), checked in RAGFlow's order with its messages, and
a document under RAGFlow's internal names (what the document metadata config route answers)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

from ragloom.api.bodies import validate, worded
from ragloom.api.schemas.documents import document_patch_item
from ragloom.api.schemas.ids import LIST_DESCRIPTION, id_list
from ragloom.api.schemas.loose import LooseModel, QueryModel, Sent, WordedModel
from ragloom.errors import RetCode
from ragloom.services.document_metadata import MetadataEdit
from ragloom.services.metadata_edits import MetadataDelete, MetadataUpdate, MetaScalar, MetaValue
from ragloom.storage.metadata.tables import Document


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class UpdateItem(_Item):
    key: str
    value: MetaValue
    match: MetaScalar | None = None


class DeleteItem(_Item):
    key: str
    value: MetaScalar | None = None


class Selector(_Item):
    document_ids: list[str] = Field(default_factory=list)
    metadata_condition: dict[str, Any] = Field(default_factory=dict)


class MetadataEditRequest(WordedModel):
    """``{"selector": {"document_ids", "metadata_condition"}, "updates": [...], "deletes": [...]}``,
    checked in RAGFlow's order and words."""

    selector: Selector
    updates: list[UpdateItem]
    deletes: list[DeleteItem]

    @model_validator(mode="before")
    @classmethod
    def _ragflow_checks(cls, data: Any) -> Any:
        body = data if isinstance(data, dict) else {}
        selector = body.get("selector") or {}
        updates = body.get("updates") or []
        deletes = body.get("deletes") or []
        if not isinstance(selector, dict):
            raise worded("selector must be an object.")
        if not isinstance(updates, list) or not isinstance(deletes, list):
            raise worded("updates and deletes must be lists.")
        condition = selector.get("metadata_condition") or {}
        if not isinstance(condition, dict):
            raise worded("metadata_condition must be an object.")
        document_ids = selector.get("document_ids") or []
        if not isinstance(document_ids, list):
            raise worded("document_ids must be a list.")
        if any(not isinstance(item, dict) or not item.get("key") or "value" not in item for item in updates):
            raise worded("Each update requires key and value.")
        if any(not isinstance(item, dict) or not item.get("key") for item in deletes):
            raise worded("Each delete requires key.")
        selected = {"document_ids": document_ids, "metadata_condition": condition}
        return {"selector": selected, "updates": updates, "deletes": deletes}

    def edit(self) -> MetadataEdit:
        return MetadataEdit(
            document_ids=self.selector.document_ids,
            metadata_condition=self.selector.metadata_condition or None,
            updates=[
                MetadataUpdate(item.key, item.value, item.match, match_given="match" in item.model_fields_set)
                for item in self.updates
            ],
            deletes=[MetadataDelete(item.key, item.value) for item in self.deletes],
        )


class MetadataEditBody(LooseModel):
    """``POST …/metadata/update`` and ``PATCH …/documents/metadatas``: which documents (by id
    and/or a metadata condition; none: all of the dataset's), the keys to set and to delete.
    RAGFlow checks the body after the dataset, so :meth:`edit` checks it when the route asks."""

    selector: Sent[Selector] = Field(None, description="`document_ids` and/or a `metadata_condition`.")
    updates: Sent[list[UpdateItem]] = Field(None, description="`key` and `value`; `match`: only where it holds.")
    deletes: Sent[list[DeleteItem]] = Field(None, description="`key`; `value`: only that value of a list.")

    def edit(self) -> MetadataEdit:
        """The edit, or RAGFlow's refusal of the body (code 102)."""
        return validate(MetadataEditRequest, self.given()).edit()


class MetadataEditOut(TypedDict):
    """How many documents changed, of how many the selector matched."""

    updated: int
    matched_docs: int


class DocumentMetadataConfigRequest(WordedModel):
    """``{"metadata": [...] | {...}}``: a missing ``metadata`` is refused by the service, after
    the dataset and document are checked (RAGFlow's order)."""

    metadata: list[Any] | dict[str, Any] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, data: Any) -> Any:
        metadata = data.get("metadata") if isinstance(data, dict) else None
        if metadata is not None and not isinstance(metadata, list | dict):
            raise worded("metadata must be a list or an object", RetCode.ARGUMENT_ERROR)
        return {"metadata": metadata}


class MetadataSummaryQuery(QueryModel):
    """``GET …/metadata/summary``: only these documents' metadata."""

    doc_ids: Sent[list[str]] = Field(None, description=LIST_DESCRIPTION)

    def document_ids(self) -> list[str] | None:
        return id_list(self.given().get("doc_ids")) or None


_INTERNAL_NAMES = {
    "dataset_id": "kb_id",
    "chunk_method": "parser_id",
    "chunk_count": "chunk_num",
    "token_count": "token_num",
}


def document_row(document: Document) -> dict[str, Any]:
    """A document as its stored row (RAGFlow's ``Document.to_dict()``: internal names, the run digit)."""
    row = {_INTERNAL_NAMES.get(key, key): value for key, value in document_patch_item(document).items()}
    row["run"] = document.run
    return row

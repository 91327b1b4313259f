"""Document requests (contract §4) and the document as each route returns it (§2.2)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from ragloom.api.bodies import validate, validation_message
from ragloom.api.json_input import decode_json
from ragloom.api.params import page_and_size, query_int, sane_page
from ragloom.api.schemas.ids import DocumentIdsQuery, refuse_duplicates
from ragloom.api.schemas.loose import Sent, SortedPageQuery
from ragloom.api.schemas.parser_config import ParserConfig, StrictModel
from ragloom.clock import http_date
from ragloom.errors import DataError
from ragloom.services.documents import DocumentListing, DocumentView, run_word
from ragloom.services.page_images import DEFAULT_WIDTH, MAX_SIDE, MAX_WIDTH, MIN_WIDTH
from ragloom.services.parser_config import DOCUMENT_CHUNK_METHODS
from ragloom.settings import LimitSettings
from ragloom.storage.metadata.tables import Document

_META_SCALARS = (str, int, float)
_ABSENT: Any = None


class UpdateDocumentRequest(BaseModel):
    """``PATCH /datasets/{ds}/documents/{doc}``: unknown keys ignored, known keys strict."""

    model_config = ConfigDict(extra="ignore", strict=True)

    # Defaults are never validated: an absent key stays unset, an explicit null fails the type.
    name: str = _ABSENT
    display_name: Annotated[
        str, Field(description="The SDK reference's name for `name` (`Document.update({'display_name': …})`).")
    ] = _ABSENT
    chunk_method: Annotated[str, Field(json_schema_extra={"enum": list(DOCUMENT_CHUNK_METHODS)})] = _ABSENT
    pipeline_id: str = _ABSENT
    enabled: Annotated[int, Field(ge=0, le=1)] = _ABSENT
    chunk_count: Annotated[int, Field(ge=0)] = _ABSENT
    token_count: Annotated[int, Field(ge=0)] = _ABSENT
    progress: Annotated[float, Field(ge=0.0, le=1.0)] = _ABSENT
    parser_config: ParserConfig = _ABSENT
    meta_fields: dict[str, Any] = _ABSENT

    @classmethod
    def refusal(cls, error: ValidationError) -> DataError:
        """RAGFlow words these like the strict routes' problems, but as code 102."""
        return DataError(validation_message(error))

    def changes(self) -> dict[str, Any]:
        """The sent keys; ``display_name`` renames the document unless ``name`` is sent too."""
        values = self.model_dump(exclude_unset=True)
        display_name = values.pop("display_name", None)
        if display_name is not None:
            values.setdefault("name", display_name)
        return values

    @field_validator("chunk_method")
    @classmethod
    def _chunk_method(cls, value: str) -> str:
        if value and value not in DOCUMENT_CHUNK_METHODS:
            raise PydanticCustomError("invalid_chunk_method", "`chunk_method` {value} doesn't exist", {"value": value})
        return value

    @field_validator("meta_fields")
    @classmethod
    def _meta_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        for item in value.values():
            if isinstance(item, list):
                if any(not isinstance(element, _META_SCALARS) for element in item):
                    raise PydanticCustomError("meta_type", "The type is not supported in list: {item}", {"item": item})
            elif not isinstance(item, _META_SCALARS):
                raise PydanticCustomError("meta_type", "The type is not supported: {item}", {"item": item})
        return value


class DeleteDocumentsRequest(StrictModel):
    """``DELETE /datasets/{ds}/documents``: ids are not UUID-checked but must be distinct."""

    ids: list[str] | None = None
    delete_all: bool = False

    @field_validator("ids")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return refuse_duplicates(value) if value else value


class PageImageQuery(BaseModel):
    """``GET /datasets/{ds}/documents/{doc}/pages/{page}`` (ragloom's own): the picture's width
    (lax types, unknown keys rejected)."""

    model_config = ConfigDict(extra="forbid")

    width: Annotated[
        int,
        Field(
            ge=MIN_WIDTH,
            le=MAX_WIDTH,
            description=f"Pixels; less when the page is so tall that its height would pass {MAX_SIDE}.",
        ),
    ] = DEFAULT_WIDTH


class ListDocumentsQuery(SortedPageQuery):
    """``GET /datasets/{id}/documents`` (§4.2). A page or page size of 0 or less is the
    default one (RAGFlow lists every document, bypassing the 100-row cap). Lists may also be
    sent as ``key[]``."""

    id: Sent[str] = None
    ids: Sent[list[str]] = Field(None, description="At most 100 distinct document ids.")
    ids_brackets: Sent[list[str]] = Field(None, alias="ids[]")
    name: Sent[str] = None
    keywords: Sent[str] = None
    suffix: Sent[list[str]] = None
    suffix_brackets: Sent[list[str]] = Field(None, alias="suffix[]")
    types: Sent[list[str]] = None
    types_brackets: Sent[list[str]] = Field(None, alias="types[]")
    run: Sent[list[str]] = Field(None, description="UNSTART, RUNNING, CANCEL, DONE, FAIL (or 0-4).")
    run_brackets: Sent[list[str]] = Field(None, alias="run[]")
    run_status: Sent[list[str]] = None
    run_status_brackets: Sent[list[str]] = Field(None, alias="run_status[]")
    create_time_from: Sent[int] = Field(None, description="Epoch milliseconds.")
    create_time_to: Sent[int] = Field(None, description="Epoch milliseconds.")
    metadata_condition: Sent[str] = Field(None, description="A JSON object: a metadata condition.")
    metadata: Sent[str] = Field(None, description="A JSON object: metadata values to match.")
    return_empty_metadata: Sent[bool] = None
    type: Sent[Literal["filter"]] = Field(None, description="`filter`: counts per filter value instead of a page.")

    def aggregate(self) -> bool:
        return self.given().get("type") == "filter"

    def listing(self, limits: LimitSettings) -> DocumentListing:
        """The listing RAGFlow reads from these keys."""
        params = self.given()
        page, page_size = sane_page(*page_and_size(params))
        return DocumentListing(
            document_id=params.get("id") or None,
            document_ids=tuple(validate(DocumentIdsQuery, {"ids": list(_many(params, "ids", "ids[]"))}).ids),
            name=params.get("name") or None,
            keywords=params.get("keywords") or None,
            suffixes=_many(params, "suffix", "suffix[]"),
            types=_many(params, "types", "types[]"),
            runs=_many(params, "run", "run[]", "run_status", "run_status[]"),
            create_time_from=query_int(params, "create_time_from", 0),
            create_time_to=query_int(params, "create_time_to", 0),
            metadata_condition=_json_parameter(params, "metadata_condition", limits),
            metadata=_json_parameter(params, "metadata", limits),
            return_empty_metadata=str(params.get("return_empty_metadata", "")).lower() == "true",
            page=page,
            page_size=page_size,
            orderby=self.orderby_or("create_time"),
            desc=self.descending(),
        )


def _many(params: Mapping[str, Any], *keys: str) -> tuple[str, ...]:
    return tuple(value for key in keys for value in params.get(key) or () if value != "")


def _json_parameter(params: Mapping[str, Any], key: str, limits: LimitSettings) -> str | None:
    """A query-string value holding JSON, refused if its shape is beyond the limits; JSON
    that is malformed is passed on, for the service to word as RAGFlow does."""
    raw = params.get(key) or None
    if raw is not None:
        with contextlib.suppress(ValueError):
            decode_json(raw, limits)
    return raw


def _thumbnail(document: Document) -> str:
    thumbnail = document.thumbnail
    if thumbnail and not thumbnail.startswith("data:image/png;base64,"):
        return f"/api/v1/documents/images/{document.dataset_id}-{thumbnail}"
    return thumbnail


def _stored_columns(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "name": document.name,
        "type": document.type,
        "suffix": document.suffix,
        "size": document.size,
        "dataset_id": document.dataset_id,
        "chunk_method": document.chunk_method,
        "pipeline_id": document.pipeline_id,
        "parser_config": document.parser_config,
        "source_type": document.source_type.split("/", 1)[0],
        "created_by": document.created_by,
        "location": document.location,
        "thumbnail": document.thumbnail,
        "token_count": document.token_count,
        "chunk_count": document.chunk_count,
        "progress": document.progress,
        "progress_msg": document.progress_msg,
        "process_begin_at": http_date(document.process_begin_at),
        "process_duration": document.process_duration,
        "run": run_word(document.run),
        "status": document.status,
        "create_time": document.create_time,
        "create_date": http_date(document.create_time),
        "update_time": document.update_time,
        "update_date": http_date(document.update_time),
    }


def document_list_item(view: DocumentView) -> dict[str, Any]:
    """A ``GET …/documents`` item."""
    document = view.record
    return {
        **_stored_columns(document),
        "thumbnail": _thumbnail(document),
        "pipeline_name": None,
        "nickname": view.creator.name if view.creator else "",
        "meta_fields": document.meta_fields or {},
    }


def document_patch_item(document: Document) -> dict[str, Any]:
    """The ``PATCH`` answer: stored columns, ``content_hash`` and the metadata."""
    return {**_stored_columns(document), "content_hash": document.content_hash, "meta_fields": document.meta_fields}


def document_upload_item(document: Document) -> dict[str, Any]:
    """An upload answer item: the freshly inserted row, nothing computed."""
    return {
        "id": document.id,
        "dataset_id": document.dataset_id,
        "chunk_method": document.chunk_method,
        "pipeline_id": document.pipeline_id,
        "parser_config": document.parser_config,
        "created_by": document.created_by,
        "type": document.type,
        "name": document.name,
        "source_type": document.source_type,
        "suffix": document.suffix,
        "location": document.location,
        "size": document.size,
        "thumbnail": document.thumbnail,
        "content_hash": document.content_hash,
        "run": run_word(document.run),
    }


def document_raw_item(document: Document) -> dict[str, Any]:
    """An upload answer item under RAGFlow's internal names (``return_raw_files=true``)."""
    item = document_upload_item(document)
    item["kb_id"] = item.pop("dataset_id")
    item["parser_id"] = item.pop("chunk_method")
    item["run"] = document.run
    return item

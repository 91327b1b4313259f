"""Chunk requests and shapes (§2.3, §6). The requests are loose: each key is checked in
RAGFlow's order with RAGFlow's words (its messages are not pydantic's)."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from typing import Any

from pydantic import Field

from ragloom.api.schemas.loose import CheckedBody, LooseModel, PageQuery, RequestContext, Sent
from ragloom.errors import ArgumentError, DataError, RagloomError, RetCode
from ragloom.services.chunks import ChunkChanges, NewChunk, chunk_time
from ragloom.settings import LimitSettings
from ragloom.storage.index import ChunkRecord


def _content(body: dict[str, Any], limits: LimitSettings) -> str:
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise DataError("`content` is required")
    if len(content) > limits.max_chunk_content:
        # Analysing and indexing text costs CPU in proportion to its length (a 10 MB chunk: 20-30 s).
        raise ArgumentError(f"`content` is longer than the limit of {limits.max_chunk_content} characters.")
    return content


def _within_limits(key: str, items: list[str], limits: LimitSettings) -> list[str]:
    if len(items) > limits.max_chunk_list_items:
        raise ArgumentError(f"`{key}` has more than the limit of {limits.max_chunk_list_items} items.")
    if any(len(item) > limits.max_string_length for item in items):
        raise ArgumentError(f"An item of `{key}` is longer than the limit of {limits.max_string_length} characters.")
    return list(items)


def _strings(body: dict[str, Any], key: str, limits: LimitSettings, *, required_message: str) -> list[str]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(required_message)
    for item in value:
        if not isinstance(item, str):
            # RAGFlow joins the list and reports Python's TypeError as an exception (code 100)
            error = TypeError(f"sequence item {value.index(item)}: expected str instance, {type(item).__name__} found")
            raise RagloomError(repr(error), code=RetCode.EXCEPTION_ERROR)
    return _within_limits(key, value, limits)


def _tag_keywords(body: dict[str, Any], limits: LimitSettings, not_list: str) -> list[str] | None:
    if "tag_kwd" not in body or body["tag_kwd"] is None:
        return None
    value = body["tag_kwd"]
    if not isinstance(value, list):
        raise DataError(not_list)
    if not all(isinstance(item, str) for item in value):
        raise DataError("`tag_kwd` must be a list of strings")
    return _within_limits("tag_kwd", value, limits)


def _tag_features(body: dict[str, Any]) -> dict[str, float] | None:
    value = body.get("tag_feas")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DataError("`tag_feas` must be an object mapping tags to weights")
    features: dict[str, float] = {}
    for tag, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise DataError(f"`tag_feas` weight of {tag!r} must be a number")
        features[str(tag)] = float(weight)
    return features


def _image(body: dict[str, Any]) -> bytes | None:
    if "image_base64" not in body:
        return None
    value = body["image_base64"]
    if not isinstance(value, str) or not value.strip():
        raise DataError("`image_base64` must be a non-empty string")
    payload = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise DataError("Invalid `image_base64`") from None
    if not data:
        raise DataError("`image_base64` is empty")
    return data


def new_chunk(body: dict[str, Any], limits: LimitSettings) -> NewChunk:
    """An add request (§6.3), or the first error in RAGFlow's order; text beyond ``limits`` is a 101."""
    content = _content(body, limits)
    keywords = _strings(
        body, "important_keywords", limits, required_message="`important_keywords` is required to be a list"
    )
    questions = _strings(body, "questions", limits, required_message="`questions` is required to be a list")
    tags = _tag_keywords(body, limits, "`tag_kwd` is required to be a list") or []
    return NewChunk(
        content=content,
        important_keywords=keywords,
        questions=questions,
        tag_keywords=tags,
        tag_features=_tag_features(body) or {},
        image=_image(body),
    )


def _available(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    try:
        return bool(int(value))
    except (TypeError, ValueError) as error:
        raise RagloomError(repr(error), code=RetCode.EXCEPTION_ERROR) from None


def chunk_changes(body: dict[str, Any], limits: LimitSettings) -> ChunkChanges:
    """An update request (§6.5): only the keys sent; text beyond ``limits`` is a 101."""
    changes = ChunkChanges()
    if "content" in body:
        changes.content = _content(body, limits)
    if "important_keywords" in body:
        changes.important_keywords = _strings(
            body, "important_keywords", limits, required_message="`important_keywords` should be a list"
        )
    if "questions" in body:
        changes.questions = _strings(body, "questions", limits, required_message="`questions` should be a list")
    if "positions" in body:
        positions = body["positions"]
        if not isinstance(positions, list):
            raise DataError("`positions` should be a list")
        if not all(isinstance(p, list) and len(p) == 5 and all(isinstance(n, int) for n in p) for p in positions):
            raise DataError("`positions` must be a list of [page, x0, x1, top, bottom] integer lists")
        changes.positions = positions
    changes.tag_keywords = _tag_keywords(body, limits, "`tag_kwd` should be a list")
    changes.tag_features = _tag_features(body)
    if "available" in body:
        changes.available = _available(body["available"])
    changes.image = _image(body)
    return changes


class ChunkFields(LooseModel):
    """What a chunk request may send."""

    content: Sent[str] = Field(None, json_schema_extra={"minLength": 1})
    important_keywords: Sent[list[str]] = None
    questions: Sent[list[str]] = None
    tag_kwd: Sent[list[str]] = None
    tag_feas: Sent[dict[str, float]] = Field(None, description="Tags with their weights.")
    image_base64: Sent[str] = Field(None, description="An image, base64 (optionally as a data: URL).")


class NewChunkRequest(ChunkFields, CheckedBody[NewChunk]):
    """``POST …/chunks``: add a chunk."""

    required_keys = ("content",)

    def check(self, body: dict[str, Any], context: RequestContext) -> NewChunk:
        return new_chunk(body, context.limits)


class ChunkUpdateRequest(ChunkFields, CheckedBody[ChunkChanges]):
    """``PATCH …/chunks/{id}``: only the keys sent change."""

    positions: Sent[list[list[int]]] = Field(None, description="[page, x0, x1, top, bottom] per place.")
    available: Sent[bool] = None

    def check(self, body: dict[str, Any], context: RequestContext) -> ChunkChanges:
        return chunk_changes(body, context.limits)


class DeleteChunksRequest(CheckedBody[list[str]]):
    """``DELETE …/chunks``: the listed chunks, or every chunk of the document with ``delete_all``."""

    chunk_ids: Sent[list[str]] = None
    delete_all: Sent[bool] = None

    def check(self, body: dict[str, Any], _context: RequestContext) -> list[str]:
        ids = body.get("chunk_ids") or []
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            raise DataError("`chunk_ids` must be a list of chunk ids")
        return ids

    def everything(self) -> bool:
        return self.given().get("delete_all") is True

    def duplicates(self) -> list[str]:
        return [item for item, count in Counter(self.checked).items() if count > 1]


class ChunkAvailabilityRequest(CheckedBody[bool]):
    """``PATCH …/chunks``: switch chunks on (``checked``) or off, by ``available_int`` (0/1) or ``available``."""

    required_keys = ("chunk_ids",)

    chunk_ids: Sent[list[str]] = None
    available_int: Sent[int] = None
    available: Sent[bool] = None

    def check(self, body: dict[str, Any], _context: RequestContext) -> bool:
        ids = body.get("chunk_ids")
        if not ids or not isinstance(ids, list):
            raise DataError("`chunk_ids` is required.")
        if "available_int" in body:
            return body["available_int"] in (1, True, "1")
        if "available" in body:
            return body["available"] in (True, 1, "true", "True", "1")
        raise DataError("`available_int` or `available` is required.")

    def ids(self) -> list[str]:
        return [str(item) for item in self.given()["chunk_ids"]]


class ListChunksQuery(PageQuery):
    """``GET …/chunks``: a page of a document's chunks, or one chunk by ``id``."""

    keywords: Sent[str] = None
    id: Sent[str] = None
    available: Sent[bool] = None

    def available_filter(self) -> bool | None:
        value = self.given().get("available")
        return None if value is None else str(value).lower() == "true"


def chunk_list_item(record: ChunkRecord, *, single: bool = False) -> dict[str, Any]:
    """A chunk in a document's chunk list (§2.3a)."""
    item = {
        "id": record.id,
        "content": record.content,
        "document_id": record.document_id,
        "docnm_kwd": record.document_name,
        "important_keywords": record.important_keywords,
        "tag_kwd": record.tag_keywords,
        "questions": record.questions,
        "dataset_id": record.dataset_id,
        "image_id": record.image_id,
        "available": record.available,
        "positions": record.positions,
    }
    if single:
        item["tag_feas"] = record.tag_features
    return item


def chunk_added(record: ChunkRecord, *, tags_sent: bool) -> dict[str, Any]:
    """The add answer (§2.3b): only keys that are present."""
    item: dict[str, Any] = {
        "id": record.id,
        "content": record.content,
        "document_id": record.document_id,
        "important_keywords": record.important_keywords,
        "questions": record.questions,
        "dataset_id": record.dataset_id,
        "create_timestamp": record.created_at,
        "create_time": chunk_time(record.created_at),
    }
    if tags_sent:
        item["tag_kwd"] = record.tag_keywords
    if record.image_id:
        item["image_id"] = record.image_id
    return item

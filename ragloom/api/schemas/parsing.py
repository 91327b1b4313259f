"""Requests that start or stop parsing (contract §5)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from ragloom.api.schemas.loose import CheckedBody, RequestContext, Sent
from ragloom.errors import DataError


class ParseRequest(CheckedBody[list[str]]):
    """The documents to start or stop parsing (``checked``: their ids)."""

    required_keys = ("document_ids",)

    document_ids: Sent[list[str]] = Field(None, json_schema_extra={"minItems": 1})

    def check(self, body: dict[str, Any], _context: RequestContext) -> list[str]:
        ids = body.get("document_ids")
        if not ids:
            raise DataError("`document_ids` is required")
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            raise DataError("`document_ids` must be a list of document ids")
        return ids


class NewerParseRequest(ParseRequest):
    """The newer routes refuse an empty body before looking at its keys."""

    @model_validator(mode="before")
    @classmethod
    def _not_empty(cls, body: Any) -> Any:
        if not body:
            raise DataError("Request body is required")
        return body

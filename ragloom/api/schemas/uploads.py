"""An upload request (contract §4.1): its query string, its multipart form, or the name of an
empty document (``type=empty``)."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, PrivateAttr, ValidationInfo, model_validator
from starlette.datastructures import UploadFile

from ragloom.api.bodies import validate
from ragloom.api.json_input import decode_json
from ragloom.api.schemas.loose import LooseModel, QueryModel, Sent, request_context
from ragloom.api.schemas.parser_config import ParserConfig
from ragloom.errors import ArgumentError

UPLOAD_OVERRIDES = ("table_column_mode", "table_column_roles")


class UploadQuery(QueryModel):
    """``POST /datasets/{id}/documents`` query."""

    type: Sent[Literal["local", "web", "empty"]] = Field(
        None, description="`local` (default): files in a multipart form; `empty`: one empty document named in JSON."
    )
    return_raw_files: Sent[bool] = Field(None, description="Answer with RAGFlow's internal field names.")

    def kind(self) -> str:
        """``local``, ``web`` or ``empty``, or RAGFlow's refusal."""
        kind = str(self.given().get("type", "local")).lower()
        if kind not in {"local", "web", "empty"}:
            raise ArgumentError('`type` must be one of "local", "web", or "empty".')
        return kind

    def raw(self) -> bool:
        return str(self.given().get("return_raw_files", "")).lower() == "true"


class EmptyDocumentRequest(LooseModel):
    """``type=empty``: the name of the document to create with no content."""

    name: Sent[str] = None

    def document_name(self) -> str:
        name = self.given().get("name")
        return name if isinstance(name, str) else ""


class UploadForm(LooseModel):
    """The multipart form of an upload: one ``file`` part per file, and optionally
    ``parser_config``, a JSON object of which ``table_column_mode`` and ``table_column_roles``
    apply to these files."""

    required_keys = ("file",)

    file: Sent[list[bytes]] = None
    parser_config: Sent[str] = Field(None, description="A JSON object.")

    _files: list[UploadFile] = PrivateAttr(default_factory=list)
    _overrides: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> Self:
        given = self.given()
        parts = [part for part in given.get("file") or [] if isinstance(part, UploadFile)]
        if not parts:
            raise ArgumentError("No file part!")
        if any(not part.filename for part in parts):
            raise ArgumentError("No file selected!")
        self._files = parts
        self._overrides = _overrides(given.get("parser_config"), info)
        return self

    @property
    def files(self) -> list[UploadFile]:
        return self._files

    @property
    def overrides(self) -> dict[str, Any]:
        """The parser settings the form gives these files."""
        return self._overrides


def _overrides(raw: Any, info: ValidationInfo) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        given = decode_json(raw, request_context(info).limits)
    except ValueError:
        raise ArgumentError("parser_config must be a JSON object") from None
    if not isinstance(given, dict):
        raise ArgumentError("parser_config must be a JSON object")
    chosen = {key: given[key] for key in UPLOAD_OVERRIDES if key in given}
    return validate(ParserConfig, chosen).model_dump(include=set(chosen))

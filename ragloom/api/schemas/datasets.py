"""Dataset requests (strict, contract §3) and the dataset as the API shows it (§2.1)."""

from __future__ import annotations

import contextlib
import string
from typing import Annotated, Any, ClassVar, Literal, NotRequired

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict  # pydantic reads typing's own only from Python 3.12

from ragloom.api.json_input import decode_json
from ragloom.api.schemas.ids import FilterIds, refuse_duplicates
from ragloom.api.schemas.loose import request_context
from ragloom.api.schemas.parser_config import AutoMetadataConfig, DatasetParserConfig, StrictModel
from ragloom.clock import http_date
from ragloom.ids import parse_uuid
from ragloom.integers import MAX_PAGE
from ragloom.services.datasets import DatasetListing, DatasetView
from ragloom.services.parser_config import DATASET_CHUNK_METHODS

DATASET_NAME_LIMIT = 128
MODEL_ID_PATTERN = r"^\S[^@]*@\S.*$"
_CHUNK_METHOD_MESSAGE = (
    "Input should be "
    + ", ".join(f"'{m}'" for m in DATASET_CHUNK_METHODS[:-1])
    + (f" or '{DATASET_CHUNK_METHODS[-1]}'")
)
_AVATAR_MIME_TYPES = ["image/jpeg", "image/png"]

DatasetName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DATASET_NAME_LIMIT)]


def uuid1_hex(value: Any) -> str:
    """A dataset id as RAGFlow validates it."""
    parsed = parse_uuid(value)
    if parsed is None:
        raise PydanticCustomError("invalid_UUID1_format", "Invalid UUID1 format")
    if parsed.version != 1:
        raise PydanticCustomError("invalid_UUID1_format", "Must be a UUID1 format")
    return parsed.hex


def distinct_dataset_ids(values: list[str]) -> list[str]:
    """Dataset ids as RAGFlow validates a list of them: each a UUID1, none repeated."""
    return refuse_duplicates([uuid1_hex(item) for item in values])


class DatasetFields(StrictModel):
    """Fields shared by create and update. Keys of ``ext`` that name a field are read as that
    field when it is not sent itself (RAGFlow's SDK sends some settings there)."""

    avatar: Annotated[str | None, Field(max_length=65535)] = None
    description: Annotated[str | None, Field(max_length=65535)] = None
    embedding_model: Annotated[
        str | None,
        Field(
            max_length=255,
            description="`<model_name>@<provider>`; null: the tenant's default.",
            json_schema_extra={"pattern": MODEL_ID_PATTERN, "examples": ["multilingual-e5-small@Builtin"]},
        ),
    ] = None
    permission: Literal["me", "team"] = "me"
    chunk_method: Annotated[str | None, Field(json_schema_extra={"enum": list(DATASET_CHUNK_METHODS)})] = None
    parser_config: DatasetParserConfig | None = None
    parse_type: Annotated[int | None, Field(ge=0, le=64)] = None
    pipeline_id: str | None = None
    auto_metadata_config: AutoMetadataConfig | None = None
    ext: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _lift_ext(cls, body: Any) -> Any:
        extra = body.get("ext") if isinstance(body, dict) else None
        if not isinstance(extra, dict):
            return body
        lifted = dict(body)
        for key, value in extra.items():
            if key in cls.model_fields and key not in lifted and key not in {"ext", "dataset_id"}:
                lifted[key] = value
        return lifted

    @field_validator("avatar")
    @classmethod
    def _avatar(cls, value: str | None) -> str | None:
        if not value:
            return value
        if "," not in value:
            raise PydanticCustomError(
                "format_invalid", "Missing MIME prefix. Expected format: data:<mime>;base64,<data>"
            )
        prefix = value.split(",", 1)[0]
        if not prefix.startswith("data:"):
            raise PydanticCustomError("format_invalid", "Invalid MIME prefix format. Must start with 'data:'")
        if prefix[5:].split(";")[0] not in _AVATAR_MIME_TYPES:
            raise PydanticCustomError("format_invalid", f"Unsupported MIME type. Allowed: {_AVATAR_MIME_TYPES}")
        return value

    @field_validator("embedding_model", mode="before")
    @classmethod
    def _strip_model(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("embedding_model")
    @classmethod
    def _model_format(cls, value: str | None) -> str | None:
        if not value:
            return value
        if "@" not in value:
            raise PydanticCustomError(
                "format_invalid", "Embedding model identifier must follow <model_name>@<provider> format"
            )
        name, provider = value.split("@", 1)
        if not name or not provider:
            raise PydanticCustomError("format_invalid", "Both model_name and provider must be non-empty strings")
        if not name.strip() or not provider.strip():
            raise PydanticCustomError("format_invalid", "Model name and provider cannot be whitespace-only strings")
        return value

    @field_validator("parser_config", mode="before")
    @classmethod
    def _empty_config(cls, value: Any) -> Any:
        return None if value == {} else value

    @field_validator("parser_config")
    @classmethod
    def _config_size(cls, value: DatasetParserConfig | None) -> DatasetParserConfig | None:
        if value is not None and len(size := value.model_dump_json()) > 65535:
            raise PydanticCustomError(
                "string_too_long",
                "Parser config exceeds size limit (max 65,535 characters). Current size: {actual}",
                {"actual": len(size)},
            )
        return value

    @field_validator("pipeline_id")
    @classmethod
    def _pipeline_id(cls, value: str | None) -> str | None:
        if not value:
            return None
        if len(value) != 32:
            raise PydanticCustomError("format_invalid", "pipeline_id must be 32 hex characters")
        if any(character not in string.hexdigits for character in value):
            raise PydanticCustomError("format_invalid", "pipeline_id must be hexadecimal")
        return value.lower()

    @field_validator("chunk_method", mode="wrap")
    @classmethod
    def _chunk_method(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        try:
            result = handler(value)
        except Exception:
            raise PydanticCustomError("literal_error", _CHUNK_METHOD_MESSAGE) from None
        if (not result and not info.data.get("pipeline_id")) or (result and result not in DATASET_CHUNK_METHODS):
            raise PydanticCustomError("literal_error", _CHUNK_METHOD_MESSAGE)
        return result

    def _check_modes(self) -> None:
        if "chunk_method" in self.model_fields_set and isinstance(self.chunk_method, str):
            invalid = [
                name
                for name, bad in (
                    ("parse_type", self.parse_type not in (None, 1)),
                    ("pipeline_id", self.pipeline_id is not None),
                )
                if bad
            ]
            if invalid:
                raise PydanticCustomError(
                    "dependency_error",
                    "parser_id provided → disallowed fields present: {fields}",
                    {"fields": ", ".join(invalid)},
                )


class CreateDatasetRequest(DatasetFields):
    """``POST /datasets``."""

    name: DatasetName

    @field_validator("embedding_model")
    @classmethod
    def _model_given(cls, value: str | None) -> str | None:
        # Only null (or leaving it out) means the tenant's default; an empty or blank id is malformed.
        if value == "":
            raise PydanticCustomError(
                "format_invalid", "Embedding model identifier must follow <model_name>@<provider> format"
            )
        return value

    @model_validator(mode="after")
    def _modes(self) -> CreateDatasetRequest:
        if "chunk_method" not in self.model_fields_set:
            if self.parse_type is None and self.pipeline_id is None:
                self.chunk_method = "naive"
                return self
            missing = [name for name in ("parse_type", "pipeline_id") if getattr(self, name) is None]
            if missing:
                raise PydanticCustomError(
                    "dependency_error",
                    "parser_id omitted → required fields missing: {fields}",
                    {"fields": ", ".join(missing)},
                )
            return self
        self._check_modes()
        return self


class UpdateDatasetRequest(DatasetFields):
    """``PUT /datasets/{dataset_id}``; only the keys sent are applied."""

    dataset_id: SkipJsonSchema[str]  # the path's, validated with the body as RAGFlow does
    name: DatasetName = ""
    pagerank: Annotated[int, Field(ge=0, le=100)] = 0
    language: Annotated[str | None, Field(max_length=32)] = None
    connectors: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _path_id(cls, body: Any, info: ValidationInfo) -> Any:
        path = request_context(info).path
        if isinstance(body, dict) and "dataset_id" in path:
            return {**body, "dataset_id": path["dataset_id"]}
        return body

    @field_validator("dataset_id", mode="before")
    @classmethod
    def _dataset_id(cls, value: Any) -> str:
        return uuid1_hex(value)

    @model_validator(mode="after")
    def _modes(self) -> UpdateDatasetRequest:
        self._check_modes()
        return self


class DeleteRequest(StrictModel):
    """``DELETE /datasets``: ids must be distinct UUID1 ids."""

    ids: list[str] | None = None
    delete_all: bool = False

    @field_validator("ids")
    @classmethod
    def _ids(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else distinct_dataset_ids(value)


class ListDatasetsQuery(BaseModel):
    """``GET /datasets`` query (lax types, unknown keys rejected; a key sent twice is read once,
    the first time, but for the repeated ``ids`` that ragflow-sdk 0.27 sends)."""

    model_config = ConfigDict(extra="forbid")
    takes_first: ClassVar[bool] = True

    id: str | None = None
    ids: FilterIds | None = None
    name: str | None = None
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1
    page_size: Annotated[int, Field(ge=1)] = 30
    orderby: Literal["create_time", "update_time"] = "create_time"
    desc: bool = True
    include_parsing_status: bool = False
    ext: dict[str, Any] = Field(default_factory=dict, description="A JSON object: keywords, parser_id, owner_ids.")

    @field_validator("ext", mode="before")
    @classmethod
    def _ext_json(cls, value: Any, info: ValidationInfo) -> Any:
        # JSON beyond the limits is refused; malformed JSON is left for the type check to word.
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return decode_json(value, request_context(info).limits)
        return value

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        return uuid1_hex(value)

    @field_validator("ids")
    @classmethod
    def _ids(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value is None:
            return None
        if info.data.get("id"):
            raise PydanticCustomError("id_and_ids", "Should not provide both 'id' and 'ids'")
        return distinct_dataset_ids(value)

    @field_validator("page_size")
    @classmethod
    def _page_size(cls, value: int) -> int:
        if value > 100:
            raise ValueError("page_size must be less than or equal to 100")
        return value

    def listing(self) -> DatasetListing:
        """The list request the query makes (``ext`` may add keywords, a chunk method and owners)."""
        owner_ids = self.ext.get("owner_ids")
        return DatasetListing(
            dataset_id=self.id,
            dataset_ids=tuple(self.ids or ()),
            name=self.name or None,  # an empty name filters nothing, as in RAGFlow
            name_contains=self.ext.get("keywords") or None,
            chunk_method=self.ext.get("parser_id") or None,
            owner_ids=list(owner_ids) if isinstance(owner_ids, list) and owner_ids else None,
            page=self.page,
            page_size=self.page_size,
            orderby=self.orderby,
            desc=self.desc,
        )


class DatasetOut(TypedDict):
    """A dataset as every dataset route returns it (§2.1)."""

    id: str
    name: str
    avatar: str | None
    description: str | None
    language: str
    tenant_id: str
    created_by: str
    embedding_model: str
    tenant_embd_id: None
    permission: str
    chunk_method: str
    pipeline_id: str | None
    parser_config: dict[str, Any]
    pagerank: int
    document_count: int
    chunk_count: int
    token_num: int
    similarity_threshold: float
    vector_similarity_weight: float
    graphrag_task_id: str | None
    graphrag_task_finish_at: str | None
    raptor_task_id: str | None
    raptor_task_finish_at: str | None
    mindmap_task_id: str | None
    mindmap_task_finish_at: str | None
    status: str
    create_time: int
    create_date: str | None
    update_time: int
    update_date: str | None


class UpdatedDatasetOut(DatasetOut):
    """``PUT /datasets/{id}``: the dataset and the connectors sent (none: ragloom has none)."""

    connectors: list[dict[str, Any]]


class DatasetDetailOut(UpdatedDatasetOut):
    """``GET /datasets/{id}``: also the bytes its documents take."""

    size: int


class DatasetListItemOut(DatasetOut):
    """A ``GET /datasets`` item: also its owner's profile, and with ``include_parsing_status``
    how many of its documents are in each parsing state."""

    nickname: str
    tenant_avatar: str | None
    unstart_count: NotRequired[int]
    running_count: NotRequired[int]
    cancel_count: NotRequired[int]
    done_count: NotRequired[int]
    fail_count: NotRequired[int]


def _build_id(view: DatasetView, kind: str) -> str | None:
    """The id of the dataset's newest build task of ``kind`` (``None``: never built)."""
    task = view.builds.get(kind)
    return task.id if task is not None else None


def _build_finish(view: DatasetView, kind: str) -> str | None:
    """When the dataset's newest build of ``kind`` finished (``None`` unless it is done)."""
    task = view.builds.get(kind)
    return http_date(task.end_time) if task is not None and task.status == "done" else None


def dataset_public(view: DatasetView) -> DatasetOut:
    """A dataset as every dataset route returns it (§2.1)."""
    record, counts = view.record, view.counts
    return {
        "id": record.id,
        "name": record.name,
        "avatar": record.avatar,
        "description": record.description,
        "language": record.language,
        "tenant_id": record.tenant_id,
        "created_by": record.created_by,
        "embedding_model": record.embedding_model,
        "tenant_embd_id": None,
        "permission": record.permission,
        "chunk_method": record.chunk_method,
        "pipeline_id": record.pipeline_id,
        "parser_config": record.parser_config,
        "pagerank": record.pagerank,
        "document_count": counts.document_count,
        "chunk_count": counts.chunk_count,
        "token_num": counts.token_num,
        "similarity_threshold": record.similarity_threshold,
        "vector_similarity_weight": record.vector_similarity_weight,
        "graphrag_task_id": _build_id(view, "graph"),
        "graphrag_task_finish_at": _build_finish(view, "graph"),
        "raptor_task_id": _build_id(view, "raptor"),
        "raptor_task_finish_at": _build_finish(view, "raptor"),
        "mindmap_task_id": _build_id(view, "mindmap"),
        "mindmap_task_finish_at": _build_finish(view, "mindmap"),
        "status": record.status,
        "create_time": record.create_time,
        "create_date": http_date(record.create_time),
        "update_time": record.update_time,
        "update_date": http_date(record.update_time),
    }


RUN_COUNT_FIELDS = {
    "0": "unstart_count",
    "1": "running_count",
    "2": "cancel_count",
    "3": "done_count",
    "4": "fail_count",
}
"""The count of documents in each parsing state (``Document.run``), by the field that shows it."""


def dataset_list_item(view: DatasetView, *, parsing_status: bool) -> DatasetListItemOut:
    """A ``GET /datasets`` item: the dataset plus its owner's profile (and run counts)."""
    # mypy wants a ** literal to name NotRequired keys too; the counts are added below.
    item: DatasetListItemOut = {**dataset_public(view), "nickname": view.owner.name, "tenant_avatar": view.owner.avatar}  # type: ignore[typeddict-item]
    if parsing_status:
        runs = view.counts.runs
        item["unstart_count"] = runs.get("0", 0)
        item["running_count"] = runs.get("1", 0)
        item["cancel_count"] = runs.get("2", 0)
        item["done_count"] = runs.get("3", 0)
        item["fail_count"] = runs.get("4", 0)
    return item

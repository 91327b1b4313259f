"""``parser_config`` and ``auto_metadata_config`` as requests may send them (strict)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ragloom.services.parser_config import RAPTOR_PROMPT


class StrictModel(BaseModel):
    """No coercion, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RaptorConfig(StrictModel):
    """``clustering_threshold`` is ``threshold``'s name since RAGFlow v0.27: either is taken, and
    one given alone sets both (given together, ``clustering_threshold`` wins)."""

    use_raptor: bool = False
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = RAPTOR_PROMPT
    max_token: Annotated[int, Field(ge=1, le=2048)] = 256
    threshold: Annotated[float, Field(ge=0.0, le=1.0)] = 0.1
    clustering_threshold: Annotated[float | None, Field(ge=0.0, le=1.0)] = None
    max_cluster: Annotated[int, Field(ge=1, le=1024)] = 64
    random_seed: Annotated[int, Field(ge=0)] = 0
    scope: Literal["file", "dataset"] = "file"
    clustering_method: Literal["gmm", "ahc"] = "gmm"
    tree_builder: Literal["raptor", "psi"] = "raptor"
    auto_disable_for_structured_data: bool = True
    ext: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_threshold(self) -> RaptorConfig:
        if self.clustering_threshold is not None:
            self.threshold = self.clustering_threshold
        elif "threshold" in self.model_fields_set:
            self.clustering_threshold = self.threshold
        return self


class GraphragConfig(StrictModel):
    use_graphrag: bool = False
    entity_types: list[str] = Field(default_factory=lambda: ["organization", "person", "geo", "event", "category"])
    method: Literal["light", "general", "ner"] = "light"
    community: bool = False
    resolution: bool = False
    batch_chunk_token_size: Annotated[int, Field(ge=512, le=8196)] = 4096
    retry_attempts: Annotated[int, Field(ge=1, le=10)] = 2
    retry_backoff_seconds: Annotated[float, Field(ge=0)] = 2.0
    retry_backoff_max_seconds: Annotated[float, Field(ge=0)] = 60.0
    build_subgraph_timeout_per_chunk_seconds: Annotated[int, Field(ge=1)] = 300
    build_subgraph_min_timeout_seconds: Annotated[int, Field(ge=1)] = 600
    merge_timeout_seconds: Annotated[int, Field(ge=1)] = 180
    resolution_timeout_seconds: Annotated[int, Field(ge=1)] = 1800
    community_timeout_seconds: Annotated[int, Field(ge=1)] = 1800
    lock_acquire_timeout_seconds: Annotated[int, Field(ge=1)] = 600


class ParentChildConfig(StrictModel):
    use_parent_child: bool = False
    children_delimiter: str = "\\n"


TableColumnRole = Literal["indexing", "metadata", "both"]


class ParserConfig(StrictModel):
    """Every key a client may set; defaults fill what it leaves out."""

    auto_keywords: Annotated[int, Field(ge=0, le=32)] = 0
    auto_questions: Annotated[int, Field(ge=0, le=10)] = 0
    chunk_token_num: Annotated[int, Field(ge=1, le=2048)] = 512
    delimiter: Annotated[str, Field(min_length=1)] = "\\n"
    html4excel: bool = False
    layout_recognize: str = "DeepDOC"
    tag_kb_ids: list[str] = Field(default_factory=list)
    topn_tags: Annotated[int, Field(ge=1, le=10)] = 1
    filename_embd_weight: Annotated[float | None, Field(ge=0.0, le=1.0)] = 0.1
    task_page_size: Annotated[int | None, Field(ge=1)] = None
    pages: list[list[int]] | None = None
    image_context_size: Annotated[int, Field(ge=0)] = 0
    table_context_size: Annotated[int, Field(ge=0)] = 0
    raptor: RaptorConfig = Field(default_factory=RaptorConfig)
    graphrag: GraphragConfig = Field(default_factory=GraphragConfig)
    parent_child: ParentChildConfig = Field(default_factory=ParentChildConfig)
    table_column_mode: Literal["auto", "manual"] | None = None
    table_column_roles: dict[str, TableColumnRole] | None = None
    table_column_names: list[str] | None = None
    ext: dict[str, Any] = Field(default_factory=dict)

    @field_validator("table_column_roles", mode="before")
    @classmethod
    def _legacy_role(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {column: "indexing" if role == "vectorize" else role for column, role in value.items()}
        return value


class DatasetParserConfig(ParserConfig):
    """A dataset's ``parser_config``: a document's, plus how retrieval scores the dataset's chunks."""

    scoring: Literal["ragflow", "bm25", "bm25_feedback"] | None = Field(
        None,
        description="ragloom's extension: how retrieval scores this dataset's chunks, `ragflow` (RAGFlow's "
        "hybrid similarity), `bm25` or `bm25_feedback` (`bm25` with pseudo-relevance feedback); absent or "
        "null: the server's `retrieval.scoring`.",
    )


class MetadataField(StrictModel):
    key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    type: Literal["string", "list", "time", "number"]
    description: Annotated[str | None, Field(max_length=65535)] = None
    enum: list[str] | None = None


class AutoMetadataConfig(StrictModel):
    """What ``PUT /datasets/{id}/metadata/config`` stores."""

    metadata: list[MetadataField] = Field(default_factory=list)
    built_in_metadata: list[MetadataField] = Field(default_factory=list)

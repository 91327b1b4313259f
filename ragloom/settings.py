"""Configuration: one settings object built from defaults, a TOML file and ``RAGLOOM_*``.

Precedence, highest first: values passed to :func:`load_settings` (what the CLI's flags
say), environment variables, the TOML file, the defaults below. Nested sections are
written ``[upload]`` in TOML and ``RAGLOOM_UPLOAD__MAX_FILE_SIZE`` in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ragloom.errors import ConfigError

DEFAULT_PORT = 9380
DEFAULT_EMBEDDING_MODEL = "multilingual-e5-small@Builtin"
CONFIG_FILE_VARIABLE = "RAGLOOM_CONFIG"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/ragloom``, else ``~/.local/share/ragloom``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ragloom"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SqliteDatabaseSettings(_Section):
    """The embedded metadata store: one SQLite file (WAL)."""

    path: Path | None = Field(
        default=None, description="The database file; default: `ragloom.db` in the data directory."
    )
    busy_timeout_ms: int = Field(default=30_000, ge=0, description="How long a writer waits for SQLite's lock.")


class PostgresDatabaseSettings(_Section):
    """The metadata store on a PostgreSQL server (the same models and migrations as SQLite)."""

    url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL, e.g. `postgresql+psycopg://ragloom:…@db.internal/ragloom`."
    )


class DatabaseSettings(_Section):
    """The metadata store: which backend, and each backend's own section."""

    backend: str = Field(default="sqlite", min_length=1, description="`sqlite` or `postgresql`.")
    sqlite: SqliteDatabaseSettings = Field(default_factory=SqliteDatabaseSettings)
    postgresql: PostgresDatabaseSettings = Field(default_factory=PostgresDatabaseSettings)


class LocalBlobSettings(_Section):
    """Blobs as files in a local directory."""

    path: Path | None = Field(default=None, description="The directory; default: `blobs/` in the data directory.")


class S3BlobSettings(_Section):
    """Blobs as objects of a bucket on any S3-compatible server (AWS S3, Ceph RGW, SeaweedFS, MinIO, R2…)."""

    endpoint: str | None = Field(
        default=None,
        description="The server's URL, e.g. `http://rgw.internal:7480`; empty: AWS S3 of `region`.",
    )
    bucket: str = Field(default="", description="The bucket (it must exist; ragloom never creates it).")
    region: str = Field(default="us-east-1", min_length=1, description="The region requests are signed for.")
    access_key: str | None = Field(
        default=None, description="Access key id; empty: boto3's usual sources (environment, instance role)."
    )
    secret_key: SecretStr | None = Field(default=None, description="Secret access key (never logged or shown).")
    addressing_style: Literal["path", "virtual"] = Field(
        default="path",
        description="`path`: `endpoint/bucket/key`; `virtual`: `bucket.endpoint/key` (AWS's preferred form).",
    )
    prefix: str = Field(
        default="",
        pattern=r"^([A-Za-z0-9._-]+/)*$",
        description="Where in the bucket ragloom's objects live, e.g. `ragloom/` (empty or ending with `/`).",
    )
    part_size: int = Field(
        default=8 * 1024 * 1024,
        ge=5 * 1024 * 1024,
        le=5 * 1024 * 1024 * 1024,
        description="Bytes sent per request: a larger file is uploaded in parts of this size (at most 10,000).",
    )
    proxy: str | None = Field(default=None, description="An HTTP(S) proxy requests to the server go through.")
    verify_tls: bool = Field(default=True, description="Check the server's TLS certificate.")
    ca_bundle: Path | None = Field(default=None, description="CA certificates to check it with; default: the system's.")
    connect_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    read_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    max_attempts: int = Field(default=3, ge=1, le=20, description="Tries of a request that failed transiently.")


class BlobSettings(_Section):
    """Where uploaded files are kept: which backend, and each backend's own section."""

    backend: str = Field(default="local", min_length=1, description="`local` or `s3`.")
    local: LocalBlobSettings = Field(default_factory=LocalBlobSettings)
    s3: S3BlobSettings = Field(default_factory=S3BlobSettings)


class UploadSettings(_Section):
    """Limits on document uploads."""

    max_file_size: int = Field(default=128 * 1024 * 1024, gt=0, description="Largest accepted file, in bytes.")
    max_files: int = Field(default=1000, gt=0, description="Most files in one upload request (RAGFlow takes 1,000).")
    max_request_size: int = Field(
        default=1024 * 1024 * 1024, gt=0, description="Largest upload request, in bytes; refused as it streams in."
    )


class LimitSettings(_Section):
    """How large a request may be; anything larger is refused with a 101 before it is used.

    The defaults sit well above what RAGFlow's clients send (the README says why each) and
    well below what costs the server much: each bounds the memory or CPU one request takes.
    The upper bounds keep every limit inside what SQLite accepts (32,766 bound variables in
    one statement, some of which bind a list twice; 50,000-byte ``LIKE`` patterns) and what
    recursive code handles (Python's 1,000 frames).
    """

    max_json_body_size: int = Field(
        default=16 * 1024 * 1024,
        gt=0,
        description="Largest JSON or form request body, in bytes (document uploads have `upload.*`).",
    )
    max_json_depth: int = Field(
        default=64, ge=8, le=256, description="Deepest nesting of arrays and objects in a JSON value."
    )
    max_json_items: int = Field(
        default=10_000,
        ge=100,
        le=16_000,
        description="Most items in one JSON array or object, or values of one query-string parameter.",
    )
    max_json_total_items: int = Field(
        default=200_000,
        ge=1000,
        description="Most items in one JSON body, all its arrays and objects together.",
    )
    max_string_length: int = Field(
        default=4096,
        ge=256,
        le=12_000,
        description="Longest query-string value or path parameter, and longest item of a chunk's lists.",
    )
    max_chunk_content: int = Field(default=262_144, gt=0, description="Longest chunk `content`, in characters.")
    max_chunk_list_items: int = Field(
        default=128, gt=0, description="Most items in a chunk's `questions`, `important_keywords` or `tag_kwd`."
    )
    max_question_length: int = Field(
        default=32_000, gt=0, description="Longest retrieval or chat question, in characters."
    )


class RemoteModel(_Section):
    """A model served elsewhere: any OpenAI-compatible server, or Ollama's native API.

    Its id is ``name@factory``. Embedding models: ``factory`` ``Ollama`` uses Ollama's own
    ``/api/embed``, every other factory the OpenAI-compatible ``/embeddings`` under ``base_url``.
    Rerank models: ``POST {base_url}/rerank`` in the Jina/Cohere form (SiliconFlow, vLLM,
    Xinference serve it too), or TEI's form when ``factory`` is ``HuggingFace``.
    Chat models: Ollama's native ``/api/chat`` for ``Ollama``, else the OpenAI-compatible
    ``/chat/completions`` under ``base_url`` (streamed).
    """

    name: str = Field(min_length=1)
    factory: str = Field(min_length=1, description="e.g. OpenAI-API-Compatible, OpenAI, Ollama, SILICONFLOW, VLLM")
    instance: str = Field(
        default="",
        pattern=r"^[^@]*$",
        description="Names one of several configurations of a provider: the id is then `name@instance@factory`.",
    )
    kind: Literal["embedding", "rerank", "chat"] = "embedding"
    base_url: str = Field(min_length=1, description="e.g. http://127.0.0.1:8000/v1 or http://127.0.0.1:11434")
    api_key: SecretStr | None = None
    dimension: int | None = Field(default=None, gt=0, description="Checked against what the server returns.")
    max_tokens: int = Field(default=512, gt=0, description="Longer input is cut to this many cl100k tokens.")
    context_window: int = Field(
        default=8192, ge=512, description="Chat models: tokens the prompt and the answer may take together."
    )
    batch_size: int = Field(default=16, gt=0, le=2048)
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)


class ModelSettings(_Section):
    """Which models a new tenant starts with, and which remote models are configured."""

    default_embedding_model: str = DEFAULT_EMBEDDING_MODEL
    default_chat_model: str = Field(
        default="",
        description="`name@factory`; empty: the built-in local model when the `local` extra is installed, else none.",
    )
    remote: list[RemoteModel] = Field(default_factory=list, description="`[[models.remote]]` tables in TOML.")
    embedding_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="CPU threads of built-in embedding models; a pool of parse workers shares them (each of N "
        "workers runs its models with embedding_threads // N, at least 1).",
    )
    chat_threads: int = Field(default=2, ge=1, le=64, description="CPU threads of the built-in local chat model.")
    question_cache_size: int = Field(
        default=4096, ge=0, description="Question vectors remembered per server, across models (0: none)."
    )
    question_batch_wait_ms: float = Field(
        default=2.0,
        ge=0,
        le=1000,
        description="How long a batch of questions that others already share waits for more before the model runs "
        "it; a question that finds the model idle never waits.",
    )
    isolate: bool = Field(
        default=True,
        description="Run the server's built-in models in child processes, so a crash in native code (llama.cpp, "
        "ONNX) ends one request, not the server. Parse workers always run them in their own process.",
    )
    stall_seconds: float = Field(
        default=300.0, gt=0, description="A model process that has work but sends nothing this long is restarted."
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Model ids a migrating program names, mapped to models this server has, e.g. "
        '{"BAAI/bge-small-en-v1.5@Builtin" = "multilingual-e5-small@Builtin"}; listed as aliases by `GET /models`.',
    )
    tenant_allow_private_urls: bool = Field(
        default=False,
        description="Let models tenants configure through the API reach loopback, private, link-local and other "
        "non-public addresses (cloud metadata addresses stay refused).",
    )
    tenant_allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description='Networks tenants\' own models may reach although they are not public, e.g. ["10.8.0.0/16"].',
    )


class WorkerSettings(_Section):
    """The processes that parse, embed and index documents off the request path."""

    count: int = Field(default=1, ge=0, le=64, description="Worker processes `ragloom serve` starts (0: none).")
    poll_interval_seconds: float = Field(default=0.5, gt=0, le=60)
    lease_seconds: float = Field(default=60.0, ge=5, description="A task whose worker is silent this long is retried.")
    max_attempts: int = Field(
        default=3, ge=1, le=20, description="Deaths of a task's worker (or silences) before the task is failed."
    )
    batch_tasks: int = Field(
        default=16,
        ge=1,
        le=256,
        description="Parse tasks of small documents a worker claims at once and embeds in shared model calls "
        "(each still its own task; 1: one task at a time). Needs `max_attempts` of 2 or more.",
    )
    batch_document_bytes: int = Field(
        default=16 * 1024, ge=0, description="A document is small enough to share a batch up to this size."
    )


class EnrichmentSettings(_Section):
    """How parsing asks chat models to enrich chunks (keywords, questions, contents, metadata)."""

    concurrency: int = Field(
        default=2, ge=1, le=64, description="Model calls one parse task keeps in flight at once (per enricher)."
    )
    max_tokens: int = Field(
        default=512, ge=16, le=8192, description="Most tokens the model may write for one enrichment answer."
    )
    max_chunk_tokens: int = Field(
        default=2048, ge=64, le=65536, description="A longer chunk is cut to this many tokens before it is sent."
    )


class SqliteIndexSettings(_Section):
    """The embedded chunk index: SQLite FTS5 over ragloom's terms, vectors scored with numpy."""

    path: Path | None = Field(
        default=None, description="The index file; default: `index.sqlite` in the data directory."
    )
    busy_timeout_ms: int = Field(default=30_000, ge=0, description="How long a writer waits for SQLite's lock.")


class PostgresIndexSettings(_Section):
    """The chunk index on a PostgreSQL server with pgvector (shared by every server and worker)."""

    url: SecretStr | None = Field(
        default=None,
        description="e.g. `postgresql://ragloom:…@db.internal/ragloom`; default: `database.postgresql.url` "
        "when the metadata database is PostgreSQL.",
    )
    hnsw_ef_search: int = Field(
        default=400,
        ge=10,
        le=1000,
        description="The HNSW search's beam (pgvector's `hnsw.ef_search`) once a query may see more than "
        "20,000 vectors: wider finds more of the exact nearest neighbours and takes longer "
        "(`benchmarks/scale.py` measures both).",
    )
    hnsw_m: int = Field(
        default=24,
        ge=2,
        le=100,
        description="Links per vector in each layer of an HNSW graph (pgvector's `m`): denser graphs find "
        "more of the exact nearest neighbours, cost more to build, insert and store. Applies to indexes "
        "built from now on; `ragloom reindex` rebuilds existing ones.",
    )
    hnsw_ef_construction: int = Field(
        default=96,
        ge=4,
        le=1000,
        description="Candidates kept while linking a vector into the HNSW graph (pgvector's "
        "`ef_construction`, at least 2 × `hnsw_m`): wider builds a better graph, more slowly.",
    )

    @model_validator(mode="after")
    def _graph(self) -> PostgresIndexSettings:
        if self.hnsw_ef_construction < 2 * self.hnsw_m:
            raise ValueError(
                f"hnsw_ef_construction ({self.hnsw_ef_construction}) must be at least 2 × hnsw_m ({2 * self.hnsw_m})"
            )
        return self


class IndexSettings(_Section):
    """The chunk index: which backend, and each backend's own section."""

    backend: str = Field(default="sqlite", min_length=1, description="`sqlite` or `postgresql`.")
    sqlite: SqliteIndexSettings = Field(default_factory=SqliteIndexSettings)
    postgresql: PostgresIndexSettings = Field(default_factory=PostgresIndexSettings)


class RetrievalSettings(_Section):
    """How retrieval ranks chunks."""

    scoring: Literal["ragflow", "bm25", "bm25_feedback"] = Field(
        default="ragflow",
        description="`ragflow` (RAGFlow's hybrid similarity), `bm25` (BM25 fused with the vector, scores "
        "relative to each query's candidates) or `bm25_feedback` (`bm25` with pseudo-relevance feedback: the "
        "question expanded with words of the best chunks and searched again); a dataset's "
        "`parser_config.scoring` or a request's `scoring` overrides it.",
    )


class QueueSettings(_Section):
    """The task queue parse and enrichment work waits in; it lives in the metadata database."""

    backend: str | None = Field(
        default=None,
        min_length=1,
        description="`sqlite` or `postgresql`; default: the same as `database.backend` (it must be).",
    )

    def chosen(self, database: DatabaseSettings) -> str:
        """The backend's name: the one set, else the metadata database's."""
        return self.backend or database.backend


class LogSettings(_Section):
    """Structured logging."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class AgentDatabase(_Section):
    """A database ExeSQL components may query, named by ``name`` in a DSL's ``database``."""

    name: str = Field(min_length=1, description="What a DSL's `database` parameter names.")
    url: SecretStr = Field(
        description="SQLAlchemy URL, e.g. postgresql+psycopg://reader:…@db.internal/sales or sqlite:///…"
    )
    read_only: bool = Field(
        default=True, description="Statements run in read-only transactions (SQLite: a read-only connection)."
    )
    max_records: int = Field(default=1024, gt=0, le=100_000, description="Most rows one statement returns.")
    timeout_seconds: float = Field(default=30.0, gt=0, le=3600, description="Longest one run of statements may take.")
    tenants: list[str] = Field(default_factory=list, description="Tenant ids that may query it; empty: every tenant.")


class WebSearchSettings(_Section):
    """The web services the search tools call; a tool whose service is not configured is refused."""

    searxng_url: str = Field(default="", description="A SearXNG instance, e.g. http://127.0.0.1:8888.")
    tavily_api_key: SecretStr | None = Field(
        default=None, description="Tavily's API key (TavilySearch, TavilyExtract)."
    )
    tavily_url: str = Field(default="https://api.tavily.com", description="Tavily's API.")
    duckduckgo_url: str = Field(default="", description="DuckDuckGo's HTML search, https://html.duckduckgo.com/html/.")
    wikipedia_url: str = Field(
        default="", description="MediaWiki's API, `{language}` replaced: https://{language}.wikipedia.org/w/api.php."
    )
    arxiv_url: str = Field(default="", description="arXiv's API, https://export.arxiv.org/api/query.")
    pubmed_url: str = Field(default="", description="NCBI E-utilities, https://eutils.ncbi.nlm.nih.gov/entrez/eutils.")
    pubmed_email: str = Field(default="", description="The contact address NCBI asks E-utilities callers for.")
    timeout_seconds: float = Field(default=15.0, gt=0, le=600, description="Longest one call to a service may take.")
    max_response_size: int = Field(default=4 * 1024 * 1024, gt=0, description="Largest answer read from a service.")


class SandboxSettings(_Section):
    """Where CodeExec runs code: a separate, limited process, only when the operator enables it."""

    enabled: bool = Field(default=False, description="Let CodeExec run code at all.")
    python: str = Field(default="", description="The Python interpreter; empty: the server's own.")
    node: str = Field(default="", description="Node.js for JavaScript; empty: JavaScript is refused.")
    user: str = Field(
        default="", description="The user code runs as (a server running as root uses `nobody` when empty)."
    )
    allow_network: bool = Field(
        default=False, description="Let code use the network (otherwise it runs in a network namespace of its own)."
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=3600, description="Wall-clock limit of one run.")
    cpu_seconds: int = Field(default=10, gt=0, le=3600, description="CPU time limit of one run.")
    memory_mb: int = Field(default=512, ge=64, le=65536, description="Address-space limit of one run, in MiB.")
    max_output_size: int = Field(
        default=64 * 1024,
        gt=0,
        le=16 * 1024 * 1024,
        description="Most bytes kept of stdout, of stderr, and of the result.",
    )


class AgentSettings(_Section):
    """What agents' tool components may reach: HTTP addresses, databases, web services, a sandbox."""

    invoke_allow_private_urls: bool = Field(
        default=False,
        description="Let Invoke reach loopback, private, link-local and other non-public addresses "
        "(cloud metadata addresses stay refused).",
    )
    invoke_allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list, description='Networks Invoke may reach although not public, e.g. ["10.8.0.0/16"].'
    )
    invoke_timeout_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Longest an Invoke call may take (a DSL's `timeout` is capped by it)."
    )
    invoke_max_response_size: int = Field(
        default=1024 * 1024, gt=0, description="Largest response body Invoke reads, in bytes; a larger one fails."
    )
    databases: list[AgentDatabase] = Field(default_factory=list, description="`[[agents.databases]]` in TOML.")
    search: WebSearchSettings = Field(default_factory=WebSearchSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)

    @field_validator("databases")
    @classmethod
    def _unique_names(cls, databases: list[AgentDatabase]) -> list[AgentDatabase]:
        names = [database.name for database in databases]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"database names must be unique: {', '.join(repeated)}")
        return databases


class Settings(BaseSettings):
    """Everything ragloom can be told; passed to ``create_app`` and the CLI commands."""

    model_config = SettingsConfigDict(
        env_prefix="RAGLOOM_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    blobs: BlobSettings = Field(default_factory=BlobSettings)
    upload: UploadSettings = Field(default_factory=UploadSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    agents: AgentSettings = Field(default_factory=AgentSettings)
    enrichment: EnrichmentSettings = Field(default_factory=EnrichmentSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003 (no .env files by design)
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from ``overrides`` > environment > TOML file > defaults.

    ``config_file`` defaults to ``$RAGLOOM_CONFIG``; with neither, no file is read.
    Overrides whose value is ``None`` are ignored, so CLI options left unset fall through.
    """
    file = config_file or os.environ.get(CONFIG_FILE_VARIABLE)
    if file is not None and not Path(file).is_file():
        raise ConfigError(f"Configuration file not found: {file}")

    class _WithFile(Settings):
        model_config = SettingsConfigDict(**{**Settings.model_config, "toml_file": file})

    given = {key: value for key, value in overrides.items() if value is not None}
    loaded = _WithFile(**given)
    return Settings.model_validate(loaded.model_dump())

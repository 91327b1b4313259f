"""The metadata store's tables (SQLAlchemy 2 declarative models).

Portable types only, so the same models serve SQLite and PostgreSQL. Times are integer
epoch milliseconds. Names that must be unique carry a unique index; services rely on it
(not on a read-then-write check) so concurrent creates cannot both win.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Root of the metadata models."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    """An owner of data; every API key belongs to exactly one tenant."""

    __tablename__ = "tenant"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    avatar: Mapped[str | None] = mapped_column(Text, default=None)
    embedding_model: Mapped[str] = mapped_column(String(255))
    chat_model: Mapped[str] = mapped_column(String(255), default="")
    rerank_model: Mapped[str] = mapped_column(String(255), default="", server_default="")
    create_time: Mapped[int] = mapped_column(BigInteger)
    update_time: Mapped[int] = mapped_column(BigInteger)


class ApiKey(Base):
    """An API key, stored as the SHA-256 of the secret; ``hint`` is safe to display."""

    __tablename__ = "api_key"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(128), default="")
    create_time: Mapped[int] = mapped_column(BigInteger)
    last_used_time: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Dataset(Base):
    """A knowledge base. Counts are aggregated from its documents, never stored here."""

    __tablename__ = "dataset"
    __table_args__ = (Index("uq_dataset_tenant_name", "tenant_id", "name_key", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    avatar: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    language: Mapped[str] = mapped_column(String(32), default="English")
    embedding_model: Mapped[str] = mapped_column(String(255))
    permission: Mapped[str] = mapped_column(String(16), default="me")
    chunk_method: Mapped[str] = mapped_column(String(32), default="naive")
    pipeline_id: Mapped[str | None] = mapped_column(String(32), default=None)
    parser_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pagerank: Mapped[int] = mapped_column(Integer, default=0)
    similarity_threshold: Mapped[float] = mapped_column(Float, default=0.2)
    vector_similarity_weight: Mapped[float] = mapped_column(Float, default=0.3)
    status: Mapped[str] = mapped_column(String(1), default="1")
    mind_map: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    """The tree the last finished mind-map build wrote (``None``: none, or removed)."""
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class Document(Base):
    """An uploaded file of a dataset, with its parsing state."""

    __tablename__ = "document"
    __table_args__ = (Index("uq_document_dataset_name", "dataset_id", "name", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    suffix: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    location: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    source_type: Mapped[str] = mapped_column(String(32), default="local")
    thumbnail: Mapped[str] = mapped_column(Text, default="")
    chunk_method: Mapped[str] = mapped_column(String(32))
    pipeline_id: Mapped[str | None] = mapped_column(String(32), default=None)
    parser_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    meta_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(1), default="1")
    run: Mapped[str] = mapped_column(String(1), default="0")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    progress_msg: Mapped[str] = mapped_column(Text, default="")
    process_begin_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    process_duration: Mapped[float] = mapped_column(Float, default=0.0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    token_count: Mapped[int] = mapped_column(Integer, default=0)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger)


class Task(Base):
    """A unit of background work, claimed by one worker at a time: parsing a document, or
    extracting memories from a raw message (``kind``, see :class:`~ragloom.services.task_ledger.TaskKind`).

    ``status`` moves queued → running → done | failed, or → cancelling → cancelled when a
    user stops it. A running task holds a lease (``worker``, ``lease_token``, ``lease_expires_at``)
    that its worker renews and that fences its writes (:mod:`ragloom.storage.queue.protocol`); a task
    whose lease runs out is taken back and run again. ``attempts``
    counts runs; ``crashes`` the runs whose worker died or went silent, which alone count
    towards failing the task.

    A parse task names its ``document_id`` (its progress is the document's); a memory task
    names ``memory_id`` (also in ``dataset_id``: the memory's records in the index) and the raw
    ``message_id``, and keeps its own ``progress`` and ``progress_msg``.
    """

    __tablename__ = "task"
    # the queue's claim walks queued tasks oldest first (ragloom.storage.queue.sql)
    __table_args__ = (Index("ix_task_claim", "status", "create_time", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True, default=None
    )
    memory_id: Mapped[str | None] = mapped_column(ForeignKey("memory.id", ondelete="CASCADE"), index=True, default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    progress: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    progress_msg: Mapped[str] = mapped_column(Text, default="", server_default="")
    dataset_id: Mapped[str] = mapped_column(String(32), index=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="parse")
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    crashes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worker: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    lease_token: Mapped[str | None] = mapped_column(String(32), default=None)
    error: Mapped[str] = mapped_column(Text, default="")
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger)
    begin_time: Mapped[int | None] = mapped_column(BigInteger, default=None)
    end_time: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Chat(Base):
    """A chat assistant: datasets to retrieve from, a model, a prompt and retrieval settings.

    ``name_key`` (the lower-cased name) is unique per tenant: RAGFlow compares chat names
    case-insensitively. Deleting a chat deletes its sessions.
    """

    __tablename__ = "chat"
    __table_args__ = (Index("uq_chat_tenant_name", "tenant_id", "name_key", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="A helpful Assistant")
    icon: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(32), default="English")
    llm_id: Mapped[str] = mapped_column(String(255))
    llm_setting: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prompt_type: Mapped[str] = mapped_column(String(16), default="simple")
    prompt_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    meta_data_filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    similarity_threshold: Mapped[float] = mapped_column(Float, default=0.1)
    vector_similarity_weight: Mapped[float] = mapped_column(Float, default=0.3)
    top_n: Mapped[int] = mapped_column(Integer, default=6)
    top_k: Mapped[int] = mapped_column(Integer, default=1024)
    do_refer: Mapped[str] = mapped_column(String(1), default="1")
    rerank_id: Mapped[str] = mapped_column(String(255), default="")
    dataset_ids: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(1), default="1")
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class ChatSession(Base):
    """A conversation with a chat: its messages and one reference entry per assistant turn."""

    __tablename__ = "chat_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[str] = mapped_column(ForeignKey("chat.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text)
    messages: Mapped[list[Any]] = mapped_column(default=list)
    reference: Mapped[list[Any]] = mapped_column(default=list)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class TenantModel(Base):
    """A remote model one tenant configured for itself (through the API), usable only by it.

    ``model_key`` is the model's id (``name@factory`` or ``name@instance@factory``) lower-cased;
    one per kind per tenant. The API key is stored as given (it must be sent to the provider) and
    never returned whole.
    """

    __tablename__ = "tenant_model"
    __table_args__ = (Index("uq_tenant_model", "tenant_id", "model_key", "kind", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    model_key: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    create_time: Mapped[int] = mapped_column(BigInteger)
    update_time: Mapped[int] = mapped_column(BigInteger)


class Agent(Base):
    """An agent: a canvas DSL and how it is shown. ``title_key`` (the lower-cased title) is unique
    per tenant and category — v0.27 compares agent titles case-insensitively. Deleting an agent
    deletes its versions and sessions."""

    __tablename__ = "agent"
    __table_args__ = (Index("uq_agent_tenant_title", "tenant_id", "canvas_category", "title_key", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    avatar: Mapped[str] = mapped_column(Text, default="")
    permission: Mapped[str] = mapped_column(String(16), default="me")
    canvas_type: Mapped[str] = mapped_column(String(64), default="")
    canvas_category: Mapped[str] = mapped_column(String(32), default="agent_canvas")
    tags: Mapped[str] = mapped_column(Text, default="")
    dsl: Mapped[dict[str, Any]] = mapped_column(default=dict)
    release: Mapped[bool] = mapped_column(Boolean, default=False)
    last_publish_time: Mapped[int | None] = mapped_column(BigInteger, default=None)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class AgentVersion(Base):
    """One saved state of an agent's DSL; ``release`` marks a published one."""

    __tablename__ = "agent_version"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    dsl: Mapped[dict[str, Any]] = mapped_column(default=dict)
    release: Mapped[bool] = mapped_column(Boolean, default=False)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)


class AgentSession(Base):
    """A conversation with an agent, pinned to the DSL it began with (``dsl``) and carrying the
    runtime's state between turns (``state``); ``messages`` and ``reference`` are what clients read."""

    __tablename__ = "agent_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(String(255), default="")
    exp_user_id: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="agent")
    version_title: Mapped[str] = mapped_column(Text, default="")
    dsl: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    messages: Mapped[list[Any]] = mapped_column(default=list)
    reference: Mapped[list[Any]] = mapped_column(default=list)
    errors: Mapped[str] = mapped_column(Text, default="")
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class AgentLog(Base):
    """What one run's components and tools did (``GET /agents/{id}/logs/{message_id}``)."""

    __tablename__ = "agent_log"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(64), index=True)
    trace: Mapped[list[Any]] = mapped_column(default=list)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)


class SearchApp(Base):
    """A search app: datasets to search, retrieval settings and what the search page shows
    (an AI summary, related questions, ...), all held in ``search_config``.

    ``name_key`` (the lower-cased name) is unique per tenant, as for chats.
    """

    __tablename__ = "search_app"
    __table_args__ = (Index("uq_search_app_tenant_name", "tenant_id", "name_key", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    avatar: Mapped[str | None] = mapped_column(Text, default=None)
    search_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class McpServer(Base):
    """An MCP server a tenant registered for its agents' tools. ``headers`` may hold ``${name}``
    placeholders filled from ``variables`` when connecting; ``variables.tools`` is the server's tool
    list as it was when the server was saved (an Agent offers the ones its DSL selects)."""

    __tablename__ = "mcp_server"
    __table_args__ = (Index("uq_mcp_server_tenant_name", "tenant_id", "name", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    server_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    variables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class Memory(Base):
    """A memory: where an agent's conversations are kept, with the models that embed them and
    extract what is worth remembering. Its messages are records of the chunk index.

    ``memory_type`` is RAGFlow's bit mask (raw 1, semantic 2, episodic 4, procedural 8);
    ``name_key`` (the lower-cased name) is unique per tenant. ``next_message_id`` hands out the
    memory's message ids (never reused, even after eviction). Deleting a memory deletes its
    extraction tasks.
    """

    __tablename__ = "memory"
    __table_args__ = (Index("uq_memory_tenant_name", "tenant_id", "name_key", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    avatar: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    memory_type: Mapped[int] = mapped_column(Integer, default=1)
    storage_type: Mapped[str] = mapped_column(String(16), default="table")
    embd_id: Mapped[str] = mapped_column(String(255))
    llm_id: Mapped[str] = mapped_column(String(255))
    permissions: Mapped[str] = mapped_column(String(16), default="me")
    memory_size: Mapped[int] = mapped_column(BigInteger)
    forgetting_policy: Mapped[str] = mapped_column(String(16), default="FIFO")
    temperature: Mapped[float] = mapped_column(Float, default=0.5)
    system_prompt: Mapped[str | None] = mapped_column(Text, default=None)
    user_prompt: Mapped[str | None] = mapped_column(Text, default=None)
    next_message_id: Mapped[int] = mapped_column(BigInteger, default=1)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)


class EnrichmentResult(Base):
    """A chat model's reading of one piece of content for one enricher, kept so that parsing the
    same content again with the same model and settings costs no model call.

    The key says everything the answer depends on: the enricher, the model, a hash of the prompt
    and settings (``prompt_hash``) and a hash of the content. ``result`` is the answer as the
    enricher read it (JSON); an answer that could not be read is never kept.
    """

    __tablename__ = "enrichment_result"

    enricher: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    prompt_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    result: Mapped[Any] = mapped_column(JSON)
    create_time: Mapped[int] = mapped_column(BigInteger)


class DocumentToc(Base):
    """A document's table of contents as extracted while parsing: ``entries`` is a list of
    ``{"level": int, "title": str, "chunk_ids": [str]}`` in reading order. Deleted with its
    document, replaced by each parse."""

    __tablename__ = "document_toc"

    document_id: Mapped[str] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(32), index=True)
    model_id: Mapped[str] = mapped_column(String(255))
    entries: Mapped[list[Any]] = mapped_column(default=list)
    create_time: Mapped[int] = mapped_column(BigInteger)


class Evaluation(Base):
    """A retrieval-quality evaluation of a dataset (``/api/v1/evaluations``, ragloom's own): the
    questions with their relevant documents, one or more named runs of retrieval parameters, and
    what the task computing it has found so far.

    The task running it on the queue has the evaluation's id (its status and progress are the
    evaluation's). ``questions`` is a list of ``{"question", "relevant": {document id: grade}}``;
    ``runs`` a list of ``{"name", "parameters"}``; ``cutoffs`` the ``k`` of recall@k; ``results``
    maps a run's name to the results of its questions so far, in question order (a run that
    starts again after a restart goes on from there); ``metrics`` maps a run's name to its mean
    figures once the evaluation is done. Deleted with its dataset or tenant.
    """

    __tablename__ = "evaluation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[Any]] = mapped_column(default=list)
    runs: Mapped[list[Any]] = mapped_column(default=list)
    cutoffs: Mapped[list[Any]] = mapped_column(default=list)
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    create_time: Mapped[int] = mapped_column(BigInteger, index=True)
    update_time: Mapped[int] = mapped_column(BigInteger, index=True)

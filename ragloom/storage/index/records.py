"""A record as every index stores it: a chunk of a document, a message of a memory, or a part
of a dataset's knowledge graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is imported where it is used: the server starts without it
    import numpy as np
    import numpy.typing as npt


class RecordKind(StrEnum):
    """What a record of the index is; every read says which kind it wants (chunks by default)."""

    CHUNK = "chunk"  # a piece of a dataset's document
    MESSAGE = "message"  # a message of a memory: its ``dataset_id`` is the memory's id
    GRAPH = "graph"  # an entity, relation or community report of a dataset's knowledge graph


class GraphPart(StrEnum):
    """Which part of a knowledge graph a graph record is."""

    ENTITY = "entity"
    RELATION = "relation"
    COMMUNITY = "community"


@dataclass
class GraphFields:
    """What a knowledge-graph record carries besides its content (its description or report).

    An entity has its ``name``, ``entity_type`` and ``rank`` (PageRank in the dataset's graph); a
    relation its ``source`` and ``target`` entity names, ``weight`` and ``keywords``; a community
    report its ``name`` (title), member entity names (``members``) and ``rank`` (its members'
    PageRank summed). ``chunk_ids`` and ``document_ids`` are where the part was read from.
    """

    part: GraphPart
    name: str = ""
    entity_type: str = ""
    source: str = ""
    target: str = ""
    weight: float = 0.0
    rank: float = 0.0
    keywords: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    chunk_ids: list[str] = field(default_factory=list)
    document_ids: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "part": self.part.value,
            "name": self.name,
            "entity_type": self.entity_type,
            "source": self.source,
            "target": self.target,
            "weight": self.weight,
            "rank": self.rank,
            "keywords": list(self.keywords),
            "members": list(self.members),
            "chunk_ids": list(self.chunk_ids),
            "document_ids": list(self.document_ids),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> GraphFields:
        return cls(
            part=GraphPart(value["part"]),
            name=str(value.get("name", "")),
            entity_type=str(value.get("entity_type", "")),
            source=str(value.get("source", "")),
            target=str(value.get("target", "")),
            weight=float(value.get("weight", 0.0)),
            rank=float(value.get("rank", 0.0)),
            keywords=[str(item) for item in value.get("keywords") or []],
            members=[str(item) for item in value.get("members") or []],
            chunk_ids=[str(item) for item in value.get("chunk_ids") or []],
            document_ids=[str(item) for item in value.get("document_ids") or []],
        )


@dataclass
class MessageFields:
    """What a memory message carries besides its content.

    ``message_id`` is unique within the memory (the record's ``id`` is its decimal form);
    ``source_id`` is 0 for a raw message and the raw message's id for one extracted from it.
    Times are epoch seconds; ``forget_at`` set means forgotten. ``size`` is what the message
    counts against its memory's capacity (see :meth:`ChunkIndex.add_messages`).
    """

    message_id: int
    message_type: str
    source_id: int = 0
    agent_id: str = ""
    session_id: str = ""
    user_id: str = ""
    valid_at: float = 0.0
    invalid_at: float | None = None
    forget_at: float | None = None
    size: int = 0


@dataclass
class ChunkRecord:
    """One indexed record: a chunk, a memory message when ``message`` is set, or a part of a
    dataset's knowledge graph when ``graph`` is set (its ``document_id`` is empty).

    The ``*_terms`` fields hold the space-separated terms of :class:`~ragloom.nlp.TextAnalyzer`
    (RAGFlow's ``*_ltks``/``*_tks``); full-text search runs on them, never on raw text, so
    every backend matches the same way. ``parent_id`` is set on the child pieces of
    parent-child chunking: children are searched but not listed. A message's ``available``
    is its status (disabled messages are not searched).
    """

    id: str
    dataset_id: str
    document_id: str
    document_name: str
    content: str
    order: int = 0
    available: bool = True
    content_terms: str = ""
    content_fine_terms: str = ""
    title_terms: str = ""
    important_keywords: list[str] = field(default_factory=list)
    important_terms: str = ""
    questions: list[str] = field(default_factory=list)
    question_terms: str = ""
    tag_keywords: list[str] = field(default_factory=list)
    tag_features: dict[str, float] = field(default_factory=dict)
    positions: list[list[int]] = field(default_factory=list)
    image_id: str = ""
    doc_type: str = ""
    parent_id: str = ""
    token_count: int = 0
    created_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    vector: npt.NDArray[np.float32] | None = None
    message: MessageFields | None = None
    graph: GraphFields | None = None

    @property
    def kind(self) -> RecordKind:
        """A message when it carries message fields, a graph record when it carries graph fields,
        else a chunk."""
        if self.message is not None:
            return RecordKind.MESSAGE
        return RecordKind.CHUNK if self.graph is None else RecordKind.GRAPH


@dataclass(frozen=True)
class MessageFilter:
    """Which messages of the memories a read keeps; a field left at its default keeps all.

    ``session_id`` matches exactly, ``session_contains`` as a substring (RAGFlow's search and
    listing match sessions that way); ``forgotten`` and ``available`` keep only that state.
    """

    message_types: tuple[str, ...] = ()
    agent_ids: tuple[str, ...] = ()
    session_id: str | None = None
    session_contains: str | None = None
    user_id: str | None = None
    source_ids: tuple[int, ...] = ()
    forgotten: bool | None = None
    available: bool | None = None


@dataclass(frozen=True)
class Admission:
    """What :meth:`ChunkIndex.add_messages` did: whether the messages went in, which messages
    (by message id) were evicted to make room, and the memory's total size afterwards."""

    admitted: bool
    evicted: tuple[int, ...]
    size: int


@dataclass(frozen=True)
class MessageStats:
    """How many messages a memory holds and their total size."""

    count: int
    size: int


@dataclass(frozen=True)
class ScoredChunk:
    """A search hit: the chunk's id, its document and the backend's score (higher is better)."""

    chunk_id: str
    dataset_id: str
    document_id: str
    score: float


@dataclass(frozen=True)
class DocumentStats:
    """What a document holds in the index (listed chunks only, children excluded)."""

    chunk_count: int
    token_count: int


@dataclass
class Matches:
    """What a backend knows about the chunks that might answer a query; the scorer ranks them.

    Candidates are the ``top_k`` eligible chunks nearest to the query vector together with
    the ``top_k`` best by the backend's full-text relevance. For each candidate: its cosine
    similarity and which query terms it contains (``term_hits[i, j]``: candidate ``i``
    contains ``terms[j]``). ``document_frequency[j]`` counts the eligible chunks containing
    ``terms[j]``; ``eligible`` counts every chunk the query could see.

    Asked for them (``match(..., counts=True)``), ``term_counts[i, j]`` says how often candidate
    ``i`` holds ``terms[j]`` in its content, title, keyword and question terms (a phrase: its words
    side by side in one of them), and ``lengths[i]`` how many words its content terms have; both are
    computed from the stored terms by :func:`~ragloom.storage.index.candidates.term_counts`, the same
    way on every backend. Otherwise they are ``None``.
    """

    chunk_ids: list[str]
    dataset_ids: list[str]
    document_ids: list[str]
    parent_ids: list[str]
    vector_similarity: npt.NDArray[np.float32]
    term_hits: npt.NDArray[np.bool_]
    document_frequency: npt.NDArray[np.int64]
    eligible: int
    term_counts: npt.NDArray[np.int32] | None = None
    lengths: npt.NDArray[np.int32] | None = None

    @classmethod
    def empty(cls, term_count: int) -> Matches:
        import numpy as np

        return cls(
            [],
            [],
            [],
            [],
            np.zeros(0, dtype=np.float32),
            np.zeros((0, term_count), dtype=bool),
            np.zeros(term_count, dtype=np.int64),
            0,
        )

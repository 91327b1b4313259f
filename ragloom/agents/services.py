"""What components need from the rest of ragloom, as small protocols (no HTTP, no SQL in here).

The service layer implements :class:`AgentServices` for one tenant; tests implement it with a
scripted chat model at the edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ragloom.agents.toolbox import Toolbox
from ragloom.providers.chat.protocol import ChatModel


@dataclass(frozen=True)
class DatasetSearch:
    """A Retrieval component's search: the datasets (ids or names) and RAGFlow's retrieval settings."""

    datasets: list[str]
    question: str
    top_n: int = 8
    top_k: int = 1024
    similarity_threshold: float = 0.2
    vector_similarity_weight: float = 0.5
    rerank_id: str = ""
    cross_languages: list[str] = field(default_factory=list)
    toc_enhance: bool = False
    metadata_condition: dict[str, Any] | None = None
    use_kg: bool = False  # the datasets' knowledge graph adds its piece at the top


@dataclass(frozen=True)
class MemorySearch:
    """A Retrieval component's search of memories, with RAGFlow's memory-search settings."""

    memory_ids: list[str]
    question: str
    top_n: int = 8
    similarity_threshold: float = 0.2
    keywords_similarity_weight: float = 0.7


@dataclass(frozen=True)
class FoundChunks:
    """What a search found: chunks as answers cite them (``id``, ``content``, ``document_id``,
    ``document_name``, ``dataset_id``, …, best first) and hits per document (``doc_name``,
    ``doc_id``, ``count``)."""

    chunks: list[dict[str, Any]] = field(default_factory=list)
    doc_aggs: list[dict[str, Any]] = field(default_factory=list)


class AgentServices(Protocol):
    """The tenant a run works for, the models it may use, its datasets and its MCP servers."""

    @property
    def tenant_id(self) -> str: ...

    def chat_model(self, model_id: str) -> ChatModel:
        """The chat model ``model_id`` (``""``: the tenant's default), or the catalog's error."""
        ...

    def search_datasets(self, search: DatasetSearch) -> FoundChunks:
        """Search the tenant's datasets as ``POST /retrieval`` does. A dataset is named by id or by
        name; one that is not the tenant's is refused (:class:`~ragloom.errors.DataError`), never
        searched."""
        ...

    def call_mcp_tool(self, mcp_id: str, tool: str, arguments: dict[str, Any], headers: Mapping[str, str]) -> str:
        """The text result of ``tool`` on the tenant's MCP server ``mcp_id`` (``headers`` are sent
        besides the server's own). A server that is not the tenant's is a
        :class:`~ragloom.errors.DataError`; one that cannot be reached a
        :class:`~ragloom.errors.ProviderError`."""
        ...

    def save_turn(self, memory_ids: list[str], user_input: str, agent_response: str, user_id: str) -> None:
        """Save one turn (the question and the answer) in the tenant's memories, as ``POST /messages``
        does, for the agent and session the run belongs to; a memory that is not the tenant's is a
        :class:`~ragloom.errors.RagloomError`."""
        ...

    def search_memories(self, search: MemorySearch) -> list[str]:
        """The contents of the tenant's memory messages that best answer ``search.question``, best first."""
        ...

    @property
    def toolbox(self) -> Toolbox:
        """HTTP, web services, databases and the sandbox, as the operator lets this tenant reach them."""
        ...

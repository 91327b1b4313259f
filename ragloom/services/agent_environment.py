"""What the canvas runtime may use on behalf of one tenant: its chat models (its default for ``""``),
its datasets (through the retrieval service of ``POST /retrieval``), its memories, its MCP servers,
and the toolbox its tool components reach the outside through."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ragloom.agents.services import DatasetSearch, FoundChunks, MemorySearch
from ragloom.agents.toolbox import Toolbox
from ragloom.errors import DataError
from ragloom.memory.memories import MemoryService
from ragloom.memory.search import MessageQuery
from ragloom.providers.chat import ChatModel, ChatModels
from ragloom.services.answers import reference_chunk
from ragloom.services.mcp_servers import McpServerService
from ragloom.services.model_defaults import ModelDefaultsService
from ragloom.services.retrieval import RetrievalQuery, RetrievalService
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore


class TenantAgentServices:
    """:class:`~ragloom.agents.services.AgentServices` for one caller."""

    def __init__(
        self,
        caller: Caller,
        chat_models: ChatModels,
        defaults: ModelDefaultsService,
        *,
        store: MetadataStore,
        retrieval: RetrievalService,
        mcp_servers: McpServerService,
        toolbox: Toolbox,
        memories: MemoryService,
        agent_id: str = "",
        session_id: str = "",
    ) -> None:
        self._caller = caller
        self._chat_models = chat_models
        self._defaults = defaults
        self._store = store
        self._retrieval = retrieval
        self._mcp_servers = mcp_servers
        self._toolbox = toolbox
        self._memories = memories
        self._agent_id = agent_id
        self._session_id = session_id

    @property
    def tenant_id(self) -> str:
        return self._caller.tenant_id

    def chat_model(self, model_id: str) -> ChatModel:
        chosen = model_id.strip() or self._defaults.get(self._caller).llm_id
        return self._chat_models.get(chosen, self._caller.tenant_id)

    def search_datasets(self, search: DatasetSearch) -> FoundChunks:
        query = RetrievalQuery(
            dataset_ids=self._dataset_ids(search.datasets),
            question=search.question,
            page=1,
            page_size=max(1, search.top_n),
            similarity_threshold=search.similarity_threshold,
            vector_similarity_weight=search.vector_similarity_weight,
            top_k=search.top_k,
            rerank_id=search.rerank_id or None,
            toc_enhance=search.toc_enhance,
            cross_languages=list(search.cross_languages),
            metadata_condition=search.metadata_condition,
            use_kg=search.use_kg,
        )
        result = self._retrieval.retrieve(self._caller, query)
        aggregates = [{"doc_name": doc.name, "doc_id": doc.document_id, "count": doc.count} for doc in result.documents]
        return FoundChunks([reference_chunk(hit) for hit in result.hits], aggregates)

    def _dataset_ids(self, names: list[str]) -> list[str]:
        """The ids of the tenant's datasets named by id or by name; anything else is refused."""
        found: list[str] = []
        with self._store.reading() as tx:
            for name in dict.fromkeys(item.strip() for item in names if item and item.strip()):
                dataset = tx.datasets.owned(self.tenant_id, name) or tx.datasets.named(self.tenant_id, name)
                if dataset is None:
                    raise DataError(f"Dataset({name}) does not exist.")
                found.append(dataset.id)
        if not found:
            raise DataError("No dataset is selected.")
        return list(dict.fromkeys(found))

    def call_mcp_tool(self, mcp_id: str, tool: str, arguments: dict[str, Any], headers: Mapping[str, str]) -> str:
        return self._mcp_servers.call_tool(self._caller, mcp_id, tool, arguments, headers)

    @property
    def toolbox(self) -> Toolbox:
        return self._toolbox

    def save_turn(self, memory_ids: list[str], user_input: str, agent_response: str, user_id: str) -> None:
        self._memories.save_turn(
            self._caller, memory_ids, user_input, agent_response, self._agent_id, self._session_id, user_id
        )

    def search_memories(self, search: MemorySearch) -> list[str]:
        query = MessageQuery(
            question=search.question,
            memory_ids=list(search.memory_ids),
            similarity_threshold=search.similarity_threshold,
            keywords_similarity_weight=search.keywords_similarity_weight,
            top_n=search.top_n,
        )
        return [found.record.content for found in self._memories.search(self._caller, query)]

"""All services of one server, built from settings and closed together."""

from __future__ import annotations

from dataclasses import dataclass

from ragloom.agents import ComponentRegistry, builtin_components
from ragloom.enrich import EnricherRegistry, builtin_enrichers
from ragloom.enrich.models import EnrichmentModels
from ragloom.memory import MemoryService, MessageService
from ragloom.nlp import TextAnalyzer
from ragloom.providers.catalog import ModelCatalog
from ragloom.providers.chat import ChatModels
from ragloom.providers.embedding import EmbeddingModels
from ragloom.providers.mcp import McpClient
from ragloom.providers.rerank import RerankModels
from ragloom.services.agent_environment import TenantAgentServices
from ragloom.services.agent_runs import AgentRunService
from ragloom.services.agent_sessions import AgentSessionService
from ragloom.services.agent_toolbox import AgentTools
from ragloom.services.agents import AgentService
from ragloom.services.blob_cleanup import SHARED_GRACE_SECONDS, sweep_orphans
from ragloom.services.chats import ChatService
from ragloom.services.chunk_tags import TagService
from ragloom.services.chunks import ChunkService
from ragloom.services.completions import CompletionService
from ragloom.services.dataset_search import DatasetSearchService
from ragloom.services.datasets import DatasetService
from ragloom.services.document_metadata import DocumentMetadataService
from ragloom.services.documents import DocumentService
from ragloom.services.enrichment import EnrichmentService
from ragloom.services.evaluations import EvaluationService
from ragloom.services.ingestion_logs import IngestionLogService
from ragloom.services.mcp_servers import McpServerService
from ragloom.services.mind_map_index import MindMapIndexService
from ragloom.services.mind_maps import MindMapService
from ragloom.services.model_defaults import ModelDefaultsService
from ragloom.services.page_images import PageImageService
from ragloom.services.parsing import ParsingService
from ragloom.services.question_assist import QuestionAssistant
from ragloom.services.raptor_index import RaptorIndexService
from ragloom.services.related_questions import RelatedQuestionService
from ragloom.services.retrieval import RetrievalService
from ragloom.services.search_apps import SearchAppService
from ragloom.services.sessions import SessionService
from ragloom.services.task_ledger import TaskLedger
from ragloom.services.tenant_models import TenantModelService, tenant_model_reader
from ragloom.services.tenants import TenantService
from ragloom.settings import Settings
from ragloom.storage.backends import StorageBackends
from ragloom.storage.blobs import BlobStore
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.queue import TaskQueue


@dataclass
class Services:
    """The stores and the services built on them."""

    settings: Settings
    store: MetadataStore
    blobs: BlobStore
    index: ChunkIndex
    queue: TaskQueue
    models: ModelCatalog
    embeddings: EmbeddingModels
    chat_models: ChatModels
    rerank_models: RerankModels
    analyzer: TextAnalyzer
    tenants: TenantService
    datasets: DatasetService
    documents: DocumentService
    page_images: PageImageService
    ledger: TaskLedger
    parsing: ParsingService
    chunks: ChunkService
    retrieval: RetrievalService
    chats: ChatService
    sessions: SessionService
    completions: CompletionService
    model_defaults: ModelDefaultsService
    tenant_models: TenantModelService
    components: ComponentRegistry
    enrichers: EnricherRegistry
    agents: AgentService
    agent_sessions: AgentSessionService
    agent_runs: AgentRunService
    agent_tools: AgentTools
    dataset_search: DatasetSearchService
    tags: TagService
    document_metadata: DocumentMetadataService
    ingestion_logs: IngestionLogService
    enrichment: EnrichmentService
    search_apps: SearchAppService
    related_questions: RelatedQuestionService
    mind_maps: MindMapService
    mcp_servers: McpServerService
    memories: MemoryService
    evaluations: EvaluationService

    @classmethod
    def build(
        cls, settings: Settings, *, isolate_models: bool | None = None, backends: StorageBackends | None = None
    ) -> Services:
        """Open the stores settings choose from ``backends`` (default: the built-in registries),
        migrating the schema, and assemble the services.

        Built-in models run in model processes of their own when ``isolate_models`` (default:
        the ``models.isolate`` setting); parse workers pass ``False``."""
        isolate = settings.models.isolate if isolate_models is None else isolate_models
        stall = settings.models.stall_seconds
        registries = backends or StorageBackends.builtin()
        registries.check(settings)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = registries.metadata.create(settings.database.backend, settings)
        try:
            store.migrate()
            blobs = registries.blobs.create(settings.blobs.backend, settings)
            index = registries.index.create(settings.index.backend, settings)
            queue = registries.queue.create(settings.queue.chosen(settings.database), settings)
        except BaseException:
            store.close()
            raise
        models = ModelCatalog.configured(settings.models)
        models.read_tenant_models_with(tenant_model_reader(store))
        analyzer = TextAnalyzer()
        embeddings = EmbeddingModels(
            models,
            threads=settings.models.embedding_threads,
            isolate=isolate,
            stall_seconds=stall,
            question_cache_size=settings.models.question_cache_size,
            question_wait_seconds=settings.models.question_batch_wait_ms / 1000,
        )
        chat_models = ChatModels(models, threads=settings.models.chat_threads, isolate=isolate, stall_seconds=stall)
        model_defaults = ModelDefaultsService(store, models)
        sessions = SessionService(store)
        assistant = QuestionAssistant(model_defaults, models, chat_models)
        rerank_models = RerankModels(models)
        documents = DocumentService(store, blobs, index, analyzer, settings.upload, queue)
        tenants = TenantService(store, settings.models)
        retrieval = RetrievalService(
            store,
            index,
            embeddings,
            rerank_models,
            analyzer,
            assistant,
            default_scoring=settings.retrieval.scoring,
            tenants=tenants,
        )
        components = builtin_components()
        enrichers = builtin_enrichers()
        question_limit = settings.limits.max_question_length
        completions = CompletionService(
            store,
            index,
            chat_models,
            embeddings,
            retrieval,
            analyzer,
            assistant,
            model_defaults,
            sessions,
            max_question_length=question_limit,
        )
        search_apps = SearchAppService(store, models, completions)
        mcp_servers = McpServerService(store, McpClient(models.tenant_addresses), models.tenant_addresses)
        agent_tools = AgentTools(settings.agents)
        memories = MemoryService(store, index, models, MessageService(store, index, embeddings, analyzer, queue))
        return cls(
            settings=settings,
            store=store,
            queue=queue,
            blobs=blobs,
            index=index,
            models=models,
            embeddings=embeddings,
            chat_models=chat_models,
            rerank_models=rerank_models,
            analyzer=analyzer,
            tenants=tenants,
            datasets=DatasetService(store, blobs, index, models, enrichers),
            documents=documents,
            page_images=PageImageService(documents, blobs),
            ledger=TaskLedger(store, queue, settings.workers),
            parsing=ParsingService(store, index, queue),
            chunks=ChunkService(store, blobs, index, embeddings, analyzer),
            retrieval=retrieval,
            chats=ChatService(store, models),
            sessions=sessions,
            completions=completions,
            model_defaults=model_defaults,
            tenant_models=TenantModelService(store, models.tenant_addresses),
            components=components,
            enrichers=enrichers,
            agents=AgentService(store, components),
            agent_sessions=AgentSessionService(store, components),
            agent_runs=AgentRunService(
                store,
                components,
                lambda caller, agent_id, session_id: TenantAgentServices(
                    caller,
                    chat_models,
                    model_defaults,
                    store=store,
                    retrieval=retrieval,
                    mcp_servers=mcp_servers,
                    toolbox=agent_tools.for_tenant(caller.tenant_id),
                    memories=memories,
                    agent_id=agent_id,
                    session_id=session_id,
                ),
            ),
            agent_tools=agent_tools,
            dataset_search=DatasetSearchService(retrieval, max_question_length=settings.limits.max_question_length),
            tags=TagService(store, index, max_tag_length=settings.limits.max_string_length),
            document_metadata=DocumentMetadataService(store),
            ingestion_logs=IngestionLogService(store),
            enrichment=EnrichmentService(
                store, index, models, queue, RaptorIndexService(store, index, queue), MindMapIndexService(store, queue)
            ),
            search_apps=search_apps,
            related_questions=RelatedQuestionService(assistant, search_apps, max_question_length=question_limit),
            mind_maps=MindMapService(
                assistant,
                retrieval,
                search_apps,
                EnrichmentModels(models, chat_models, store, settings.enrichment),
                max_question_length=question_limit,
            ),
            mcp_servers=mcp_servers,
            memories=memories,
            evaluations=EvaluationService(store, queue, retrieval),
        )

    def sweep(self) -> int:
        """Remove files left behind by a crash (call before serving): all of them on the embedded
        database, only older ones when servers may share the stores (see :mod:`~ragloom.services.blob_cleanup`)."""
        grace = None if self.settings.database.backend == "sqlite" else SHARED_GRACE_SECONDS
        return sweep_orphans(self.store, self.blobs, grace_seconds=grace)

    def close(self) -> None:
        self.agent_tools.close()
        self.chat_models.close()
        self.embeddings.close()
        self.rerank_models.close()
        self.index.close()
        self.store.close()

"""The FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.exceptions import HTTPException

from ragloom import __version__
from ragloom.api.docs import add_docs
from ragloom.api.mcp_mount import LazyMcpEndpoint
from ragloom.api.middleware import AccessLog, SecurityHeaders, StripTrailingSlash
from ragloom.api.openapi import DocumentedAPI
from ragloom.api.routers import (
    agents,
    agents_openai,
    chats,
    chunks,
    completions,
    dataset_search,
    datasets,
    document_metadata,
    documents,
    enrichment,
    evaluations,
    ingestion_logs,
    mcp_servers,
    memories,
    memory_messages,
    models,
    openai_compat,
    parsing,
    retrieval,
    search_assist,
    searchbots,
    searches,
    sessions,
    system,
    tags,
    tokens,
)
from ragloom.api.routing import not_found_or_not_allowed, serve_routes
from ragloom.api.web_ui import add_web_ui
from ragloom.services.container import Services
from ragloom.settings import Settings

WORKER_THREADS = 256


def create_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    """Build the application. Services are built (and the schema migrated) unless given;
    services built here are closed when the application shuts down."""
    owned = services is None
    active = services if services is not None else Services.build(settings)
    mcp = LazyMcpEndpoint(active)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and streamed answers run on anyio's worker threads. A streamed answer holds
        # one while it waits for its turn on a local model, so the default 40 would let 40 waiting
        # chats stall every other request; waiting threads cost little, so allow many.
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, WORKER_THREADS)
        async with mcp.running():
            yield
        if owned:
            active.close()

    app = DocumentedAPI(
        title="ragloom",
        version=__version__,
        summary="A RAG engine that speaks RAGFlow's HTTP API.",
        lifespan=lifespan,
        docs_url=None,  # served from the package's own assets by add_docs
        redoc_url=None,
    )
    app.state.services = active
    app.add_exception_handler(HTTPException, not_found_or_not_allowed)

    for module in (
        # Dataset-level routes first: their literal paths (``/datasets/search``,
        # ``…/documents/metadatas``) must win over the parameterised ones of the routers below.
        dataset_search,
        tags,
        document_metadata,
        ingestion_logs,
        enrichment,
        agents,
        agents_openai,
        datasets,
        documents,
        parsing,
        chunks,
        retrieval,
        chats,
        sessions,
        completions,
        openai_compat,
        models,
        mcp_servers,
        system,
        tokens,
        searches,
        searchbots,
        search_assist,
        memories,
        memory_messages,
        evaluations,
    ):
        serve_routes(app, module.router)  # each declared under /api/v1
    serve_routes(app, system.legacy_router)
    app.router.routes.append(mcp.route())  # MCP over streamable HTTP (not an OpenAPI operation)
    add_docs(app)
    add_web_ui(app)  # the browser interface at / (a client of /api/v1, outside the OpenAPI document)

    app.add_middleware(AccessLog)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(StripTrailingSlash)
    return app

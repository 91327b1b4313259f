"""A small corpus on the live server, and MCP client sessions over streamable HTTP and stdio."""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx2
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from tests.e2e.conftest import LiveServer

T = TypeVar("T")
FAST_MODEL = "universal-sentence-encoder-multilingual@Builtin"
FACT = "The Zorblax festival is held every March in the mountain town of Quillby, where people paint eggs green."
OTHER = "Sourdough bread needs a starter of flour and water, fed daily, and a long slow rise before baking."
QUESTION = "When is the Zorblax festival held?"


@dataclass
class Corpus:
    """A parsed dataset of the live server's first tenant (two documents) and a chat over it."""

    dataset_id: str
    document_ids: dict[str, str]
    chat_id: str


def build_corpus(server: LiveServer) -> Corpus:
    """Upload and parse two small documents through ragflow-sdk, and make a chat over them."""
    from ragflow_sdk import RAGFlow

    rag = RAGFlow(server.key, server.base_url)
    dataset = rag.create_dataset(name=f"mcp-{time.time_ns()}", embedding_model=FAST_MODEL)
    documents = dataset.upload_documents(
        [{"display_name": "festival.txt", "blob": FACT.encode()}, {"display_name": "bread.txt", "blob": OTHER.encode()}]
    )
    results = dataset.parse_documents([document.id for document in documents])
    assert all(run == "DONE" for _, run, _, _ in results), results
    chat = rag.create_chat(
        name=f"mcp-festival-{time.time_ns()}",
        dataset_ids=[dataset.id],
        llm_setting={"temperature": 0.0, "max_tokens": 48},
    )
    return Corpus(dataset.id, {document.name: document.id for document in documents}, chat.id)


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


Operation = Callable[[ClientSession], Awaitable[T]]


async def _run(streams: AbstractAsyncContextManager[Any], operation: Operation[T]) -> T:
    async with streams as (read_stream, write_stream), ClientSession(read_stream, write_stream) as session:
        await session.initialize()
        return await operation(session)


def over_http(server: LiveServer, key: str | None, operation: Operation[T]) -> T:
    """``operation`` in an MCP session with the live server's ``/mcp``, sending ``key``."""

    async def run() -> T:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(180)) as http:
            return await _run(streamable_http_client(f"{server.base_url}/mcp", http_client=http), operation)

    return anyio.run(run)


def over_stdio(data_dir: Path, key: str, env: dict[str, str], operation: Operation[T], errors: Any) -> T:
    """``operation`` in an MCP session with ``ragloom mcp`` on ``data_dir`` (its stderr to ``errors``)."""
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["-m", "ragloom", "mcp", "--data-dir", str(data_dir), "--api-key", key],
        env=env,
    )

    async def run() -> T:
        return await _run(stdio_client(parameters, errlog=errors), operation)

    return anyio.run(run)


def calls(*wanted: tuple[str, dict[str, Any]]) -> Operation[list[CallToolResult]]:
    """An operation calling each tool in turn, with its arguments."""

    async def operation(session: ClientSession) -> list[CallToolResult]:
        return [await session.call_tool(name, arguments) for name, arguments in wanted]

    return operation

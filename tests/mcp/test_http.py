"""MCP over streamable HTTP at ``/mcp``: in process (the key check, the session bound to its key, no
OpenAPI operation) and against a live ``ragloom serve`` with the ``mcp`` client (every tool, a
parsed document, a real chat answer, tenant isolation)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from mcp import ClientSession
from mcp.shared.exceptions import MCPError

from ragloom.providers.chat.local_llama import local_chat_available
from tests.e2e.conftest import LiveServer
from tests.mcp.support import FACT, QUESTION, Corpus, build_corpus, calls, over_http, text_of

JSON_RPC = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions an exception group holds, however deeply nested."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def sse_messages(text: str) -> list[Any]:
    return [json.loads(line[len("data:") :]) for line in text.splitlines() if line.startswith("data:")]


# ---- in process ---------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer not-a-key", "Basic dXNlcjpwYXNz"])
def test_without_a_valid_key_the_answer_is_401_and_no_session(client: TestClient, authorization: str | None) -> None:
    headers = {**JSON_RPC, **({"Authorization": authorization} if authorization is not None else {})}
    answer = client.post("/mcp", json=INITIALIZE, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.json()["error"] == "invalid_token"
    assert "mcp-session-id" not in answer.headers
    assert client.get("/mcp", headers=headers).status_code == 401


def test_a_session_opened_with_a_key_serves_only_that_key(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str]
) -> None:
    opened = client.post("/mcp", json=INITIALIZE, headers={**JSON_RPC, **headers})
    assert opened.status_code == 200, opened.text
    (initialized,) = sse_messages(opened.text)
    assert initialized["result"]["serverInfo"]["name"] == "ragloom"
    session = {"mcp-session-id": opened.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
    notified = client.post(
        "/mcp",
        json={"jsonrpc": "2.0", "method": "notifications/initialized"},
        headers={**JSON_RPC, **headers, **session},
    )
    assert notified.status_code == 202
    listed = client.post("/mcp", json=LIST_TOOLS, headers={**JSON_RPC, **headers, **session})
    (tools,) = sse_messages(listed.text)
    assert [tool["name"] for tool in tools["result"]["tools"]] == [
        "list_datasets",
        "retrieve",
        "list_chats",
        "ask_chat",
    ]
    # another tenant's key cannot use the session: it is answered as if there were none
    stolen = client.post("/mcp", json=LIST_TOOLS, headers={**JSON_RPC, **other_headers, **session})
    assert stolen.status_code == 404
    assert "tools" not in stolen.text


def test_the_endpoint_is_no_openapi_operation(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert [path for path in paths if path == "/mcp" or path.startswith("/mcp/")] == []


# ---- a live server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(live_server: LiveServer) -> Corpus:
    return build_corpus(live_server)


@pytest.mark.e2e
def test_every_tool_over_streamable_http(live_server: LiveServer, corpus: Corpus) -> None:
    festival = corpus.document_ids["festival.txt"]

    async def operation(session: ClientSession) -> dict[str, Any]:
        tools = await session.list_tools()
        results = await calls(
            ("list_datasets", {"page_size": 100}),
            ("list_chats", {}),
            (
                "retrieve",
                {
                    "dataset_ids": [corpus.dataset_id],
                    "question": QUESTION,
                    "similarity_threshold": 0.1,
                    "vector_similarity_weight": 0.5,
                    "top_k": 64,
                    "page": 1,
                    "page_size": 1,
                    "highlight": True,
                    "keyword": False,
                    "cross_languages": [],
                    "reference_metadata": {"include": True},
                },
            ),
            ("retrieve", {"dataset_ids": [corpus.dataset_id], "question": QUESTION, "document_ids": [festival]}),
            ("retrieve", {"dataset_ids": [corpus.dataset_id], "question": QUESTION, "similarity_threshold": 1.5}),
            ("retrieve", {"dataset_ids": [corpus.dataset_id], "question": ""}),
            ("retrieve", {"dataset_ids": [corpus.dataset_id], "question": QUESTION, "page_size": "many"}),
        )(session)
        return {"tools": tools.tools, "results": results}

    seen = over_http(live_server, live_server.key, operation)
    assert {tool.name for tool in seen["tools"]} == {"list_datasets", "retrieve", "list_chats", "ask_chat"}
    datasets, chats, best, only_festival, nothing, empty, bad = seen["results"]
    assert corpus.dataset_id in [dataset["id"] for dataset in datasets.structured_content["datasets"]]
    assert corpus.chat_id in [chat["id"] for chat in chats.structured_content["chats"]]
    assert not best.is_error, text_of(best)
    (chunk,) = best.structured_content["chunks"]
    assert chunk["document_id"] == festival
    assert chunk["content"] == FACT
    assert "<em>" in chunk["highlight"]
    assert best.structured_content["total"] >= 1
    assert FACT in text_of(best)
    assert {hit["document_id"] for hit in only_festival.structured_content["chunks"]} == {festival}
    assert nothing.structured_content["total"] == 0
    assert (empty.is_error, text_of(empty)) == (True, "`question` is required.")
    assert bad.is_error
    assert bad.structured_content["code"] == 100
    assert "invalid literal for int()" in text_of(bad)


@pytest.mark.e2e
@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_ask_chat_answers_with_the_built_in_model_and_keeps_the_session(
    live_server: LiveServer, corpus: Corpus
) -> None:
    async def operation(session: ClientSession) -> list[Any]:
        first = await session.call_tool("ask_chat", {"chat_id": corpus.chat_id, "question": QUESTION})
        assert not first.is_error, text_of(first)
        session_id = first.structured_content["session_id"]
        second = await session.call_tool(
            "ask_chat", {"chat_id": corpus.chat_id, "question": "Where is it held?", "session_id": session_id}
        )
        return [first, second]

    first, second = over_http(live_server, live_server.key, operation)
    answer = first.structured_content
    assert answer["answer"].strip()
    assert answer["chat_id"] == corpus.chat_id
    references = answer["reference"]["chunks"]
    assert corpus.document_ids["festival.txt"] in [chunk["document_id"] for chunk in references]
    assert "festival.txt" in [chunk["document_name"] for chunk in references]
    assert all(chunk["id"] for chunk in references)
    assert not second.is_error, text_of(second)
    assert second.structured_content["session_id"] == answer["session_id"]
    sessions = requests.get(
        f"{live_server.api_url}/chats/{corpus.chat_id}/sessions",
        params={"id": answer["session_id"]},
        headers=live_server.headers(),
        timeout=30,
    ).json()["data"]
    questions = [message["content"] for message in sessions[0]["messages"] if message["role"] == "user"]
    assert questions == [QUESTION, "Where is it held?"]


@pytest.mark.e2e
def test_without_a_key_the_live_endpoint_refuses(live_server: LiveServer) -> None:
    answer = requests.post(f"{live_server.base_url}/mcp", json=INITIALIZE, headers=JSON_RPC, timeout=30)
    assert answer.status_code == 401
    assert "mcp-session-id" not in answer.headers
    with pytest.raises(ExceptionGroup) as refused:  # the client's task groups wrap what it raised
        over_http(live_server, "not-a-key", calls(("list_datasets", {})))
    (error,) = leaves(refused.value)
    assert isinstance(error, MCPError)
    assert error.message == "Server returned an error response"


@pytest.mark.e2e
def test_another_tenants_key_sees_and_reaches_nothing_of_the_first(live_server: LiveServer, corpus: Corpus) -> None:
    results = over_http(
        live_server,
        live_server.other_key,
        calls(
            ("list_datasets", {"page_size": 100}),
            ("list_chats", {}),
            ("retrieve", {"dataset_ids": [corpus.dataset_id], "question": QUESTION}),
            ("ask_chat", {"chat_id": corpus.chat_id, "question": QUESTION}),
        ),
    )
    datasets, chats, retrieved, asked = results
    assert corpus.dataset_id not in str(datasets.structured_content)
    assert corpus.chat_id not in str(chats.structured_content)
    assert retrieved.is_error
    assert text_of(retrieved) == f"You don't own the dataset {corpus.dataset_id}."
    assert asked.is_error
    assert text_of(asked) == "No authorization."
    for result in (retrieved, asked):
        assert "Zorblax" not in str(result.model_dump())

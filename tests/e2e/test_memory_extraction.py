"""Extraction end to end: a turn added through ragflow-sdk is extracted by the server's workers into
typed messages linked to their raw message — by the built-in local model (SmolLM2 through llama.cpp,
held to the answer's JSON schema), and by a scripted OpenAI-compatible server (a fake at the edge,
configured as the tenant's own models) whose known JSON must come back exactly.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ragloom.providers.chat.local_llama import SMOLLM2_ID, local_chat_available
from tests.e2e.conftest import LiveServer, new_tenant_key
from tests.openai_server import OpenAIStyleServer

SCRIPTED_CHAT = "parrot@OpenAI-API-Compatible"
SCRIPTED_EMBEDDING = "hashbow@OpenAI-API-Compatible"
ITEMS = {
    "semantic": [{"content": "The user is called Alice.", "valid_at": "2026-01-04T19:56:42", "invalid_at": ""}],
    "episodic": [
        {"content": "Alice moved to Paris.", "valid_at": "2025-09-01T00:00:00", "invalid_at": ""},
        {"content": "Alice started a new job.", "valid_at": "2025-10-01T09:00:00", "invalid_at": "2026-10-01T00:00:00"},
    ],
    "procedural": [{"content": "Alice drinks green tea every morning.", "valid_at": "", "invalid_at": ""}],
}
TURN = ("I'm Alice; I moved to Paris last year and drink green tea every morning.", "Welcome to Paris, Alice!")


def wait_for_extraction(memory: Any, timeout: float) -> dict[str, Any]:
    """The memory's one raw message once its extraction task has finished (done or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        (raw,) = memory.list_memory_messages()["messages"]["message_list"]
        if raw["task"].get("progress") in (1.0, -1.0):
            return dict(raw)
        assert time.monotonic() < deadline, f"extraction did not finish in {timeout}s: {raw['task']}"
        time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not local_chat_available(), reason="the local extra is not installed")
def test_the_built_in_model_extracts_typed_messages_linked_to_their_raw_message(rag: Any, unique_name: str) -> None:
    memory = rag.create_memory(f"local-{unique_name}", ["raw", "semantic"], "multilingual-e5-small@Builtin", SMOLLM2_ID)
    memory.update({"temperature": 0})
    rag.add_message([memory.id], "agent", "session", *TURN, user_id="alice")
    raw = wait_for_extraction(memory, timeout=840)
    assert raw["task"]["progress"] == 1.0, raw["task"]["progress_msg"]
    assert raw["extract"], raw["task"]["progress_msg"]
    for item in raw["extract"]:
        assert (item["message_type"], item["source_id"]) == ("semantic", raw["message_id"])
        assert (item["agent_id"], item["session_id"], item["user_id"]) == ("agent", "session", "alice")
        assert memory.get_message_content(item["message_id"])["content"]
    recent = rag.get_recent_messages([memory.id], limit=100)
    assert {message["message_type"] for message in recent} == {"raw", "semantic"}


@pytest.fixture(scope="module")
def model_server() -> Iterator[OpenAIStyleServer]:
    server = OpenAIStyleServer()
    yield server
    server.close()


@pytest.fixture
def scripted(
    live_server: LiveServer, server_env: dict[str, str], unique_name: str, model_server: OpenAIStyleServer
) -> Any:
    """A client of a new tenant whose own models are the scripted server's."""
    from ragflow_sdk import RAGFlow

    key = new_tenant_key(live_server, server_env, f"scripted-{unique_name}")
    for kind in ("chat", "embedding"):
        answer = requests.post(
            f"{live_server.api_url}/tenant/providers",
            json=model_server.model(kind),
            headers=live_server.headers(key),
            timeout=30,
        ).json()
        assert answer["code"] == 0, answer
    return RAGFlow(key, live_server.base_url)


@pytest.mark.sdk
def test_a_scripted_model_s_items_come_back_exactly(scripted: Any, model_server: OpenAIStyleServer) -> None:
    model_server.answer = ["```json\n", json.dumps(ITEMS)[:40], json.dumps(ITEMS)[40:], "\n```"]
    memory = scripted.create_memory(
        "scripted", ["raw", "semantic", "episodic", "procedural"], SCRIPTED_EMBEDDING, SCRIPTED_CHAT
    )
    scripted.add_message([memory.id], "agent-7", "session-7", *TURN)
    raw = wait_for_extraction(memory, timeout=120)
    assert raw["task"]["progress"] == 1.0, raw["task"]["progress_msg"]
    contents = {
        item["message_id"]: memory.get_message_content(item["message_id"])["content"] for item in raw["extract"]
    }
    got = sorted(
        (item["message_type"], contents[item["message_id"]], item["valid_at"], item["invalid_at"])
        for item in raw["extract"]
    )
    raw_time = raw["valid_at"]
    expected = sorted(
        (
            kind,
            item["content"],
            item["valid_at"].replace("T", " ") if item["valid_at"] else raw_time,
            item["invalid_at"].replace("T", " ") if item["invalid_at"] else None,
        )
        for kind, items in ITEMS.items()
        for item in items
    )
    assert got == expected
    assert {item["source_id"] for item in raw["extract"]} == {raw["message_id"]}
    found = scripted.search_message("green tea every morning", [memory.id], similarity_threshold=0.0, top_n=10)
    assert found[0]["content"] == "Alice drinks green tea every morning."
    assert found[0]["message_type"] == "procedural"


@pytest.mark.sdk
def test_junk_from_the_model_is_a_visible_failure_that_keeps_the_raw_message(
    scripted: Any, model_server: OpenAIStyleServer
) -> None:
    model_server.answer = "Alice seems lovely, I will remember that."
    memory = scripted.create_memory("junk", ["raw", "semantic"], SCRIPTED_EMBEDDING, SCRIPTED_CHAT)
    scripted.add_message([memory.id], "agent", "session", *TURN)
    raw = wait_for_extraction(memory, timeout=120)
    assert raw["task"]["progress"] == -1.0
    assert (
        "[ERROR] Chat model parrot@OpenAI-API-Compatible gave no JSON object naming semantic"
        in (raw["task"]["progress_msg"])
    )
    assert raw["extract"] == []
    (kept,) = scripted.get_recent_messages([memory.id])
    assert kept["content"] == f"User Input: {TURN[0]}\nAgent Response: {TURN[1]}"

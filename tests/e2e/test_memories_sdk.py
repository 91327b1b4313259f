"""Memories end to end through ragflow-sdk (0.26.0, and 0.27.3 when ``scripts/test`` reruns the ``sdk``
tests): CRUD and listing with every filter, messages added to one and several memories, listed,
searched, recent, read, disabled and forgotten, RAGFlow's validation messages, tenant walls.

Memories embed with the built-in ``multilingual-e5-small`` (384 dimensions); extraction is in
``test_memory_extraction.py``, size accounting in ``test_memory_forgetting.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ragloom.providers.chat.local_llama import SMOLLM2_ID
from tests.e2e.conftest import LiveServer, new_tenant_key

EMBEDDING = "multilingual-e5-small@Builtin"
TEA = ("I drink green tea every morning before work", "Green tea in the morning is a fine habit.")
BIKE = ("I ride my bicycle to the office", "Cycling keeps you fit.")


def sdk(live_server: LiveServer, key: str) -> Any:
    from ragflow_sdk import RAGFlow

    return RAGFlow(key, live_server.base_url)


@pytest.fixture
def fresh(live_server: LiveServer, server_env: dict[str, str], unique_name: str) -> Any:
    """A client of a tenant created for this test alone (its memory listing is exactly what it made)."""
    return sdk(live_server, new_tenant_key(live_server, server_env, f"memories-{unique_name}"))


def refusal(call: Callable[[], object]) -> str:
    with pytest.raises(Exception) as raised:  # noqa: PT011 (the SDK raises a bare Exception)
        call()
    return str(raised.value)


def create(rag: Any, name: str, types: list[str] | None = None) -> Any:
    return rag.create_memory(name, types or ["raw"], EMBEDDING, SMOLLM2_ID)


def raw_of(listing: dict[str, Any]) -> list[dict[str, Any]]:
    return list(listing["messages"]["message_list"])


@pytest.mark.sdk
def test_memory_crud_and_listing_with_every_filter(fresh: Any) -> None:
    first = create(fresh, "Alpha notes")
    assert (first.name, first.memory_type, first.storage_type, first.permissions) == (
        "Alpha notes",
        ["raw"],
        "table",
        "me",
    )
    assert (first.embd_id, first.llm_id, first.memory_size, first.forgetting_policy) == (
        EMBEDDING,
        SMOLLM2_ID,
        5 * 1024 * 1024,
        "FIFO",
    )
    second = create(fresh, "alpha notes", ["semantic", "episodic"])
    assert (second.name, second.memory_type) == ("alpha notes(1)", ["raw", "semantic", "episodic"])
    assert "episodic" in second.system_prompt
    third = create(fresh, "Beta", ["procedural"])

    first.update({"description": "first one", "temperature": 0.2, "memory_size": 1024 * 1024, "permissions": "team"})
    assert (first.description, first.temperature, first.memory_size, first.permissions) == (
        "first one",
        0.2,
        1024 * 1024,
        "team",
    )
    config = fresh.list_memory(keywords="Beta")["memory_list"][0]
    config.get_config()
    assert (config.id, config.owner_name, config.memory_type) == (third.id, config.owner_name, ["raw", "procedural"])
    assert config.owner_name

    def names(**filters: Any) -> list[str]:
        listed = fresh.list_memory(**filters)
        assert listed["code"] == 0
        return [memory.name for memory in listed["memory_list"]]

    assert names() == ["Alpha notes", "Beta", "alpha notes(1)"]  # last updated first
    assert names(memory_type="semantic") == ["alpha notes(1)"]
    assert names(memory_type=["procedural", "episodic"]) == ["Beta", "alpha notes(1)"]
    assert names(keywords="NOTES") == ["Alpha notes", "alpha notes(1)"]
    assert names(storage_type="table", page=2, page_size=2) == ["alpha notes(1)"]
    assert names(tenant_id=first.tenant_id) == names()
    assert names(tenant_id=[first.tenant_id, "someone-else"]) == names()
    assert names(tenant_id="someone-else") == []
    assert fresh.list_memory(page_size=1)["total_count"] == 3

    fresh.delete_memory(second.id)
    assert names() == ["Alpha notes", "Beta"]
    assert refusal(lambda: fresh.delete_memory(second.id)) == f"Memory '{second.id}' not found."


@pytest.mark.sdk
def test_messages_added_listed_searched_recent_and_read(rag: Any, unique_name: str) -> None:
    notes, diary = create(rag, f"notes-{unique_name}"), create(rag, f"diary-{unique_name}")
    answer = rag.add_message([notes.id, diary.id], "agent-tea", "morning-session", *TEA, user_id="alice")
    assert answer == "All add to task."
    rag.add_message([notes.id], "agent-bike", "commute-session", *BIKE)

    listing = notes.list_memory_messages()
    assert (listing["storage_type"], listing["messages"]["total_count"]) == ("table", 2)
    newest, oldest = raw_of(listing)
    assert (newest["agent_id"], oldest["agent_id"]) == ("agent-bike", "agent-tea")
    assert (oldest["message_type"], oldest["source_id"], oldest["user_id"], oldest["status"]) == (
        "raw",
        0,
        "alice",
        True,
    )
    assert (oldest["agent_name"], oldest["extract"], oldest["task"]) == ("Unknown", [], {})
    assert [m["agent_id"] for m in raw_of(notes.list_memory_messages(agent_id="agent-tea"))] == ["agent-tea"]
    assert [m["agent_id"] for m in raw_of(notes.list_memory_messages(agent_id=["agent-tea", "agent-bike"]))] == [
        "agent-bike",
        "agent-tea",
    ]
    assert [m["session_id"] for m in raw_of(notes.list_memory_messages(keywords="commute"))] == ["commute-session"]
    assert [m["agent_id"] for m in raw_of(notes.list_memory_messages(page=2, page_size=1))] == ["agent-tea"]
    assert raw_of(diary.list_memory_messages())[0]["session_id"] == "morning-session"

    found = rag.search_message("green tea in the morning", [notes.id, diary.id])
    assert {hit["memory_id"] for hit in found[:2]} == {notes.id, diary.id}  # best first: the tea turn in each
    assert [hit["content"] for hit in found[:2]] == [f"User Input: {TEA[0]}\nAgent Response: {TEA[1]}"] * 2
    assert found[0]["similarity"] >= found[-1]["similarity"]
    only_bike = rag.search_message("bicycle office", [notes.id], agent_id="agent-bike", similarity_threshold=0.0)
    assert [hit["agent_id"] for hit in only_bike] == ["agent-bike"]
    assert rag.search_message("bicycle", [notes.id], session_id="commute", similarity_threshold=0.0)[0]["agent_id"] == (
        "agent-bike"
    )
    assert rag.search_message("tea", [notes.id], user_id="alice", similarity_threshold=0.0)[0]["user_id"] == "alice"
    assert len(rag.search_message("tea bicycle", [notes.id], similarity_threshold=0.0, top_n=1)) == 1
    keyword_only = rag.search_message("bicycle", [notes.id], keywords_similarity_weight=1.0, similarity_threshold=0.0)
    assert keyword_only[0]["agent_id"] == "agent-bike"

    recent = rag.get_recent_messages([notes.id, diary.id])
    assert [message["agent_id"] for message in recent] == ["agent-bike", "agent-tea", "agent-tea"]
    assert [m["agent_id"] for m in rag.get_recent_messages([notes.id], agent_id="agent-tea")] == ["agent-tea"]
    assert [m["session_id"] for m in rag.get_recent_messages([notes.id], session_id="commute-session")] == [
        "commute-session"
    ]
    assert len(rag.get_recent_messages([notes.id], limit=1)) == 1

    content = notes.get_message_content(oldest["message_id"])
    assert content["id"] == f"{notes.id}_{oldest['message_id']}"
    assert len(content["content_embed"]) == 384
    assert content["content"].startswith("User Input: I drink green tea")


@pytest.mark.sdk
def test_status_off_hides_from_search_and_forgetting_from_search_and_recent(rag: Any, unique_name: str) -> None:
    memory = create(rag, f"switches-{unique_name}")
    rag.add_message([memory.id], "agent", "session", *TEA)
    rag.add_message([memory.id], "agent", "session", *BIKE)
    tea, bike = sorted(raw_of(memory.list_memory_messages()), key=lambda message: message["message_id"])

    def searched(question: str) -> list[int]:
        return [hit["message_id"] for hit in rag.search_message(question, [memory.id], similarity_threshold=0.4)]

    assert searched("green tea every morning") == [tea["message_id"]]
    assert memory.update_message_status(tea["message_id"], False) is True
    assert searched("green tea every morning") == []
    assert [m["message_id"] for m in rag.get_recent_messages([memory.id])] == [bike["message_id"], tea["message_id"]]
    assert memory.get_message_content(tea["message_id"])["status"] is False
    memory.update_message_status(tea["message_id"], True)
    assert searched("green tea every morning") == [tea["message_id"]]

    assert memory.forget_message(tea["message_id"]) is True
    assert searched("green tea every morning") == []
    assert [m["message_id"] for m in rag.get_recent_messages([memory.id])] == [bike["message_id"]]
    forgotten = memory.get_message_content(tea["message_id"])
    assert forgotten["forget_at"] is not None
    assert len(raw_of(memory.list_memory_messages())) == 2  # the listing shows it, forgotten


@pytest.mark.sdk
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("   ", ["raw"], EMBEDDING, SMOLLM2_ID), "Memory name cannot be empty or whitespace."),
        (("n" * 129, ["raw"], EMBEDDING, SMOLLM2_ID), f"Memory name '{'n' * 129}' exceeds limit of 128."),
        (("name", ["raw", "dreams"], EMBEDDING, SMOLLM2_ID), "Memory type '{'dreams'}' is not supported."),
        (("name", ["raw"], "nope@Builtin", SMOLLM2_ID), "Unsupported model: <nope@Builtin>"),
        (("name", ["raw"], EMBEDDING, "gpt-4o@OpenAI"), "Unauthorized model: <gpt-4o@OpenAI>"),
    ],
)
def test_create_validation_messages(rag: Any, arguments: tuple[Any, ...], message: str) -> None:
    assert refusal(lambda: rag.create_memory(*arguments)) == message


@pytest.mark.sdk
def test_update_and_message_validation_messages(rag: Any, unique_name: str) -> None:
    memory = create(rag, f"checked-{unique_name}")
    for update, message in (
        ({"name": " "}, "Memory name cannot be empty or whitespace."),
        ({"permissions": "world"}, "Unknown permission 'world'."),
        ({"memory_type": ["dreams"]}, "Memory type '{'dreams'}' is not supported."),
        ({"memory_size": 10 * 1024 * 1024 + 1}, "Memory size should be in range (0, 10485760] Bytes."),
        ({"forgetting_policy": "LRU"}, "Forgetting policy 'LRU' is not supported."),
        ({"temperature": 2}, "Temperature should be in range [0, 1]."),
    ):
        assert refusal(lambda update=update: memory.update(update)) == message  # type: ignore[misc]
    rag.add_message([memory.id], "agent", "session", *TEA)
    assert refusal(lambda: memory.update({"embd_id": "universal-sentence-encoder-multilingual@Builtin"})) == (
        "Can't update ['embd_id'] when memory isn't empty."
    )
    assert refusal(lambda: memory.get_message_content(999)) == f"Message '999' in memory '{memory.id}' not found."
    assert refusal(lambda: rag.add_message(["nope"], "agent", "session", "u", "r")) == (
        "Some messages failed to add. Detail:Memory not found."
    )
    assert refusal(lambda: rag.get_recent_messages([], limit=5)) == "memory_ids is required."
    assert refusal(lambda: rag.search_message("tea", [memory.id], top_n=101)) == "`top_n` must be at most 100."


@pytest.mark.sdk
def test_another_tenants_memory_is_not_found(rag: Any, other_rag: Any, unique_name: str) -> None:
    from ragflow_sdk import Memory

    memory = create(rag, f"private-{unique_name}")
    rag.add_message([memory.id], "agent", "session", *TEA)
    (message,) = raw_of(memory.list_memory_messages())
    stolen = Memory(other_rag, {"id": memory.id})
    not_found = f"Memory '{memory.id}' not found."
    for call in (
        stolen.get_config,
        lambda: stolen.update({"name": "mine now"}),
        stolen.list_memory_messages,
        lambda: stolen.get_message_content(message["message_id"]),
        lambda: stolen.update_message_status(message["message_id"], False),
        lambda: stolen.forget_message(message["message_id"]),
        lambda: other_rag.search_message("green tea", [memory.id]),
        lambda: other_rag.get_recent_messages([memory.id]),
        lambda: other_rag.delete_memory(memory.id),
    ):
        assert refusal(call) == not_found
    assert refusal(lambda: other_rag.add_message([memory.id], "a", "s", "u", "r")) == (
        "Some messages failed to add. Detail:Memory not found."
    )
    assert memory.id not in {listed.id for listed in other_rag.list_memory(page_size=100)["memory_list"]}
    assert memory.get_message_content(message["message_id"])["status"] is True
    assert memory.get_config().name == f"private-{unique_name}"


def test_what_the_sdk_cannot_send_is_refused_over_http(api: str, auth: dict[str, str], unique_name: str) -> None:
    """ragflow-sdk checks its arguments' types itself; other clients reach these answers."""
    import requests

    def call(method: str, path: str, **options: Any) -> tuple[int, str]:
        body = requests.request(method, f"{api}{path}", headers=auth, timeout=60, **options).json()
        return body["code"], body["message"]

    body = {"name": f"http-{unique_name}", "memory_type": ["raw"], "embd_id": EMBEDDING, "llm_id": SMOLLM2_ID}
    assert call("POST", "/memories", json={**body, "memory_type": "raw"}) == (101, "Memory type must be a list.")
    assert call("POST", "/memories", json={**body, "embd_id": None}) == (
        101,
        "required argument are missing: embd_id; ",
    )
    memory_id = requests.post(f"{api}/memories", json=body, headers=auth, timeout=60).json()["data"]["id"]
    assert call("DELETE", f"/messages/{memory_id}:abc") == (101, "Message id 'abc' is not an integer.")
    assert call("GET", f"/messages/{memory_id}:1x/content") == (101, "Message id '1x' is not an integer.")
    assert call("PUT", f"/messages/{memory_id}:1", json={"status": "yes"}) == (101, "Status must be a boolean.")
    assert call("PUT", f"/messages/{memory_id}:1", json={}) == (101, "required argument are missing: status; ")

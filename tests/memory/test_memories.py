"""Memories through the service: names, types, models, prompts, updates, listing, deletion, tenants."""

from __future__ import annotations

import pytest

from ragloom.errors import ArgumentError, DataError, NotFoundError
from ragloom.memory import MemoryChanges, MemoryListing, MemoryService, MessageType, NewMemory, Permission, Turn
from ragloom.memory.kinds import DEFAULT_MEMORY_SIZE
from ragloom.memory.memories import default_system_prompt
from ragloom.rag.memory_prompts import extraction_system_prompt
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.conftest import SCRIPTED_CHAT_MODEL, SCRIPTED_EMBEDDING_MODEL
from tests.memory.conftest import new_memory

TURN = Turn("agent", "session")


def test_a_new_memory_keeps_raw_and_gets_the_prompt_of_its_types(memories: MemoryService, caller: Caller) -> None:
    spec = NewMemory("notes", (MessageType.SEMANTIC,), SCRIPTED_EMBEDDING_MODEL, SCRIPTED_CHAT_MODEL)
    memory = memories.create(caller, spec).record
    assert memory.memory_type == 0b11
    assert memory.system_prompt == extraction_system_prompt(["semantic"])
    assert (memory.memory_size, memory.forgetting_policy, memory.temperature) == (DEFAULT_MEMORY_SIZE, "FIFO", 0.5)
    raw_only = memories.create(caller, NewMemory("raw", (), SCRIPTED_EMBEDDING_MODEL, SCRIPTED_CHAT_MODEL)).record
    assert (raw_only.memory_type, raw_only.system_prompt) == (1, None)


def test_a_taken_name_is_numbered_ignoring_case(memories: MemoryService, services: Services, caller: Caller) -> None:
    first = new_memory(services, caller, "Notes")
    assert memories.config(caller, new_memory(services, caller, "notes")).record.name == "notes(1)"
    assert memories.config(caller, new_memory(services, caller, "NOTES")).record.name == "NOTES(2)"
    other = new_memory(services, caller, "other")
    renamed = memories.update(caller, other, MemoryChanges(name="notes")).record
    assert renamed.name == "notes(3)"
    assert memories.update(caller, first, MemoryChanges(name="Notes")).record.name == "Notes"


@pytest.mark.parametrize(
    ("embd_id", "llm_id", "message"),
    [
        ("nope@Builtin", SCRIPTED_CHAT_MODEL, "Unsupported model: <nope@Builtin>"),
        ("text-embedding-3-small@OpenAI", SCRIPTED_CHAT_MODEL, "Unauthorized model: <text-embedding-3-small@OpenAI>"),
        (SCRIPTED_EMBEDDING_MODEL, "gpt-x@Madeup", "Unsupported model: <gpt-x@Madeup>"),
        (SCRIPTED_EMBEDDING_MODEL, SCRIPTED_EMBEDDING_MODEL, f"Unauthorized model: <{SCRIPTED_EMBEDDING_MODEL}>"),
    ],
)
def test_models_are_checked_like_a_datasets(
    memories: MemoryService, caller: Caller, embd_id: str, llm_id: str, message: str
) -> None:
    with pytest.raises(DataError) as refused:
        memories.create(caller, NewMemory("m", (), embd_id, llm_id))
    assert refused.value.message == message


def test_updates_apply_and_the_prompt_follows_the_types_until_edited(
    memories: MemoryService, services: Services, caller: Caller
) -> None:
    memory_id = new_memory(services, caller, types=("raw", "semantic"))
    changes = MemoryChanges(
        permissions=Permission.TEAM,
        temperature=0.0,
        types=(MessageType.EPISODIC,),
        texts={"description": "mine", "avatar": "data:image/png;base64,AA=="},
    )
    updated = memories.update(caller, memory_id, changes).record
    assert (updated.permissions, updated.temperature, updated.memory_type) == ("team", 0.0, 0b101)
    assert (updated.description, updated.avatar) == ("mine", "data:image/png;base64,AA==")
    assert updated.system_prompt == default_system_prompt(0b101)
    memories.update(caller, memory_id, MemoryChanges(texts={"system_prompt": "Only names."}))
    kept = memories.update(caller, memory_id, MemoryChanges(types=(MessageType.SEMANTIC,))).record
    assert kept.system_prompt == "Only names."
    cleared = memories.update(caller, memory_id, MemoryChanges(texts={"description": None})).record
    assert cleared.description is None
    unchanged = memories.update(caller, memory_id, MemoryChanges()).record
    assert unchanged.update_time == cleared.update_time


def test_the_embedding_model_and_types_stay_while_the_memory_holds_messages(
    memories: MemoryService, services: Services, caller: Caller
) -> None:
    memory_id = new_memory(services, caller)
    memories.messages.add_message(caller, [memory_id], "hello", "hi", TURN)
    with pytest.raises(ArgumentError) as refused:
        memories.update(caller, memory_id, MemoryChanges(types=(MessageType.SEMANTIC,)))
    assert refused.value.message == "Can't update ['memory_type'] when memory isn't empty."
    same = memories.update(caller, memory_id, MemoryChanges(embd_id=SCRIPTED_EMBEDDING_MODEL, types=()))
    assert same.record.memory_type == 1


def test_a_smaller_memory_size_evicts_at_once(memories: MemoryService, services: Services, caller: Caller) -> None:
    memory_id = new_memory(services, caller)
    for number in range(5):
        memories.messages.add_message(caller, [memory_id], f"question {number}", "answer", TURN)
    stats = services.index.message_stats(memory_id)
    one = stats.size // stats.count
    memories.update(caller, memory_id, MemoryChanges(memory_size=2 * one + 1))
    left = services.index.message_stats(memory_id)
    assert left.count == 2
    assert left.size <= 2 * one + 1
    assert [record.content[:22] for record in memories.messages.recent(caller, [memory_id], [], None, 10)] == [
        "User Input: question 4",
        "User Input: question 3",
    ]


def test_deleting_a_memory_deletes_its_messages_and_tasks(
    memories: MemoryService, services: Services, caller: Caller
) -> None:
    memory_id = new_memory(services, caller, types=("raw", "semantic"))
    memories.messages.add_message(caller, [memory_id], "hello", "hi", TURN)
    memories.delete(caller, memory_id)
    assert services.index.message_stats(memory_id).count == 0
    assert services.ledger.claim("w1") is None
    with pytest.raises(NotFoundError):
        memories.config(caller, memory_id)


def test_listing_filters_and_pages(memories: MemoryService, services: Services, caller: Caller) -> None:
    raw = new_memory(services, caller, "raw one")
    semantic = new_memory(services, caller, "facts", types=("raw", "semantic"))
    episodic = new_memory(services, caller, "events", types=("episodic",))

    def names(**listing: object) -> list[str]:
        views, _total = memories.list_page(caller, MemoryListing(**listing))  # type: ignore[arg-type]
        return [view.record.name for view in views]

    assert names() == ["events", "facts", "raw one"]
    assert names(types=(MessageType.SEMANTIC, MessageType.EPISODIC)) == ["events", "facts"]
    assert names(types=(MessageType.RAW,)) == ["events", "facts", "raw one"]
    assert names(keywords="ACT") == ["facts"]
    assert names(storage_type="graph") == []
    assert names(tenant_ids=[caller.tenant_id, "someone"]) == ["events", "facts", "raw one"]
    assert names(tenant_ids=["someone"]) == []
    assert names(ids=[raw, episodic]) == ["events", "raw one"]
    views, total = memories.list_page(caller, MemoryListing(page=2, page_size=2))
    assert ([view.record.id for view in views], total) == ([raw], 3)
    assert views[0].owner_name == "alice"
    memories.update(caller, semantic, MemoryChanges(texts={"description": "now newest"}))
    assert names()[0] == "facts"


def test_another_tenants_memory_does_not_exist(
    memories: MemoryService, services: Services, caller: Caller, other_caller: Caller
) -> None:
    memory_id = new_memory(services, caller)
    for attempt in (
        lambda: memories.config(other_caller, memory_id),
        lambda: memories.update(other_caller, memory_id, MemoryChanges(name="mine")),
        lambda: memories.delete(other_caller, memory_id),
    ):
        with pytest.raises(NotFoundError) as refused:
            attempt()
        assert refused.value.message == f"Memory '{memory_id}' not found."
        assert refused.value.code == 404
    assert memories.list_page(other_caller, MemoryListing())[1] == 0

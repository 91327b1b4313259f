"""Extraction on the task queue, against the scripted model server: the items the model returns,
stored and linked to their raw message; failures visible; resumed and cancelled like parsing."""

from __future__ import annotations

import json
from typing import Any

from ragloom.clock import datetime_text
from ragloom.ingest.context import IngestContext
from ragloom.memory import MemoryService, Turn
from ragloom.memory.kinds import MessageType
from ragloom.memory.memories import MemoryChanges
from ragloom.rag.memory_answers import parse_time
from ragloom.rag.memory_prompts import extraction_system_prompt
from ragloom.services.container import Services
from ragloom.services.task_ledger import Standing, TakeBack, TaskKind
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkRecord
from ragloom.workers.handlers import task_handlers
from ragloom.workers.runner import TaskRunner
from tests.memory.conftest import new_memory
from tests.openai_server import OpenAIStyleServer

TURN = ("My name is Alice and I drink green tea every morning", "Nice to meet you, Alice!")
ITEMS = {
    "semantic": [
        {"content": "The user is called Alice.", "valid_at": "2026-01-04T19:56:42", "invalid_at": ""},
        {"content": "Alice drinks green tea.", "valid_at": "", "invalid_at": ""},
    ],
    "episodic": [{"content": "Alice introduced herself.", "valid_at": "2026-01-04T19:56:00", "invalid_at": ""}],
    "procedural": [{"content": "Alice has green tea every morning.", "valid_at": "", "invalid_at": "2027-01-01"}],
}
ALL_TYPES = ("raw", "semantic", "episodic", "procedural")


def run_next(services: Services, worker: str = "w1") -> Standing:
    task = services.ledger.claim(worker)
    assert task is not None
    assert task.kind is TaskKind.MEMORY_EXTRACTION
    return TaskRunner(services.ledger, task_handlers(services), worker, lease_seconds=30).run(task)


def last_chat(chat_server: OpenAIStyleServer) -> dict[str, Any]:
    """The last chat request the model server received (embedding requests left out)."""
    return [body for body in chat_server.bodies if "messages" in body][-1]


def add_turn(services: Services, caller: Caller, memory_id: str) -> ChunkRecord:
    services.memories.messages.add_message(caller, [memory_id], *TURN, Turn("agent-1", "session-1", "alice"))
    return services.memories.messages.recent(caller, [memory_id], [], None, 1)[0]


def extracted(memories: MemoryService, caller: Caller, memory_id: str) -> list[tuple[str, str]]:
    (listed,) = memories.messages.page(caller, memory_id, [], None, 1, 50).messages
    return sorted((record.message.message_type, record.content) for record in listed.extracted if record.message)


def task_state(memories: MemoryService, caller: Caller, memory_id: str) -> tuple[float, str]:
    (listed,) = memories.messages.page(caller, memory_id, [], None, 1, 50).messages
    assert listed.task is not None
    return listed.task.progress, listed.task.progress_msg


def test_the_items_the_model_returns_are_stored_linked_to_their_raw_message(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    memory_id = new_memory(services, caller, types=ALL_TYPES)
    raw = add_turn(services, caller, memory_id)
    assert raw.message is not None
    chat_server.answer = json.dumps(ITEMS)
    assert run_next(services) is Standing.HELD
    expected = sorted((kind, item["content"]) for kind, items in ITEMS.items() for item in items)
    assert extracted(services.memories, caller, memory_id) == expected
    (listed,) = services.memories.messages.page(caller, memory_id, [], None, 1, 50).messages
    for record in listed.extracted:
        assert record.message is not None
        assert record.message.source_id == raw.message.message_id
        assert (record.message.agent_id, record.message.session_id, record.message.user_id) == (
            "agent-1",
            "session-1",
            "alice",
        )
    times = {record.content: record.message for record in listed.extracted if record.message}
    assert times["The user is called Alice."].valid_at == parse_time("2026-01-04T19:56:42")
    assert times["Alice drinks green tea."].valid_at == raw.message.valid_at
    assert times["Alice has green tea every morning."].invalid_at == parse_time("2027-01-01")
    progress, log = task_state(services.memories, caller, memory_id)
    assert progress == 1.0
    assert "extracted 4 memories (semantic 2, episodic 1, procedural 1)" in log.splitlines()[-1]


def test_the_model_is_asked_with_the_memorys_settings(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    memory_id = new_memory(services, caller, types=("semantic",), temperature=0.25)
    raw = add_turn(services, caller, memory_id)
    chat_server.answer = json.dumps({"semantic": [], "episodic": [{"content": "not asked for"}]})
    run_next(services)
    body = last_chat(chat_server)
    system, user = body["messages"]
    assert system == {"role": "system", "content": extraction_system_prompt(["semantic"])}
    assert user["content"].startswith(f"CONVERSATION:\n{raw.content}\n\nCONVERSATION TIME: ")
    assert body["temperature"] == 0.25
    assert "response_format" not in body  # remote models are told in the prompt
    assert extracted(services.memories, caller, memory_id) == []
    assert task_state(services.memories, caller, memory_id)[0] == 1.0


def test_a_memorys_own_prompts_replace_ours(services: Services, caller: Caller, chat_server: OpenAIStyleServer) -> None:
    memory_id = new_memory(services, caller, types=("semantic",))
    services.memories.update(
        caller,
        memory_id,
        MemoryChanges(
            texts={"system_prompt": "Remember names only.", "user_prompt": "At {conversation_time}: {conversation}"}
        ),
    )
    raw = add_turn(services, caller, memory_id)
    assert raw.message is not None
    chat_server.answer = '{"semantic": ["The user is called Alice."]}'
    run_next(services)
    system, user = last_chat(chat_server)["messages"]
    assert system["content"] == "Remember names only."
    assert user["content"] == f"At {datetime_text(raw.message.valid_at)}: {raw.content}"
    assert extracted(services.memories, caller, memory_id) == [("semantic", "The user is called Alice.")]


def test_junk_from_the_model_fails_the_task_visibly_and_keeps_the_raw_message(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    memory_id = new_memory(services, caller, types=("semantic",))
    add_turn(services, caller, memory_id)
    chat_server.answer = "Alice seems nice. I like her."
    assert run_next(services) is Standing.HELD
    progress, log = task_state(services.memories, caller, memory_id)
    assert progress == -1.0
    assert log.splitlines()[-1].endswith(
        "[ERROR] Chat model parrot@OpenAI-API-Compatible gave no JSON object naming semantic in its answer: "
        "'Alice seems nice. I like her.'"
    )
    assert extracted(services.memories, caller, memory_id) == []
    assert len(services.memories.messages.recent(caller, [memory_id], [], None, 10)) == 1


def test_a_model_that_fails_fails_the_task_visibly(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    memory_id = new_memory(services, caller, types=("semantic",))
    add_turn(services, caller, memory_id)
    chat_server.failure = 503
    run_next(services)
    progress, log = task_state(services.memories, caller, memory_id)
    assert progress == -1.0
    assert "[ERROR]" in log
    assert "parrot@OpenAI-API-Compatible" in log
    assert len(services.memories.messages.recent(caller, [memory_id], [], None, 10)) == 1


def test_a_resumed_task_stores_its_items_once(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    memory_id = new_memory(services, caller, types=ALL_TYPES)
    add_turn(services, caller, memory_id)
    chat_server.answer = json.dumps(ITEMS)
    task = services.ledger.claim("w1")
    assert task is not None
    handlers = task_handlers(services)
    handlers[TaskKind.MEMORY_EXTRACTION].run(task, IngestContext())  # the worker then dies
    services.ledger.take_back_from("w1", TakeBack.WORKER_DIED, "killed by SIGKILL")
    assert run_next(services, "w2") is Standing.HELD
    assert len(extracted(services.memories, caller, memory_id)) == 4
    progress, log = task_state(services.memories, caller, memory_id)
    assert progress == 1.0
    assert "Task resumed (attempt 2)." in log


def test_deleting_the_memory_cancels_its_extraction(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    memory_id = new_memory(services, caller, types=ALL_TYPES)
    add_turn(services, caller, memory_id)
    chat_server.answer = json.dumps(ITEMS)
    task = services.ledger.claim("w1")
    assert task is not None
    services.memories.delete(caller, memory_id)
    outcome = TaskRunner(services.ledger, task_handlers(services), "w1", lease_seconds=30).run(task)
    assert outcome is Standing.GONE
    assert services.index.message_stats(memory_id).count == 0


def test_raw_only_memories_queue_nothing_and_an_evicted_raw_message_leaves_nothing_to_do(
    services: Services, caller: Caller, chat_server: OpenAIStyleServer
) -> None:
    raw_only = new_memory(services, caller, "raw only")
    add_turn(services, caller, raw_only)
    assert services.ledger.claim("w1") is None
    memory_id = new_memory(services, caller, types=("semantic",))
    raw = add_turn(services, caller, memory_id)
    services.index.delete(memory_id, chunk_ids=[raw.id])
    run_next(services)
    with services.store.reading() as tx:
        task: Any = tx.tasks.of_messages(memory_id, [int(raw.id)])[int(raw.id)]
    assert (task.status, task.progress) == ("done", 1.0)
    assert "nothing to extract" in task.progress_msg
    assert not [body for body in chat_server.bodies if "messages" in body]


def test_memory_and_parse_tasks_do_not_hold_each_other_up(services: Services, caller: Caller) -> None:
    first, second = (
        new_memory(services, caller, "one", ("semantic",)),
        new_memory(services, caller, "two", ("semantic",)),
    )
    add_turn(services, caller, first)
    add_turn(services, caller, second)
    claimed = [services.ledger.claim("w1"), services.ledger.claim("w2")]
    assert {task.dataset_id for task in claimed if task is not None} == {first, second}
    assert MessageType.SEMANTIC.bit == 2

"""Size accounting: a full memory forgets first in, first out — forgotten messages first — and never
holds more than its size, with concurrent writers and across a restart."""

from __future__ import annotations

import threading

import pytest

from ragloom.errors import RagloomError
from ragloom.memory import MemoryChanges, Turn
from ragloom.memory.writing import message_size, raw_content
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from ragloom.settings import ModelSettings, RemoteModel, Settings
from tests.memory.conftest import new_memory
from tests.openai_server import DIMENSION, OpenAIStyleServer

TURN = Turn("agent", "session")


def turn(number: int) -> tuple[str, str]:
    return f"question {number:03d}", f"answer {number:03d}"


def size_of(number: int) -> int:
    return message_size(raw_content(*turn(number)), DIMENSION)


def kept(services: Services, caller: Caller, memory_id: str) -> list[int]:
    """The numbers of the turns the memory holds, oldest first."""
    records, _total = services.index.messages([memory_id])
    return sorted(int(record.content.split()[3]) for record in records)


def test_a_full_memory_forgets_the_oldest_and_never_overflows(services: Services, caller: Caller) -> None:
    limit = 5 * size_of(0)
    memory_id = new_memory(services, caller, memory_size=limit)
    for number in range(12):
        services.memories.messages.add_message(caller, [memory_id], *turn(number), TURN)
        assert services.index.message_stats(memory_id).size <= limit
    assert kept(services, caller, memory_id) == [7, 8, 9, 10, 11]


def test_forgotten_messages_go_first_oldest_forgotten_first(services: Services, caller: Caller) -> None:
    limit = 5 * size_of(0)
    memory_id = new_memory(services, caller, memory_size=limit)
    for number in range(5):
        services.memories.messages.add_message(caller, [memory_id], *turn(number), TURN)
    ids = {
        int(record.content.split()[3]): record.message.message_id
        for record in services.index.messages([memory_id])[0]
        if record.message
    }
    services.memories.messages.forget(caller, memory_id, ids[3])
    services.memories.messages.forget(caller, memory_id, ids[1])
    services.memories.messages.add_message(caller, [memory_id], *turn(5), TURN)
    assert kept(services, caller, memory_id) == [0, 1, 2, 4, 5]
    services.memories.messages.add_message(caller, [memory_id], *turn(6), TURN)
    assert kept(services, caller, memory_id) == [0, 2, 4, 5, 6]
    services.memories.messages.add_message(caller, [memory_id], *turn(7), TURN)
    assert kept(services, caller, memory_id) == [2, 4, 5, 6, 7]


def test_a_message_larger_than_the_memory_is_refused(services: Services, caller: Caller) -> None:
    memory_id = new_memory(services, caller, memory_size=size_of(0) - 1)
    with pytest.raises(RagloomError) as refused:
        services.memories.messages.add_message(caller, [memory_id], *turn(0), TURN)
    assert refused.value.code == 500
    assert refused.value.message == (
        f"Some messages failed to add. Detail:Memory {memory_id} failed. Detail: The message takes {size_of(0)} "
        f"bytes, more than the memory's whole size of {size_of(0) - 1} bytes."
    )


def test_eight_concurrent_writers_never_overflow(services: Services, caller: Caller) -> None:
    limit = 10 * size_of(0)
    memory_id = new_memory(services, caller, memory_size=limit)
    errors: list[BaseException] = []
    sizes: list[int] = []

    def write(writer: int) -> None:
        try:
            for number in range(10):
                services.memories.messages.add_message(caller, [memory_id], *turn(writer * 100 + number), TURN)
                sizes.append(services.index.message_stats(memory_id).size)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert max(sizes) <= limit
    stats = services.index.message_stats(memory_id)
    assert (stats.count, stats.size) == (10, limit)


def test_the_limit_holds_after_a_restart(settings: Settings, chat_server: OpenAIStyleServer) -> None:
    models = ModelSettings(
        remote=[RemoteModel(**chat_server.model("chat")), RemoteModel(**chat_server.model("embedding"))], isolate=False
    )
    configured = settings.model_copy(update={"models": models})
    first = Services.build(configured)
    issued = first.tenants.issue_key(new_tenant=True, tenant_name="alice")
    caller = Caller(issued.tenant_id, issued.id)
    limit = 4 * size_of(0)
    memory_id = new_memory(first, caller, memory_size=limit)
    for number in range(6):
        first.memories.messages.add_message(caller, [memory_id], *turn(number), TURN)
    first.close()

    again = Services.build(configured)
    try:
        assert again.index.message_stats(memory_id).size == limit
        for number in range(6, 9):
            again.memories.messages.add_message(caller, [memory_id], *turn(number), TURN)
            assert again.index.message_stats(memory_id).size <= limit
        assert kept(again, caller, memory_id) == [5, 6, 7, 8]
        again.memories.update(caller, memory_id, MemoryChanges(texts={"description": "still here"}))
        assert again.memories.config(caller, memory_id).record.next_message_id == 10
    finally:
        again.close()

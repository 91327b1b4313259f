"""Size accounting end to end: a small memory filled past its size through ragflow-sdk forgets first in,
first out — forgotten messages first — and never holds more than its size: turn by turn, with eight
clients writing at once, and after the server is stopped and started again.

The server runs on a data directory of its own whose models are the scripted server's (8-dimension
embeddings), so a message's size is its content's bytes plus 64.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.worker_site import CHAT_MODEL, EMBEDDING_MODEL, Site

DIMENSION = 8
MESSAGES_THAT_FIT = 10


@pytest.fixture
def site(tmp_path: Path, server_env: dict[str, str]) -> Iterator[Site]:
    with Site.create(tmp_path, server_env) as created:
        yield created


def turn(number: int) -> tuple[str, str]:
    return f"question {number:04d}", f"answer {number:04d}"


def size_of(content: str) -> int:
    return len(content.encode("utf-8")) + DIMENSION * 8


LIMIT = MESSAGES_THAT_FIT * size_of(f"User Input: {turn(0)[0]}\nAgent Response: {turn(0)[1]}")


def client(site: Site, api: str) -> Any:
    from ragflow_sdk import RAGFlow

    return RAGFlow(site.auth["Authorization"].removeprefix("Bearer "), api.removesuffix("/api/v1"))


def held(memory: Any) -> tuple[list[int], int]:
    """The turn numbers the memory holds, newest first, and the size they take, from what the API shows."""
    listed = memory.list_memory_messages(page_size=100)["messages"]["message_list"]
    numbers, total = [], 0
    for message in listed:
        stored = memory.get_message_content(message["message_id"])
        numbers.append(int(stored["content"].split()[3]))
        total += len(stored["content"].encode("utf-8")) + 8 * len(stored["content_embed"])
    return numbers, total


@pytest.mark.sdk
@pytest.mark.slow
def test_a_full_memory_forgets_first_in_first_out_and_never_overflows(site: Site) -> None:
    with site.running() as (_process, api):
        rag = client(site, api)
        memory = rag.create_memory("small", ["raw"], EMBEDDING_MODEL, CHAT_MODEL)
        memory.update({"memory_size": LIMIT})
        for number in range(12):
            rag.add_message([memory.id], "agent", "session", *turn(number))
        numbers, total = held(memory)
        assert numbers == list(range(11, 1, -1))
        assert total == LIMIT

        newest = memory.list_memory_messages(page_size=1)["messages"]["message_list"][0]
        memory.forget_message(newest["message_id"])  # turn 11, the newest: forgotten, so it goes first
        rag.add_message([memory.id], "agent", "session", *turn(12))
        numbers, total = held(memory)
        assert numbers == [12, *range(10, 1, -1)]
        assert total == LIMIT

        errors: list[BaseException] = []

        def write(writer: int) -> None:
            own = client(site, api)
            try:
                for number in range(5):
                    own.add_message([memory.id], f"agent-{writer}", "session", *turn(100 + writer * 10 + number))
            except BaseException as error:  # reported below
                errors.append(error)

        writers = [threading.Thread(target=write, args=(writer,)) for writer in range(8)]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        assert errors == []
        numbers, total = held(memory)
        assert len(numbers) == MESSAGES_THAT_FIT
        assert total == LIMIT
        assert all(number >= 100 for number in numbers)  # the concurrent turns pushed out every older one

    with site.running() as (_process, api):
        rag = client(site, api)
        (memory,) = rag.list_memory(keywords="small")["memory_list"]
        before, total = held(memory)
        assert total == LIMIT
        for number in range(200, 203):
            rag.add_message([memory.id], "agent", "session", *turn(number))
            assert held(memory)[1] <= LIMIT
        after, total = held(memory)
        assert total == LIMIT
        assert after == [202, 201, 200, *before[:-3]]  # the three oldest went

"""Messages through the service: adding, searching (the same scoring as datasets), recent ones,
the listing, content, status and forgetting, within the caller's tenant."""

from __future__ import annotations

import pytest

from ragloom.errors import DataError, NotFoundError, RagloomError
from ragloom.memory import MemoryService, MessageQuery, Turn
from ragloom.memory.kinds import MessageType
from ragloom.memory.writing import Draft
from ragloom.services.container import Services
from ragloom.services.retrieval import RetrievalQuery
from ragloom.services.tenants import Caller
from tests.memory.conftest import new_memory

TEA = ("I drink green tea every morning", "Green tea is a fine habit")
BIKE = ("I ride my bike to work", "Cycling keeps you fit")
RAIN = ("Will it rain tomorrow in Paris", "Take an umbrella")


def add(memories: MemoryService, caller: Caller, memory_ids: list[str], turn: tuple[str, str], **where: str) -> None:
    memories.messages.add_message(
        caller, memory_ids, turn[0], turn[1], Turn(**{"agent_id": "a1", "session_id": "s1", **where})
    )


def search(
    memories: MemoryService, caller: Caller, memory_ids: list[str], question: str, **options: object
) -> list[str]:
    found = memories.search(caller, MessageQuery(question, memory_ids, **options))  # type: ignore[arg-type]
    return [hit.record.content.split("\n")[0] for hit in found]


@pytest.fixture
def memory(services: Services, caller: Caller) -> str:
    memory_id = new_memory(services, caller)
    add(services.memories, caller, [memory_id], TEA)
    add(services.memories, caller, [memory_id], BIKE, agent_id="a2", session_id="morning-s2", user_id="u2")
    add(services.memories, caller, [memory_id], RAIN, session_id="s3")
    return memory_id


def test_a_raw_message_is_searchable_as_soon_as_it_is_added(
    memories: MemoryService, caller: Caller, memory: str
) -> None:
    assert search(memories, caller, [memory], "green tea") == ["User Input: I drink green tea every morning"]
    (stored,) = [
        record for record in memories.messages.recent(caller, [memory], [], None, 10) if "tea" in record.content
    ]
    assert stored.content == f"User Input: {TEA[0]}\nAgent Response: {TEA[1]}"
    assert stored.message is not None
    assert (stored.message.message_type, stored.message.source_id, stored.message.agent_id) == ("raw", 0, "a1")


def test_the_keyword_weight_is_the_keyword_share(memories: MemoryService, caller: Caller, memory: str) -> None:
    keywords_only = memories.search(caller, MessageQuery("green tea", [memory], keywords_similarity_weight=1.0))
    assert all(hit.similarity == pytest.approx(hit.term_similarity) for hit in keywords_only)
    vectors_only = memories.search(
        caller, MessageQuery("green tea", [memory], keywords_similarity_weight=0.0, similarity_threshold=0.0)
    )
    assert all(hit.similarity == pytest.approx(hit.vector_similarity) for hit in vectors_only)
    mixed = memories.search(caller, MessageQuery("green tea", [memory], keywords_similarity_weight=0.7))[0]
    assert mixed.similarity == pytest.approx(0.7 * mixed.term_similarity + 0.3 * mixed.vector_similarity)


def test_threshold_top_n_and_filters(memories: MemoryService, caller: Caller, memory: str) -> None:
    every = search(memories, caller, [memory], "green tea bike rain morning", similarity_threshold=0.0, top_n=10)
    assert len(every) == 3
    assert len(search(memories, caller, [memory], "green tea bike rain", similarity_threshold=0.0, top_n=2)) == 2
    assert search(memories, caller, [memory], "green tea", similarity_threshold=0.99) == []
    assert search(memories, caller, [memory], "bike", similarity_threshold=0.0, agent_ids=("a2",)) == [
        "User Input: I ride my bike to work"
    ]
    assert search(memories, caller, [memory], "bike", similarity_threshold=0.0, session_id="morning") == [
        "User Input: I ride my bike to work"
    ]
    assert search(memories, caller, [memory], "bike", similarity_threshold=0.0, user_id="u2") == [
        "User Input: I ride my bike to work"
    ]
    assert search(memories, caller, [memory], "bike", similarity_threshold=0.0, user_id="nobody") == []
    assert search(memories, caller, [memory], "   ") == []


def test_disabled_messages_are_not_searched_but_are_recent(
    memories: MemoryService, caller: Caller, memory: str
) -> None:
    tea_id = next(
        r.message.message_id for r in memories.messages.recent(caller, [memory], [], None, 10) if "tea" in r.content
    )  # type: ignore[union-attr]
    memories.messages.set_status(caller, memory, tea_id, False)
    assert search(memories, caller, [memory], "green tea") == []
    assert len(memories.messages.recent(caller, [memory], [], None, 10)) == 3
    assert memories.messages.content(caller, memory, tea_id).available is False
    memories.messages.set_status(caller, memory, tea_id, True)
    assert search(memories, caller, [memory], "green tea") == ["User Input: I drink green tea every morning"]


def test_forgotten_messages_are_neither_searched_nor_recent(
    memories: MemoryService, caller: Caller, memory: str
) -> None:
    recent = memories.messages.recent(caller, [memory], [], None, 10)
    assert [record.content.split("\n")[0][12:] for record in recent] == [RAIN[0], BIKE[0], TEA[0]]
    tea_id = recent[2].message.message_id  # type: ignore[union-attr]
    memories.messages.forget(caller, memory, tea_id)
    memories.messages.forget(caller, memory, tea_id)  # forgetting twice is fine
    assert search(memories, caller, [memory], "green tea") == []
    assert len(memories.messages.recent(caller, [memory], [], None, 10)) == 2
    forgotten = memories.messages.content(caller, memory, tea_id)
    assert forgotten.message is not None
    assert forgotten.message.forget_at is not None
    listed = memories.messages.page(caller, memory, [], None, 1, 50)
    assert listed.total == 3  # the listing shows forgotten messages too


def test_recent_messages_filter_by_agent_and_session(memories: MemoryService, caller: Caller, memory: str) -> None:
    def recent(agents: list[str], session: str | None, limit: int = 10) -> list[str]:
        return [
            r.content.split("\n")[0][12:] for r in memories.messages.recent(caller, [memory], agents, session, limit)
        ]

    assert recent(["a1"], None) == [RAIN[0], TEA[0]]
    assert recent([], "s3") == [RAIN[0]]
    assert recent([], "s") == []  # exact, unlike search's substring
    assert recent([], None, limit=1) == [RAIN[0]]


def test_several_memories_at_once(memories: MemoryService, services: Services, caller: Caller) -> None:
    first, second = new_memory(services, caller, "one"), new_memory(services, caller, "two")
    add(memories, caller, [first, second], TEA)
    assert len(memories.messages.recent(caller, [first, second], [], None, 10)) == 2
    assert [hit.record.dataset_id for hit in memories.search(caller, MessageQuery("green tea", [first, second]))] in (
        [first, second],
        [second, first],
    )


def test_the_listing_groups_extracted_messages_under_their_raw_message(
    memories: MemoryService, services: Services, caller: Caller, memory: str
) -> None:
    tea = memories.messages.recent(caller, [memory], ["a1"], "s1", 1)[0]
    assert tea.message is not None
    stored = services.memories.config(caller, memory).record
    drafts = [Draft("The user drinks green tea.", MessageType.SEMANTIC, 1.0)]
    memories.messages.writer.write(stored, drafts, Turn("a1", "s1"), source_id=tea.message.message_id)
    page = memories.messages.page(caller, memory, ["a1"], None, 1, 50)
    assert page.total == 2
    (listed,) = [item for item in page.messages if item.record.id == tea.id]
    assert [record.content for record in listed.extracted] == ["The user drinks green tea."]
    assert listed.task is None
    assert memories.messages.page(caller, memory, [], "morning", 1, 50).total == 1
    assert [item.record.id for item in memories.messages.page(caller, memory, [], None, 2, 2).messages] == [tea.id]
    assert search(memories, caller, [memory], "user drinks green tea")[0] == "The user drinks green tea."


def test_adding_to_a_memory_that_is_not_the_callers_stores_nothing(
    memories: MemoryService, services: Services, caller: Caller, other_caller: Caller
) -> None:
    mine = new_memory(services, caller)
    with pytest.raises(RagloomError) as refused:
        add(memories, other_caller, [mine], TEA)
    assert (refused.value.code, refused.value.message) == (500, "Some messages failed to add. Detail:Memory not found.")
    theirs = new_memory(services, other_caller, "theirs")
    with pytest.raises(RagloomError) as mixed:
        add(memories, caller, [mine, theirs], TEA)
    assert mixed.value.message == f"Some messages failed to add. Detail:Memory '{theirs}' not found."
    assert services.index.message_stats(mine).count == 0


def test_every_message_operation_is_scoped_to_the_tenant(
    memories: MemoryService, caller: Caller, other_caller: Caller, memory: str
) -> None:
    operations = [
        lambda: memories.search(other_caller, MessageQuery("tea", [memory])),
        lambda: memories.messages.recent(other_caller, [memory], [], None, 10),
        lambda: memories.messages.page(other_caller, memory, [], None, 1, 50),
        lambda: memories.messages.content(other_caller, memory, 1),
        lambda: memories.messages.set_status(other_caller, memory, 1, False),
        lambda: memories.messages.forget(other_caller, memory, 1),
        lambda: memories.save_turn(other_caller.tenant_id, [memory], "hi", "hello", "a", "s"),
    ]
    for operation in operations:
        with pytest.raises(RagloomError) as refused:
            operation()
        assert "not found" in refused.value.message
    assert len(memories.messages.recent(caller, [memory], [], None, 10)) == 3


def test_an_unknown_message_is_not_found(memories: MemoryService, caller: Caller, memory: str) -> None:
    for operation in (
        lambda: memories.messages.content(caller, memory, 99),
        lambda: memories.messages.set_status(caller, memory, 99, False),
        lambda: memories.messages.forget(caller, memory, 99),
    ):
        with pytest.raises(NotFoundError) as refused:
            operation()
        assert refused.value.message == f"Message '99' in memory '{memory}' not found."


def test_save_turn_takes_a_tenant_id(memories: MemoryService, services: Services, caller: Caller) -> None:
    memory_id = new_memory(services, caller)
    memories.save_turn(caller.tenant_id, [memory_id], "What is my name?", "You are Alice.", "agent", "s", "alice")
    (record,) = memories.messages.recent(caller, [memory_id], [], None, 10)
    assert record.message is not None
    assert (record.message.agent_id, record.message.session_id, record.message.user_id) == ("agent", "s", "alice")
    assert [hit.record.id for hit in memories.search(caller.tenant_id, MessageQuery("name Alice", [memory_id]))] == [
        record.id
    ]


def test_dataset_retrieval_never_reaches_a_memory(services: Services, caller: Caller, memory: str) -> None:
    with pytest.raises(DataError) as refused:
        services.retrieval.retrieve(caller, RetrievalQuery(dataset_ids=[memory], question="green tea"))
    assert refused.value.message == f"You don't own the dataset {memory}."

"""Conformance tests of memory messages in a :class:`~ragloom.storage.index.ChunkIndex`:
stored beside chunks but never seen by chunk reads, filtered, listed newest first,
forgotten, and admitted first-in first-out within a memory's capacity."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from ragloom.storage.index import Capability, ChunkIndex, ChunkRecord, MessageFilter, RecordKind
from ragloom.testing.index_records import ANALYZER, IndexTests, chunk, message, unit


def ids(records: Sequence[ChunkRecord]) -> list[int]:
    """The message ids of ``records``, in order."""
    return [record.message.message_id for record in records if record.message is not None]


class MessageConformance(IndexTests):
    """Memory messages, as the :mod:`ragloom.storage.index.protocol` docstring states."""

    def test_a_message_keeps_every_field(self, chunk_index: ChunkIndex) -> None:
        original = message(
            7,
            "User Input: hi\nAgent Response: hello",
            vector=unit(0, 1, 0),
            size=99,
            message_type="semantic",
            source_id=3,
            agent_id="agent",
            session_id="session",
            user_id="user",
            valid_at=1700000000.5,
            invalid_at=1800000000.0,
            forget_at=1750000000.25,
        )
        chunk_index.upsert([original])
        stored = chunk_index.get("m1", "7", with_vector=True)
        assert stored is not None
        assert stored.kind is RecordKind.MESSAGE
        assert stored.vector is not None
        assert np.allclose(stored.vector, original.vector)  # type: ignore[arg-type]
        stored.vector = original.vector = None
        assert stored == original
        assert chunk_index.fetch("m1", ["7"]) == [original]

    def test_chunk_reads_never_see_messages(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert(
            [
                chunk("c", "pandas eat bamboo", dataset_id="shared", document_id="", vector=unit(1, 0, 0)),
                message(1, "pandas eat bamboo", memory_id="shared", vector=unit(1, 0, 0), tag_keywords=["t"]),
            ]
        )
        records, total = chunk_index.page("shared", "")
        assert ([record.id for record in records], total) == (["c"], 1)
        assert chunk_index.document_stats("shared", "").chunk_count == 1
        assert chunk_index.tag_counts(["shared"]) == []
        query = np.asarray(unit(1, 0, 0), dtype=np.float32)
        if Capability.FULL_TEXT in chunk_index.capabilities:
            assert [hit.chunk_id for hit in chunk_index.search_text(["shared"], ["bamboo"])] == ["c"]
        if Capability.VECTOR in chunk_index.capabilities:
            assert [hit.chunk_id for hit in chunk_index.search_vector(["shared"], query)] == ["c"]
        matches = chunk_index.match(["shared"], ["bamboo"], query)
        assert (matches.chunk_ids, matches.eligible) == (["c"], 1)
        found = chunk_index.match(["shared"], ["bamboo"], query, kind=RecordKind.MESSAGE)
        assert (found.chunk_ids, found.eligible) == (["1"], 1)
        assert chunk_index.messages(["shared"]) == (chunk_index.fetch("shared", ["1"]), 1)

    def test_match_filters_messages(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert(
            [
                message(1, "green tea every morning", agent_id="a1", session_id="s-one", user_id="u1"),
                message(2, "green tea after lunch", agent_id="a2", session_id="s-two", user_id="u1"),
                message(3, "green tea at night", agent_id="a1", session_id="x-one", user_id="u2", forget_at=5.0),
                message(4, "green tea off", agent_id="a1", session_id="s-one", available=False),
                message(5, "green tea elsewhere", memory_id="m2", agent_id="a1"),
            ]
        )
        terms = ANALYZER.terms("green tea")

        def found(where: MessageFilter, memories: tuple[str, ...] = ("m1",)) -> list[str]:
            return sorted(chunk_index.match(memories, terms, None, kind=RecordKind.MESSAGE, messages=where).chunk_ids)

        assert found(MessageFilter()) == ["1", "2", "3"]
        assert found(MessageFilter(forgotten=False)) == ["1", "2"]
        assert found(MessageFilter(agent_ids=("a1",))) == ["1", "3"]
        assert found(MessageFilter(session_contains="one")) == ["1", "3"]
        assert found(MessageFilter(session_id="s-one")) == ["1"]
        assert found(MessageFilter(user_id="u1", forgotten=False)) == ["1", "2"]
        assert found(MessageFilter(agent_ids=("a1",)), ("m1", "m2")) == ["1", "3", "5"]
        assert found(MessageFilter(agent_ids=("nobody",))) == []

    def test_messages_are_listed_newest_first_with_filters(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert(
            [
                message(1, "first", valid_at=10.0),
                message(2, "second", valid_at=30.0, agent_id="a"),
                message(3, "third", valid_at=20.0, message_type="semantic", source_id=1),
                message(4, "other memory", valid_at=25.0, memory_id="m2"),
                message(5, "same time, later id", valid_at=30.0, available=False),
                chunk("c", "a chunk", dataset_id="m1"),
            ]
        )
        records, total = chunk_index.messages(["m1"])
        assert (ids(records), total) == ([5, 2, 3, 1], 4)
        assert records[0].vector is None
        assert ids(chunk_index.messages(["m1", "m2"])[0]) == [5, 2, 4, 3, 1]
        page, total = chunk_index.messages(["m1"], offset=1, limit=2)
        assert (ids(page), total) == ([2, 3], 4)
        raw_only = chunk_index.messages(["m1"], MessageFilter(message_types=("raw",)))[0]
        assert ids(raw_only) == [5, 2, 1]
        assert ids(chunk_index.messages(["m1"], MessageFilter(source_ids=(1,)))[0]) == [3]
        assert ids(chunk_index.messages(["m1"], MessageFilter(available=True, agent_ids=("a",)))[0]) == [2]
        assert chunk_index.messages([]) == ([], 0)

    def test_forgetting_sets_forget_at_once(self, chunk_index: ChunkIndex) -> None:
        chunk_index.upsert([message(1, "tea one"), message(2, "tea two"), message(1, "tea", memory_id="m2")])
        unforgotten = MessageFilter(forgotten=False)

        def matched() -> list[str]:
            found = chunk_index.match(["m1"], ["tea"], None, kind=RecordKind.MESSAGE, messages=unforgotten)
            return sorted(found.chunk_ids)

        if Capability.FULL_TEXT in chunk_index.capabilities:
            assert matched() == ["1", "2"]
        assert chunk_index.forget_messages("m1", [1, 9], at=100.0) == 1
        assert chunk_index.forget_messages("m1", [1], at=200.0) == 0
        forgotten = chunk_index.get("m1", "1")
        assert forgotten is not None
        assert forgotten.message is not None
        assert forgotten.message.forget_at == 100.0
        other = chunk_index.get("m2", "1")
        assert other is not None
        assert other.message is not None
        assert other.message.forget_at is None
        assert ids(chunk_index.messages(["m1"], MessageFilter(forgotten=False))[0]) == [2]
        if Capability.FULL_TEXT in chunk_index.capabilities:
            assert matched() == ["2"]

    def test_status_and_deletion_work_by_key(self, chunk_index: ChunkIndex) -> None:
        self.require(chunk_index, Capability.FULL_TEXT)
        chunk_index.upsert([message(1, "tea"), message(2, "tea"), message(3, "tea", memory_id="m2")])
        assert chunk_index.set_available("m1", False, chunk_ids=["1"]) == 1
        assert chunk_index.match(["m1"], ["tea"], None, kind=RecordKind.MESSAGE).chunk_ids == ["2"]
        assert chunk_index.delete("m1", chunk_ids=["2"]) == 1
        assert chunk_index.message_stats("m1").count == 1
        chunk_index.delete_datasets(["m1"])
        assert chunk_index.message_stats("m1").count == 0
        assert chunk_index.message_stats("m2").count == 1

    def test_admission_evicts_forgotten_first_then_oldest(self, chunk_index: ChunkIndex) -> None:
        first = chunk_index.add_messages("m1", [message(n, f"m{n}", size=30) for n in (1, 2, 3)], capacity=100)
        assert (first.admitted, first.evicted, first.size) == (True, (), 90)
        assert chunk_index.add_messages("m1", [message(4, "m4", size=30)], capacity=100).evicted == (1,)
        chunk_index.forget_messages("m1", [4], at=50.0)
        chunk_index.forget_messages("m1", [3], at=60.0)
        admitted = chunk_index.add_messages("m1", [message(5, "m5", size=50)], capacity=100)
        assert (admitted.evicted, admitted.size) == ((4, 3), 80)
        assert sorted(ids(chunk_index.messages(["m1"])[0])) == [2, 5]
        assert chunk_index.message_stats("m1").size == 80

    def test_admission_refuses_what_cannot_fit_and_replaces_by_key(self, chunk_index: ChunkIndex) -> None:
        chunk_index.add_messages("m1", [message(1, "one", size=40), message(2, "two", size=40)], capacity=100)
        refused = chunk_index.add_messages("m1", [message(3, "huge", size=101)], capacity=100)
        assert (refused.admitted, refused.evicted, refused.size) == (False, (), 80)
        assert chunk_index.message_stats("m1").count == 2
        replaced = chunk_index.add_messages("m1", [message(2, "two again", size=60)], capacity=100)
        assert (replaced.admitted, replaced.evicted, replaced.size) == (True, (), 100)
        both = chunk_index.add_messages("m1", [message(3, "a", size=50), message(4, "b", size=50)], capacity=100)
        assert (both.evicted, both.size) == ((1, 2), 100)
        shrunk = chunk_index.add_messages("m1", [], capacity=60)
        assert (shrunk.evicted, shrunk.size) == ((3,), 50)
        assert ids(chunk_index.messages(["m1"])[0]) == [4]

    def test_concurrent_writers_never_exceed_the_capacity(self, chunk_index: ChunkIndex) -> None:
        capacity = 1000
        peaks: list[int] = []

        def write(thread: int) -> None:
            for number in range(25):
                admission = chunk_index.add_messages(
                    "m1", [message(thread * 100 + number, f"text {thread} {number}", size=37)], capacity
                )
                assert admission.admitted
                peaks.append(admission.size)

        threads = [threading.Thread(target=write, args=(thread,)) for thread in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats = chunk_index.message_stats("m1")
        assert max(peaks) <= capacity
        assert stats.size <= capacity
        assert stats.size == 37 * stats.count == 37 * (capacity // 37)

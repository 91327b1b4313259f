"""Messages of memories: add, search, recent, list, read, enable/disable, forget (contract §12.6–§12.12).

Adding a turn embeds and stores its raw message before it returns — it is searchable at
once — and, when the memory keeps more than raw messages, queues an extraction task on the
durable task queue (:class:`~ragloom.services.task_ledger.TaskKind` ``MEMORY_EXTRACTION``);
a worker then stores what the memory's chat model extracted, linked to the raw message.

A memory that is not the caller's is "not found" on every route, including search and recent
messages (RAGFlow answers those with nothing). Disabled messages are never searched;
forgotten ones are neither searched nor among the recent ones, and go first when a memory
is full. The listing shows every raw message with what was extracted from it and the state
of its extraction.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ragloom.errors import DataError, NotFoundError, RagloomError, RetCode
from ragloom.memory.kinds import MessageType, extracted_types
from ragloom.memory.search import FoundMessage, MessageQuery, MessageSearch, SearchResult
from ragloom.memory.writing import Draft, MessageWriter, Turn, memory_not_found, message_size, raw_content
from ragloom.nlp import TextAnalyzer
from ragloom.providers.embedding import EmbeddingModels
from ragloom.services.task_ledger import extraction_task
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex, ChunkRecord, MessageFilter
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Memory, Task
from ragloom.storage.queue import TaskQueue

Owner = Caller | str
"""Who acts: a caller, or a tenant's id (the agent runtime)."""
ADD_FAILED = "Some messages failed to add. Detail:"


def tenant_of(owner: Owner) -> str:
    return owner.tenant_id if isinstance(owner, Caller) else owner


def message_not_found(memory_id: str, message_id: int) -> NotFoundError:
    return NotFoundError(f"Message '{message_id}' in memory '{memory_id}' not found.", code=RetCode.NOT_FOUND)


@dataclass(frozen=True)
class ListedMessage:
    """A raw message of a listing, what was extracted from it, and its extraction task (if any)."""

    record: ChunkRecord
    extracted: list[ChunkRecord]
    task: Task | None


@dataclass(frozen=True)
class MessagePage:
    """A page of a memory's raw messages, how many there are, and the names of their agents."""

    messages: list[ListedMessage]
    total: int
    agent_names: dict[str, str] = field(default_factory=dict)


class MessageService:
    """Messages of the caller's memories."""

    def __init__(
        self,
        store: MetadataStore,
        index: ChunkIndex,
        embeddings: EmbeddingModels,
        analyzer: TextAnalyzer,
        queue: TaskQueue,
    ) -> None:
        self._queue = queue
        self._store = store
        self._index = index
        self._embeddings = embeddings
        self.writer = MessageWriter(store, index, embeddings, analyzer)
        self._search = MessageSearch(index, embeddings, analyzer)

    def _memories(self, owner: Owner, memory_ids: Sequence[str]) -> list[Memory]:
        """The memories, in the order named (repeats dropped); the first unknown one is not found."""
        wanted = list(dict.fromkeys(memory_ids))
        with self._store.reading() as tx:
            found = {memory.id: memory for memory in tx.memories.owned_many(tenant_of(owner), wanted)}
        for memory_id in wanted:
            if memory_id not in found:
                raise memory_not_found(memory_id)
        return [found[memory_id] for memory_id in wanted]

    def _memory(self, owner: Owner, memory_id: str) -> Memory:
        return self._memories(owner, [memory_id])[0]

    # ---- writing -------------------------------------------------------------------------------

    def add_message(
        self, owner: Owner, memory_ids: Sequence[str], user_input: str, agent_response: str, turn: Turn
    ) -> None:
        """Store the turn in each memory and queue its extraction; all the memories must be the
        caller's (else nothing is stored). Failures are RAGFlow's code 500
        ``Some messages failed to add. Detail:…``, naming each memory that failed and why."""
        with self._store.reading() as tx:
            found = {memory.id: memory for memory in tx.memories.owned_many(tenant_of(owner), memory_ids)}
        if not found:
            raise RagloomError(f"{ADD_FAILED}Memory not found.", code=RetCode.SERVER_ERROR)
        wanted = list(dict.fromkeys(memory_ids))
        missing = [memory_id for memory_id in wanted if memory_id not in found]
        if missing:
            raise RagloomError(f"{ADD_FAILED}Memory '{missing[0]}' not found.", code=RetCode.SERVER_ERROR)
        content = raw_content(user_input, agent_response)
        failures = []
        for memory_id in wanted:
            try:
                self._save_raw(found[memory_id], content, turn)
            except RagloomError as error:
                failures.append(f"Memory {memory_id} failed. Detail: {error.message}")
        if failures:
            raise RagloomError(ADD_FAILED + "; ".join(failures), code=RetCode.SERVER_ERROR)

    def save_turn(
        self,
        caller_or_tenant: Owner,
        memory_ids: Sequence[str],
        user_input: str,
        agent_response: str,
        agent_id: str,
        session_id: str,
        user_id: str = "",
    ) -> None:
        """Save one turn of an agent's conversation in each of ``memory_ids``, as ``POST /messages``
        does: the raw message is stored (and searchable) when this returns, extraction is queued.

        ``caller_or_tenant`` is the caller or the id of the tenant owning the memories. Raises
        :class:`~ragloom.errors.RagloomError` (code 500, RAGFlow's ``Some messages failed to add``)
        when a memory is not the tenant's or a message could not be stored."""
        self.add_message(caller_or_tenant, memory_ids, user_input, agent_response, Turn(agent_id, session_id, user_id))

    def _save_raw(self, memory: Memory, content: str, turn: Turn) -> None:
        model = self._embeddings.get(memory.embd_id, memory.tenant_id)
        size = message_size(content, model.dimension)
        if size > memory.memory_size:
            raise DataError(
                f"The message takes {size} bytes, more than the memory's whole size of {memory.memory_size} bytes."
            )
        (message_id,) = self.writer.write(memory, [Draft(content, MessageType.RAW, time.time())], turn)
        if not extracted_types(memory.memory_type):
            return
        with self._store.writing() as tx:
            if tx.memories.get(memory.id) is None:
                raise memory_not_found(memory.id)
            self._queue.enqueue(tx, extraction_task(memory.id, memory.tenant_id, message_id))

    # ---- reading -------------------------------------------------------------------------------

    def search(self, caller_or_tenant: Owner, query: MessageQuery) -> list[FoundMessage]:
        """The enabled, unforgotten messages of ``query.memory_ids`` that best answer
        ``query.question``, best first (see :mod:`ragloom.memory.search`).

        ``caller_or_tenant`` is the caller or the id of the tenant owning the memories; a memory
        that is not the tenant's raises its not-found :class:`~ragloom.errors.NotFoundError`."""
        return self.timed_search(caller_or_tenant, query).found

    def timed_search(self, caller_or_tenant: Owner, query: MessageQuery) -> SearchResult:
        """:meth:`search`, with how long each stage took."""
        return self._search.search(self._memories(caller_or_tenant, query.memory_ids), query)

    def recent(
        self, owner: Owner, memory_ids: Sequence[str], agent_ids: Sequence[str], session_id: str | None, limit: int
    ) -> list[ChunkRecord]:
        """The newest unforgotten messages of the memories (disabled ones included, as RAGFlow)."""
        self._memories(owner, memory_ids)
        where = MessageFilter(agent_ids=tuple(agent_ids), session_id=session_id, forgotten=False)
        return self._index.messages(memory_ids, where, limit=limit)[0]

    def page(
        self,
        owner: Owner,
        memory_id: str,
        agent_ids: Sequence[str],
        session_contains: str | None,
        page: int,
        page_size: int,
    ) -> MessagePage:
        """A page of the memory's raw messages, newest first (forgotten and disabled ones too),
        each with the messages extracted from it and its extraction task."""
        memory = self._memory(owner, memory_id)
        where = MessageFilter(
            message_types=(MessageType.RAW.value,), agent_ids=tuple(agent_ids), session_contains=session_contains
        )
        raws, total = self._index.messages([memory_id], where, offset=(page - 1) * page_size, limit=page_size)
        ids = tuple(record.message.message_id for record in raws if record.message is not None)
        extracted_of: dict[int, list[ChunkRecord]] = {}
        if ids:
            derived = MessageFilter(
                message_types=tuple(kind.value for kind in MessageType if kind.extracted), source_ids=ids
            )
            for record in self._index.messages([memory_id], derived)[0]:
                if record.message is not None:
                    extracted_of.setdefault(record.message.source_id, []).append(record)
        every = [*raws, *itertools.chain.from_iterable(extracted_of.values())]
        agents = {record.message.agent_id for record in every if record.message is not None}
        with self._store.reading() as tx:
            tasks = tx.tasks.of_messages(memory_id, ids)
            names = tx.agents.titles(memory.tenant_id, agents)
        listed = [
            ListedMessage(record, extracted_of.get(message_id, []), tasks.get(message_id))
            for record, message_id in zip(raws, ids, strict=True)
        ]
        return MessagePage(listed, total, names)

    def content(self, owner: Owner, memory_id: str, message_id: int) -> ChunkRecord:
        """One message with its vector."""
        self._memory(owner, memory_id)
        record = self._index.get(memory_id, str(message_id), with_vector=True)
        if record is None or record.message is None:
            raise message_not_found(memory_id, message_id)
        return record

    # ---- changing ------------------------------------------------------------------------------

    def set_status(self, owner: Owner, memory_id: str, message_id: int, enabled: bool) -> None:
        """Enable or disable a message (a disabled one is never searched)."""
        self.content(owner, memory_id, message_id)
        self._index.set_available(memory_id, enabled, chunk_ids=[str(message_id)])

    def forget(self, owner: Owner, memory_id: str, message_id: int) -> None:
        """Forget a message: it is no longer searched nor recent, and goes first when the memory is full."""
        self.content(owner, memory_id, message_id)
        self._index.forget_messages(memory_id, [message_id], time.time())

"""The worker side of memory extraction: one task per raw message.

1. The memory and its raw message are read (a memory deleted meanwhile ends the task; a raw
   message evicted meanwhile leaves nothing to extract).
2. The memory's chat model is asked (:mod:`ragloom.rag.memory_prompts`), at the memory's
   temperature, with its own ``system_prompt``/``user_prompt`` when it has them.
3. The answer is read leniently (:mod:`ragloom.rag.memory_answers`); an answer with nothing
   readable fails the task, with the reason in its log — the raw message stays as it is.
4. What an earlier attempt of the task stored is removed, and each item is embedded and stored
   as a message of its type whose ``source_id`` is the raw message.

Progress moves through 0.15 (asking), 0.5 (answered), 0.65 (storing) and 0.95, as RAGFlow's
does; cancellation (the memory deleted) is checked between steps and while the model writes.
"""

from __future__ import annotations

import time
from collections import Counter

from ragloom.clock import datetime_text
from ragloom.errors import ProviderError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.memory.kinds import MessageType, extracted_types
from ragloom.memory.writing import Draft, MessageWriter, Turn
from ragloom.providers.chat import ChatModels, GenerationOptions
from ragloom.rag.memory_answers import UnreadableAnswerError, read_extraction
from ragloom.rag.memory_prompts import extraction_messages, extraction_schema
from ragloom.services.task_handling import TaskResult
from ragloom.services.task_ledger import Abandoned, ClaimedTask
from ragloom.storage.index import ChunkIndex, MessageFilter
from ragloom.storage.metadata import MetadataStore

ANSWER_TOKENS = 1024
"""Most tokens the model may write (five short items of three kinds fit well within)."""


class ExtractionHandler:
    """Runs memory-extraction tasks (:class:`~ragloom.services.task_ledger.TaskKind` ``MEMORY_EXTRACTION``)."""

    def __init__(self, store: MetadataStore, index: ChunkIndex, chat_models: ChatModels, writer: MessageWriter):
        self._store = store
        self._index = index
        self._chat_models = chat_models
        self._writer = writer

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        started = time.perf_counter()
        memory_id, message_id = task.dataset_id, task.message_id
        with self._store.reading() as tx:
            memory = tx.memories.get(memory_id)
        if memory is None:
            raise IngestCancelledError
        raw = self._index.get(memory_id, str(message_id))
        if raw is None or raw.message is None:
            return TaskResult("The raw message is gone (forgotten to make room, or deleted): nothing to extract.")
        kinds = [kind.value for kind in extracted_types(memory.memory_type)]
        if not kinds:
            return TaskResult("The memory keeps raw messages only: nothing to extract.")
        context.progress(0.15, f"Asking {memory.llm_id} for {', '.join(kinds)} memories.")
        prompt = extraction_messages(
            kinds,
            raw.content,
            datetime_text(raw.message.valid_at) or "",
            datetime_text(time.time()) or "",
            system_prompt=memory.system_prompt,
            user_prompt=memory.user_prompt,
        )
        options = GenerationOptions(
            temperature=memory.temperature, max_tokens=ANSWER_TOKENS, json_schema=extraction_schema(kinds)
        )
        model = self._chat_models.get(memory.llm_id, memory.tenant_id)
        pieces = []
        for delta in model.stream(prompt, options):
            context.check()
            pieces.append(delta.content)
        answer = "".join(pieces)
        context.progress(0.5, "The model answered.")
        try:
            items = read_extraction(answer, kinds)
        except UnreadableAnswerError as error:
            raise ProviderError(f"Chat model {memory.llm_id} gave {error}") from None
        counts = Counter(item.kind for item in items)
        summary = ", ".join(f"{kind} {counts[kind]}" for kind in kinds)
        context.progress(0.65, f"Storing {len(items)} memories ({summary}).")
        self.discard(task)  # what an interrupted earlier attempt stored
        drafts = [
            Draft(item.content, MessageType(item.kind), item.valid_at or raw.message.valid_at, item.invalid_at)
            for item in items
        ]
        context.check()
        turn = Turn(raw.message.agent_id, raw.message.session_id, raw.message.user_id)
        self._writer.write(memory, drafts, turn, source_id=message_id)
        context.progress(0.95, "")
        elapsed = time.perf_counter() - started
        return TaskResult(f"Task done ({elapsed:.2f}s): extracted {len(items)} memories ({summary}).")

    def discard(self, task: ClaimedTask | Abandoned) -> None:
        """Remove the messages extracted from the task's raw message."""
        where = MessageFilter(
            message_types=tuple(kind.value for kind in MessageType if kind.extracted), source_ids=(task.message_id,)
        )
        stored, _total = self._index.messages([task.dataset_id], where)
        if stored:
            self._index.delete(task.dataset_id, chunk_ids=[record.id for record in stored])

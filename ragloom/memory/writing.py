"""Writing messages into a memory: embed, number, size and admit them (first in, first out).

A message is a record of the chunk index (:class:`~ragloom.storage.index.RecordKind`
``MESSAGE``) in the memory's partition (its ``dataset_id`` is the memory's id), analysed like
a chunk so the same search finds it. Its size is its content's UTF-8 bytes plus 8 bytes per
embedding dimension, as the SDK reference documents; the index keeps the memory's total
within ``memory_size``, evicting the oldest messages (forgotten ones first) to make room.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ragloom.errors import DataError, NotFoundError, RetCode
from ragloom.memory.kinds import BYTES_PER_DIMENSION, MessageType
from ragloom.nlp import TextAnalyzer
from ragloom.providers.embedding import EmbeddingModels
from ragloom.storage.index import ChunkIndex, ChunkRecord, MessageFields
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.tables import Memory

if TYPE_CHECKING:
    from ragloom.providers.embedding.protocol import Vectors


def memory_not_found(memory_id: str) -> NotFoundError:
    """RAGFlow's answer for a memory that does not exist for the caller."""
    return NotFoundError(f"Memory '{memory_id}' not found.", code=RetCode.NOT_FOUND)


def raw_content(user_input: str, agent_response: str) -> str:
    """A dialogue turn as its raw message holds it (RAGFlow's layout)."""
    return f"User Input: {user_input}\nAgent Response: {agent_response}"


def message_size(content: str, dimension: int) -> int:
    """What a message counts against its memory: content bytes plus 8 bytes per dimension."""
    return len(content.encode("utf-8")) + dimension * BYTES_PER_DIMENSION


@dataclass(frozen=True)
class Turn:
    """Where a turn came from: the agent, the conversation and the user."""

    agent_id: str
    session_id: str
    user_id: str = ""


@dataclass(frozen=True)
class Draft:
    """A message about to be written: what it says, its type, and when it holds (epoch seconds)."""

    content: str
    message_type: MessageType
    valid_at: float
    invalid_at: float | None = None


class MessageWriter:
    """Writes messages into memories (used by ``add_message`` and by extraction workers)."""

    def __init__(
        self, store: MetadataStore, index: ChunkIndex, embeddings: EmbeddingModels, analyzer: TextAnalyzer
    ) -> None:
        self._store = store
        self._index = index
        self._embeddings = embeddings
        self._analyzer = analyzer

    def embed(self, memory: Memory, texts: Sequence[str]) -> Vectors:
        """The texts' vectors by the memory's embedding model."""
        return self._embeddings.get(memory.embd_id, memory.tenant_id).embed_documents(list(texts))

    def write(self, memory: Memory, drafts: Sequence[Draft], turn: Turn, *, source_id: int = 0) -> list[int]:
        """Embed ``drafts`` and store them in ``memory`` (``source_id``: the raw message they were
        extracted from); returns their message ids. Searchable once this returns.

        Raises :class:`DataError` when they cannot fit in the memory even emptied, and the
        memory's not-found error when it was deleted meanwhile (nothing is left behind)."""
        if not drafts:
            return []
        vectors = self.embed(memory, [draft.content for draft in drafts])
        with self._store.writing() as tx:
            first = tx.memories.allocate_message_ids(memory.id, len(drafts))
        if first is None:
            raise memory_not_found(memory.id)
        records = [
            self._record(memory.id, first + number, draft, vectors[number], turn, source_id)
            for number, draft in enumerate(drafts)
        ]
        admission = self._index.add_messages(memory.id, records, memory.memory_size)
        if not admission.admitted:
            size = sum(record.message.size for record in records if record.message is not None)
            raise DataError(
                f"The message takes {size} bytes, more than the memory's whole size of {memory.memory_size} bytes."
            )
        self._drop_if_deleted(memory.id)
        return [first + number for number in range(len(drafts))]

    def _drop_if_deleted(self, memory_id: str) -> None:
        """A memory deleted while its messages were written: remove them (whichever of the two
        finished first, the deletion's own cleanup or this one leaves nothing behind)."""
        with self._store.reading() as tx:
            exists = tx.memories.get(memory_id) is not None
        if not exists:
            self._index.delete_datasets([memory_id])
            raise memory_not_found(memory_id)

    def _record(
        self, memory_id: str, message_id: int, draft: Draft, vector: Vectors, turn: Turn, source_id: int
    ) -> ChunkRecord:
        import numpy as np

        coarse, fine = self._analyzer.both(draft.content)
        vector = np.asarray(vector, dtype=np.float32)
        return ChunkRecord(
            id=str(message_id),
            dataset_id=memory_id,
            document_id="",
            document_name="",
            content=draft.content,
            content_terms=" ".join(coarse),
            content_fine_terms=" ".join(fine),
            created_at=time.time(),
            vector=vector,
            message=MessageFields(
                message_id=message_id,
                message_type=draft.message_type.value,
                source_id=source_id,
                agent_id=turn.agent_id,
                session_id=turn.session_id,
                user_id=turn.user_id,
                valid_at=draft.valid_at,
                invalid_at=draft.invalid_at,
                size=message_size(draft.content, int(vector.size)),
            ),
        )

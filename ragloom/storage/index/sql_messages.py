"""What the SQL backends share about memory messages: the condition of a
:class:`~ragloom.storage.index.records.MessageFilter`, and first-in first-out admission.

Messages are rows with ``kind = 'message'`` and the ``message_*``, ``valid_at``, ``invalid_at`` and
``forget_at`` columns set; their ``dataset_id`` is the memory's id. :func:`admit` holds the
accounting of :meth:`~ragloom.storage.index.protocol.ChunkIndex.add_messages`; a backend gives it
the few reads and writes it needs (:class:`AdmissionSteps`) inside one transaction that keeps other
admissions to the memory out (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock).
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Protocol

from ragloom.storage.index.records import Admission, ChunkRecord, MessageFilter

EVICTION_ORDER = (
    "forget_at IS NOT NULL ORDER BY forget_at, valid_at, message_id",
    "forget_at IS NULL ORDER BY valid_at, message_id",
)
"""Forgotten messages first, by the time they were forgotten; then the rest, oldest first (each a
condition and order on unqualified columns; the second read walks the messages' index and stops as
soon as enough room is found)."""


@dataclass(frozen=True)
class Dialect:
    """How a backend's SQL writes a parameter and "``column`` contains ``value``"."""

    placeholder: str
    contains: str  # a format with {column} and {value}

    def placeholders(self, values: Collection[Any]) -> str:
        return ", ".join(self.placeholder for _ in values)


SQLITE = Dialect("?", "instr({column}, {value}) > 0")
POSTGRESQL = Dialect("%s", "strpos({column}, {value}) > 0")


def filter_sql(where: MessageFilter, dialect: Dialect) -> tuple[str, list[Any]]:
    """The SQL condition (on unqualified columns) of messages passing ``where``, and its parameters."""
    mark = dialect.placeholder
    clauses = ["kind = 'message'"]
    parameters: list[Any] = []
    for column, values in (
        ("message_type", where.message_types),
        ("message_agent", where.agent_ids),
        ("message_source", where.source_ids),
    ):
        if values:
            clauses.append(f"{column} IN ({dialect.placeholders(values)})")
            parameters.extend(values)
    if where.session_id is not None:
        clauses.append(f"message_session = {mark}")
        parameters.append(where.session_id)
    if where.session_contains:
        clauses.append(dialect.contains.format(column="message_session", value=mark))
        parameters.append(where.session_contains)
    if where.user_id is not None:
        clauses.append(f"message_user = {mark}")
        parameters.append(where.user_id)
    if where.forgotten is not None:
        clauses.append("forget_at IS NOT NULL" if where.forgotten else "forget_at IS NULL")
    if where.available is not None:
        clauses.append(f"available = {mark}")
        parameters.append(where.available)
    return " AND ".join(clauses), parameters


class AdmissionSteps(Protocol):
    """The reads and writes of one memory that :func:`admit` needs, all in the caller's transaction."""

    def size(self) -> int:
        """The memory's total message size."""
        ...

    def replaced(self, keys: Collection[str]) -> tuple[int, int]:
        """How many of the memory's messages have those record ids, and their total size."""
        ...

    def oldest(self, order: str) -> Generator[tuple[Any, str, int, int]]:
        """The memory's messages passing and sorted by ``order`` (one of :data:`EVICTION_ORDER`), as
        (row key, record id, message id, size), read lazily."""
        ...

    def delete(self, rows: Sequence[Any]) -> None:
        """Delete the rows with those keys."""
        ...

    def write(self, records: Sequence[ChunkRecord]) -> None:
        """Insert or replace the records."""
        ...

    def changed(self, rewrite: bool) -> None:
        """The memory changed (``rewrite``: more than new messages were added)."""
        ...


def _eviction(steps: AdmissionSteps, excess: int, keep: set[str]) -> list[tuple[Any, int, int]]:
    """The oldest messages (row key, message id, size) whose removal frees ``excess``, never one of
    ``keep`` (ids of the messages being added)."""
    chosen: list[tuple[Any, int, int]] = []
    freed = 0
    for order in EVICTION_ORDER:
        with closing(steps.oldest(order)) as rows:
            for row, record_id, message_id, size in rows:
                if freed >= excess:
                    break
                if record_id in keep:
                    continue
                chosen.append((row, int(message_id), int(size)))
                freed += int(size)
        if freed >= excess:
            break
    return chosen


def admit(steps: AdmissionSteps, memory_id: str, records: Sequence[ChunkRecord], capacity: int) -> Admission:
    """See :meth:`ragloom.storage.index.protocol.ChunkIndex.add_messages`."""
    for record in records:
        if record.message is None or record.dataset_id != memory_id:
            raise ValueError(f"record {record.id!r} is not a message of memory {memory_id!r}")
    incoming = sum(record.message.size for record in records if record.message is not None)
    current = steps.size()
    if incoming > capacity:
        return Admission(False, (), current)
    keys = {record.id for record in records}
    replaced_count, replaced = steps.replaced(keys) if keys else (0, 0)
    excess = current - replaced + incoming - capacity
    evicted = _eviction(steps, excess, keys) if excess > 0 else []
    steps.delete([row for row, _message_id, _size in evicted])
    if records:
        steps.write(records)
    if records or evicted:
        steps.changed(bool(evicted or replaced_count))
    freed = sum(size for _row, _message_id, size in evicted)
    return Admission(
        True, tuple(message_id for _row, message_id, _size in evicted), current - replaced - freed + incoming
    )

"""Queries on memories."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Memory


@dataclass(frozen=True)
class MemoryQuery:
    """Filters and page of a memory listing (always within ``tenant_ids``), newest change first.

    ``type_mask`` keeps memories having any of its bits; ``name_contains`` matches the name
    case-insensitively; ``ids`` (when given) keeps only those memories.
    """

    tenant_ids: Collection[str]
    type_mask: int = 0
    storage_type: str | None = None
    name_contains: str | None = None
    ids: Collection[str] = ()
    offset: int = 0
    limit: int | None = None


class MemoryRepository:
    """Memories, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, memory: Memory) -> Memory:
        self._session.add(memory)
        self._session.flush()
        return memory

    def save(self, memory: Memory) -> Memory:
        """Write the changes made to ``memory`` (a unique-name clash raises ``IntegrityError``)."""
        self._session.flush()
        return memory

    def owned(self, tenant_id: str, memory_id: str) -> Memory | None:
        """The memory if it exists and belongs to ``tenant_id``."""
        memory = self._session.get(Memory, memory_id)
        return memory if memory is not None and memory.tenant_id == tenant_id else None

    def get(self, memory_id: str) -> Memory | None:
        """The memory with this id, whoever owns it (for workers; callers check ownership)."""
        return self._session.get(Memory, memory_id)

    def owned_many(self, tenant_id: str, memory_ids: Collection[str]) -> list[Memory]:
        """Those of the memories that exist and belong to ``tenant_id`` (in no set order)."""
        ids = list(dict.fromkeys(memory_ids))
        if not ids:
            return []
        query = select(Memory).where(Memory.id.in_(ids), Memory.tenant_id == tenant_id)
        return list(self._session.scalars(query))

    def name_key_taken(self, tenant_id: str, name_key: str, *, except_id: str | None = None) -> bool:
        """Whether another memory of the tenant has this lower-cased name."""
        query = select(Memory.id).where(Memory.tenant_id == tenant_id, Memory.name_key == name_key)
        if except_id is not None:
            query = query.where(Memory.id != except_id)
        return self._session.scalar(query.limit(1)) is not None

    def allocate_message_ids(self, memory_id: str, count: int) -> int | None:
        """Reserve ``count`` consecutive message ids of the memory; the first, or ``None`` when
        the memory is gone. Ids are never handed out twice (the counter only grows)."""
        first = self._session.scalar(
            update(Memory)
            .where(Memory.id == memory_id)
            .values(next_message_id=Memory.next_message_id + count)
            .returning(Memory.next_message_id)
        )
        return None if first is None else int(first) - count

    def find(self, query: MemoryQuery) -> tuple[list[Memory], int]:
        """One page of matching memories (last updated first) and how many match in all."""
        conditions: list[ColumnElement[bool]] = [Memory.tenant_id.in_(list(query.tenant_ids))]
        if query.type_mask:
            conditions.append(Memory.memory_type.op("&")(query.type_mask) != 0)
        if query.storage_type:
            conditions.append(Memory.storage_type == query.storage_type)
        if query.name_contains:
            conditions.append(Memory.name_key.contains(query.name_contains.lower(), autoescape=True))
        if query.ids:
            conditions.append(Memory.id.in_(list(query.ids)))
        total = self._session.scalar(select(func.count()).select_from(Memory).where(*conditions)) or 0
        statement = (
            select(Memory).where(*conditions).order_by(Memory.update_time.desc(), Memory.id.desc()).offset(query.offset)
        )
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return list(self._session.scalars(statement)), total

    def remove(self, memory_id: str) -> None:
        """Delete the memory (its tasks go with it)."""
        self._session.execute(delete(Memory).where(Memory.id == memory_id))

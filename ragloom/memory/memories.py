"""Memories: create, update, read, list and delete, within the caller's tenant (contract §12.1–§12.5).

A memory that is not the caller's does not exist for it: every route answers RAGFlow's
404 ``Memory '<id>' not found.``. Names are unique per tenant ignoring case; a name taken
gets ``(1)``, ``(2)``... on create and on update, as RAGFlow renames. The embedding and chat
models must be ones the tenant can use (the errors datasets and chats give). A memory's
``system_prompt`` starts as the extraction prompt assembled for its types and follows them
while nobody edits it. Lowering ``memory_size`` evicts at once what no longer fits.

The agent runtime reaches a memory's messages through :meth:`MemoryService.save_turn` and
:meth:`MemoryService.search` (no HTTP); see :class:`~ragloom.memory.messages.MessageService`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ragloom.clock import now_ms
from ragloom.errors import ArgumentError
from ragloom.ids import new_id
from ragloom.memory.kinds import (
    DEFAULT_MEMORY_SIZE,
    DEFAULT_TEMPERATURE,
    ForgettingPolicy,
    MessageType,
    Permission,
    StorageType,
    extracted_types,
    type_mask,
)
from ragloom.memory.messages import MessageService
from ragloom.memory.search import FoundMessage, MessageQuery
from ragloom.memory.writing import memory_not_found
from ragloom.providers.catalog import ModelCatalog, ModelKind
from ragloom.rag.memory_prompts import extraction_system_prompt
from ragloom.services.names import first_free_name
from ragloom.services.retry import retry_on_conflict
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.memories import MemoryQuery
from ragloom.storage.metadata.tables import Memory

TEXT_FIELDS = ("avatar", "description", "system_prompt", "user_prompt")


@dataclass(frozen=True)
class NewMemory:
    """A validated ``POST /memories``."""

    name: str
    types: tuple[MessageType, ...]
    embd_id: str
    llm_id: str


@dataclass(frozen=True)
class MemoryChanges:
    """A validated ``PUT /memories/{id}``: ``None`` leaves a setting as it is; ``texts`` holds the
    text settings to write (``None`` there clears one)."""

    name: str | None = None
    permissions: Permission | None = None
    llm_id: str | None = None
    embd_id: str | None = None
    types: tuple[MessageType, ...] | None = None
    memory_size: int | None = None
    forgetting_policy: ForgettingPolicy | None = None
    temperature: float | None = None
    texts: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class MemoryView:
    """A memory and its owner's name (``None`` where RAGFlow leaves it out: create and update)."""

    record: Memory
    owner_name: str | None


@dataclass(frozen=True)
class MemoryListing:
    """A list request: filters (``tenant_ids`` ``None`` means the caller's), page and size."""

    page: int = 1
    page_size: int = 50
    types: tuple[MessageType, ...] = ()
    tenant_ids: list[str] | None = None
    storage_type: str | None = None
    keywords: str | None = None
    ids: list[str] = field(default_factory=list)


def default_system_prompt(mask: int) -> str | None:
    """The extraction prompt for a memory of these types (``None`` for raw only: nothing is extracted)."""
    kinds = [kind.value for kind in extracted_types(mask)]
    return extraction_system_prompt(kinds) if kinds else None


class MemoryService:
    """Memories of the caller's tenant."""

    def __init__(self, store: MetadataStore, index: ChunkIndex, models: ModelCatalog, messages: MessageService) -> None:
        self._store = store
        self._index = index
        self._models = models
        self.messages = messages

    # ---- the agent runtime's entry points ----------------------------------------------------

    def save_turn(
        self,
        caller_or_tenant: Caller | str,
        memory_ids: list[str],
        user_input: str,
        agent_response: str,
        agent_id: str,
        session_id: str,
        user_id: str = "",
    ) -> None:
        """Save one turn of an agent's conversation in each memory; see :meth:`MessageService.save_turn`."""
        self.messages.save_turn(caller_or_tenant, memory_ids, user_input, agent_response, agent_id, session_id, user_id)

    def search(self, caller_or_tenant: Caller | str, query: MessageQuery) -> list[FoundMessage]:
        """The messages of the memories that best answer ``query.question``; see :meth:`MessageService.search`."""
        return self.messages.search(caller_or_tenant, query)

    # ---- memories ----------------------------------------------------------------------------

    def _check_models(self, tenant_id: str, embd_id: str | None, llm_id: str | None) -> None:
        if embd_id is not None:
            self._models.require(embd_id, ModelKind.EMBEDDING, tenant_id)
        if llm_id is not None:
            self._models.require(llm_id, ModelKind.CHAT, tenant_id)

    def create(self, caller: Caller, spec: NewMemory) -> MemoryView:
        """Create a memory (a name taken gets a number); raw messages are always kept."""
        self._check_models(caller.tenant_id, spec.embd_id, spec.llm_id)
        mask = type_mask(spec.types)

        def attempt() -> MemoryView:
            with self._store.writing() as tx:
                tx.tenants.lock(caller.tenant_id)
                name = self._free_name(tx, caller.tenant_id, spec.name)
                now = now_ms()
                memory = tx.memories.add(
                    Memory(
                        id=new_id(),
                        tenant_id=caller.tenant_id,
                        name=name,
                        name_key=name.lower(),
                        avatar=None,
                        description=None,
                        memory_type=mask,
                        storage_type=StorageType.TABLE.value,
                        embd_id=spec.embd_id,
                        llm_id=spec.llm_id,
                        permissions=Permission.ME.value,
                        memory_size=DEFAULT_MEMORY_SIZE,
                        forgetting_policy=ForgettingPolicy.FIFO.value,
                        temperature=DEFAULT_TEMPERATURE,
                        system_prompt=default_system_prompt(mask),
                        user_prompt=None,
                        next_message_id=1,
                        create_time=now,
                        update_time=now,
                    )
                )
                return MemoryView(memory, None)

        return retry_on_conflict(attempt, what="the memory")

    @staticmethod
    def _free_name(tx: Transaction, tenant_id: str, name: str, except_id: str | None = None) -> str:
        return first_free_name(
            name, lambda candidate: tx.memories.name_key_taken(tenant_id, candidate.lower(), except_id=except_id)
        )

    def _owned(self, tx: Transaction, caller: Caller, memory_id: str) -> Memory:
        memory = tx.memories.owned(caller.tenant_id, memory_id)
        if memory is None:
            raise memory_not_found(memory_id)
        return memory

    def config(self, caller: Caller, memory_id: str) -> MemoryView:
        """The memory's whole configuration, with its owner's name."""
        with self._store.reading() as tx:
            memory = self._owned(tx, caller, memory_id)
            tenant = tx.tenants.get(memory.tenant_id)
        return MemoryView(memory, tenant.name if tenant is not None else None)

    def update(self, caller: Caller, memory_id: str, changes: MemoryChanges) -> MemoryView:
        """Apply ``changes``; the embedding model and the types stay while the memory holds messages."""
        with self._store.reading() as tx:
            current = self._owned(tx, caller, memory_id)
        self._check_models(caller.tenant_id, changes.embd_id, changes.llm_id)
        self._refuse_changes_of_a_full_memory(current, changes)

        def attempt() -> MemoryView:
            with self._store.writing() as tx:
                tx.tenants.lock(caller.tenant_id)
                memory = self._owned(tx, caller, memory_id)
                if self._apply(tx, memory, changes):
                    memory.update_time = now_ms()
                    tx.memories.save(memory)
                return MemoryView(memory, None)

        view = retry_on_conflict(attempt, what="the memory")
        if changes.memory_size is not None:
            self._index.add_messages(memory_id, [], view.record.memory_size)  # evict what no longer fits
        return view

    def _refuse_changes_of_a_full_memory(self, memory: Memory, changes: MemoryChanges) -> None:
        changed = []
        if changes.embd_id is not None and changes.embd_id != memory.embd_id:
            changed.append("embd_id")
        if changes.types is not None and type_mask(changes.types) != memory.memory_type:
            changed.append("memory_type")
        if changed and self._index.message_stats(memory.id).count:
            raise ArgumentError(f"Can't update {changed!r} when memory isn't empty.")

    def _apply(self, tx: Transaction, memory: Memory, changes: MemoryChanges) -> bool:
        """Write ``changes`` into ``memory``; whether anything changed."""
        values: dict[str, Any] = {}
        if changes.name is not None and changes.name != memory.name:
            name = self._free_name(tx, memory.tenant_id, changes.name, except_id=memory.id)
            values.update(name=name, name_key=name.lower())
        if changes.types is not None:
            mask = type_mask(changes.types)
            if memory.system_prompt in (None, "", default_system_prompt(memory.memory_type)):
                values["system_prompt"] = default_system_prompt(mask)
            values["memory_type"] = mask
        for key, value in (
            ("permissions", changes.permissions.value if changes.permissions else None),
            ("llm_id", changes.llm_id),
            ("embd_id", changes.embd_id),
            ("memory_size", changes.memory_size),
            ("forgetting_policy", changes.forgetting_policy.value if changes.forgetting_policy else None),
            ("temperature", changes.temperature),
        ):
            if value is not None:
                values[key] = value
        values.update(changes.texts)
        changed = False
        for key, value in values.items():
            if getattr(memory, key) != value:
                setattr(memory, key, value)
                changed = True
        return changed

    def delete(self, caller: Caller, memory_id: str) -> None:
        """Delete the memory, its messages and its extraction tasks (a running one stops at its next
        checkpoint and removes what it wrote)."""
        with self._store.writing() as tx:
            self._owned(tx, caller, memory_id)
            tx.memories.remove(memory_id)
        self._index.delete_datasets([memory_id])

    def list_page(self, caller: Caller, listing: MemoryListing) -> tuple[list[MemoryView], int]:
        """A page of the caller's memories (last updated first) and how many match in all."""
        owners = [caller.tenant_id]
        if listing.tenant_ids is not None:
            owners = [tenant for tenant in listing.tenant_ids if tenant == caller.tenant_id]
            if not owners:
                return [], 0
        query = MemoryQuery(
            tenant_ids=owners,
            type_mask=sum(kind.bit for kind in set(listing.types)),
            storage_type=listing.storage_type,
            name_contains=listing.keywords,
            ids=listing.ids,
            offset=(listing.page - 1) * listing.page_size,
            limit=listing.page_size,
        )
        with self._store.reading() as tx:
            memories, total = tx.memories.find(query)
            tenant = tx.tenants.get(caller.tenant_id)
        owner = tenant.name if tenant is not None else None
        return [MemoryView(memory, owner) for memory in memories], total

"""Starting and stopping the parsing of documents (contract §5).

Starting queues a durable task and marks the document RUNNING at once (clients stop a
parse right after starting it and expect that to work); a worker process does the work.
Stopping marks the document CANCEL, cancels its task and removes its chunks; a worker in
the middle of the task notices at its next checkpoint and removes anything it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ragloom.clock import now_ms
from ragloom.errors import DataError
from ragloom.ids import new_id
from ragloom.services.task_ledger import TaskKind, append_log
from ragloom.services.tenants import Caller
from ragloom.storage.index import ChunkIndex
from ragloom.storage.metadata import MetadataStore, Transaction, retried
from ragloom.storage.metadata.tables import Document, Task
from ragloom.storage.queue import ACTIVE, TaskQueue

RUNNING = "1"
STOP_INVALID_STATE = "Can't stop parsing document that has not started or already completed"


@dataclass
class ParseOutcome:
    """What a start or stop request did."""

    done: int = 0
    duplicates: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def dataset_not_visible(dataset_id: str) -> DataError:
    return DataError(f"You don't own the dataset {dataset_id}.")


def deduplicated(document_ids: list[str]) -> tuple[list[str], list[str]]:
    """The ids in order without repeats, and the repeated ones."""
    seen: dict[str, int] = {}
    for document_id in document_ids:
        seen[document_id] = seen.get(document_id, 0) + 1
    return list(seen), [document_id for document_id, times in seen.items() if times > 1]


def cancel_active_tasks(tx: Transaction, queue: TaskQueue, document_id: str) -> None:
    """Stop the document's tasks: queued ones end now, a running one is told to stop."""
    now = now_ms()
    for task in queue.list_tasks(tx, document_ids=[document_id], statuses=ACTIVE):
        queue.cancel(tx, task.id, now=now)


class ParsingService:
    """Queues and cancels parse tasks, within the caller's tenant."""

    def __init__(self, store: MetadataStore, index: ChunkIndex, queue: TaskQueue) -> None:
        self._store = store
        self._index = index
        self._queue = queue

    def _documents(self, caller: Caller, dataset_id: str, document_ids: list[str]) -> dict[str, Document]:
        with self._store.reading() as tx:
            if tx.datasets.owned(caller.tenant_id, dataset_id) is None:
                raise dataset_not_visible(dataset_id)
            found = tx.documents.many_in_dataset(dataset_id, document_ids)
        return {document.id: document for document in found}

    def start(self, caller: Caller, dataset_id: str, document_ids: list[str], *, refuse_running: bool) -> ParseOutcome:
        """Queue a parse of each document; see §5.1 (``refuse_running``) and §5.3 for the rules."""
        ids, duplicates = deduplicated(document_ids)
        documents = self._documents(caller, dataset_id, ids)
        if not ids:
            raise DataError("`document_ids` is required")
        outcome = ParseOutcome(duplicates=duplicates)
        missing = []
        for document_id in ids:
            document = documents.get(document_id)
            if document is None:
                missing.append(document_id)
                continue
            if refuse_running and document.run == RUNNING:
                raise DataError("Can't parse document that is currently being processed")
            self._enqueue(document)
            outcome.done += 1
        if missing:
            raise DataError(f"Documents not found: {missing}")
        return outcome

    @retried
    def _enqueue(self, document: Document) -> None:
        with self._store.reading() as tx:
            busy = bool(self._queue.list_tasks(tx, document_ids=[document.id], statuses=ACTIVE))
        if not busy:
            self._index.delete(document.dataset_id, document_ids=[document.id])
        with self._store.writing() as tx:
            locked = tx.documents.lock(document.id)
            if locked is None:
                return
            cancel_active_tasks(tx, self._queue, document.id)
            now = now_ms()
            self._queue.enqueue(
                tx,
                Task(
                    id=new_id(),
                    document_id=document.id,
                    dataset_id=document.dataset_id,
                    tenant_id=document.tenant_id,
                    kind=TaskKind.PARSE.value,
                    attempts=0,
                    create_time=now,
                    update_time=now,
                ),
            )
            locked.run, locked.progress, locked.progress_msg = RUNNING, 0.0, ""
            locked.chunk_count = locked.token_count = 0
            locked.process_begin_at, locked.process_duration = None, 0.0
            locked.update_time = now
            append_log(locked, "Task is queued.")

    def stop(self, caller: Caller, dataset_id: str, document_ids: list[str], *, strict: bool) -> ParseOutcome:
        """Cancel parsing. ``strict`` (§5.2): stop in order, the first bad id aborts the rest.
        Otherwise (§5.3): unknown ids stop nothing; documents not running are reported."""
        ids, duplicates = deduplicated(document_ids)
        documents = self._documents(caller, dataset_id, ids)
        if not ids:
            raise DataError("`document_ids` is required")
        missing = [document_id for document_id in ids if document_id not in documents]
        if missing and not strict:
            raise DataError(f"Documents not found: {missing}")
        outcome = ParseOutcome(duplicates=duplicates)
        for document_id in ids:
            document = documents.get(document_id)
            if document is None:
                raise DataError(f"You don't own the document {document_id}.")
            if not self._cancel(document):
                if strict:
                    raise DataError(STOP_INVALID_STATE, data={"error_code": "DOC_STOP_PARSING_INVALID_STATE"})
                outcome.errors.append(f"{STOP_INVALID_STATE}: {document_id}")
                continue
            outcome.done += 1
        if not strict and outcome.done == 0:
            raise DataError(STOP_INVALID_STATE, data={"error_code": "DOC_STOP_PARSING_INVALID_STATE"})
        return outcome

    @retried
    def _cancel(self, document: Document) -> bool:
        with self._store.writing() as tx:
            locked = tx.documents.lock(document.id)
            if locked is None or locked.run != RUNNING:
                return False
            cancel_active_tasks(tx, self._queue, document.id)
            locked.run, locked.progress = "2", 0.0
            locked.chunk_count = locked.token_count = 0
            locked.update_time = now_ms()
            append_log(locked, "Task cancelled.")
        self._index.delete(document.dataset_id, document_ids=[document.id])
        return True

"""A dataset's ingestion log and summary (``/datasets/{id}/ingestions…``, contract §13.3).

RAGFlow logs each run of its ingestion pipelines; ragloom's runs are its parse tasks (the
``task`` table: one row per parse of a document, kept after it ends), so each task is one
log entry. A task's state shows as RAGFlow's ``operation_status`` run digit: ``1`` while it
waits or runs, ``3`` done, ``4`` failed, ``2`` cancelled. RAGFlow's dataset-wide tasks
(knowledge graph, RAPTOR, mind map) are not built by ragloom, so ``log_type=dataset`` lists
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ragloom.errors import ArgumentError, DataError
from ragloom.services.dataset_access import no_authorization, owned_dataset
from ragloom.services.documents import run_digit
from ragloom.services.tenants import Caller
from ragloom.storage.metadata import MetadataStore
from ragloom.storage.metadata.datasets import DatasetCounts
from ragloom.storage.metadata.tables import Document, Task
from ragloom.storage.metadata.tasks import TaskHistoryQuery

# The task ledger's states (``Task.status``) as RAGFlow's run digits.
OPERATION_STATUS = {
    "queued": "1",
    "running": "1",
    "cancelling": "1",
    "done": "3",
    "failed": "4",
    "cancelled": "2",
}
LOG_TYPES = ("file", "dataset")
ORDER_COLUMNS = ("create_time", "update_time")


@dataclass(frozen=True)
class IngestionLogListing:
    """A log list request as it arrived (dates as ``YYYY-MM-DD``, statuses as run digits or words)."""

    page: int = 1
    page_size: int = 30
    orderby: str = "create_time"
    desc: bool = True
    statuses: tuple[str, ...] = ()
    created_from: str | None = None
    created_to: str | None = None
    keywords: str | None = None
    log_type: str = "file"


@dataclass(frozen=True)
class IngestionLog:
    """One parse task, its document, and whether it is the document's latest run."""

    task: Task
    document: Document
    latest: bool

    @property
    def operation_status(self) -> str:
        return OPERATION_STATUS.get(self.task.status, "1")


def _day(value: str, key: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ArgumentError(f"`{key}` must be a date written YYYY-MM-DD, not {value!r}.") from None


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def history_query(dataset_id: str, listing: IngestionLogListing) -> TaskHistoryQuery:
    """The repository query for a listing, or the first argument it refuses."""
    if listing.orderby not in ORDER_COLUMNS:
        raise ArgumentError(f"`orderby` must be one of {', '.join(ORDER_COLUMNS)}, not {listing.orderby!r}.")
    digits = []
    for value in listing.statuses:
        digit = run_digit(value)
        if digit is None:
            raise DataError(f"Invalid filter operation status conditions: {value}")
        digits.append(digit)
    statuses = tuple(status for status, digit in OPERATION_STATUS.items() if digit in digits)
    created_from = _epoch_ms(_day(listing.created_from, "create_date_from")) if listing.created_from else None
    created_to = None
    if listing.created_to:
        created_to = _epoch_ms(_day(listing.created_to, "create_date_to") + timedelta(days=1)) - 1
    return TaskHistoryQuery(
        dataset_id=dataset_id,
        statuses=statuses,
        created_from=created_from,
        created_to=created_to,
        name_contains=listing.keywords or None,
        orderby=listing.orderby,
        desc=listing.desc,
        offset=(listing.page - 1) * listing.page_size,
        limit=listing.page_size,
    )


class IngestionLogService:
    """The ingestion history of the caller's datasets."""

    def __init__(self, store: MetadataStore) -> None:
        self._store = store

    def list_page(
        self, caller: Caller, dataset_id: str, listing: IngestionLogListing
    ) -> tuple[list[IngestionLog], int]:
        """One page of the dataset's log, newest first by default, and how many entries match."""
        if listing.log_type not in LOG_TYPES:
            raise DataError('Invalid "log_type", expected "dataset" or "file"')
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            query = history_query(dataset_id, listing)
            if listing.statuses and not query.statuses:
                return [], 0
            if listing.log_type == "dataset":
                return [], 0
            rows, total = tx.tasks.history(query)
            latest = tx.tasks.latest_ids([document.id for _task, document in rows])
        return [IngestionLog(task, document, task.id in latest) for task, document in rows], total

    def get(self, caller: Caller, dataset_id: str, log_id: str) -> IngestionLog:
        """One entry of the dataset's log."""
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            found = tx.tasks.in_dataset(dataset_id, log_id)
            if found is None:
                raise DataError("Log not found")
            task, document = found
            latest = task.id in tx.tasks.latest_ids([document.id])
        return IngestionLog(task, document, latest)

    def summary(self, caller: Caller, dataset_id: str) -> DatasetCounts:
        """What the dataset holds: documents, chunks, tokens and documents per run state."""
        with self._store.reading() as tx:
            owned_dataset(tx, caller, dataset_id, no_authorization())
            return tx.datasets.counts([dataset_id])[dataset_id]

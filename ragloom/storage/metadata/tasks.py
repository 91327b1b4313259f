"""Queries on background tasks."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Document, Task

# The queue's states (:class:`ragloom.storage.queue.TaskStatus`) a task is active in; claims, leases
# and take-backs are the queue's (:mod:`ragloom.storage.queue`), not this repository's.
ACTIVE = ("queued", "running", "cancelling")
GRAPH_KIND = "graph"  # TaskKind.GRAPH (services sit above this module)


@dataclass(frozen=True)
class TaskHistoryQuery:
    """Filters, order and page of a dataset's task history (its ingestion log)."""

    dataset_id: str
    statuses: tuple[str, ...] = ()
    created_from: int | None = None
    created_to: int | None = None
    name_contains: str | None = None
    orderby: str = "create_time"
    desc: bool = True
    offset: int = 0
    limit: int | None = None


class TaskRepository:
    """Tasks, in one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, task: Task) -> Task:
        self._session.add(task)
        self._session.flush()
        return task

    def get(self, task_id: str) -> Task | None:
        return self._session.get(Task, task_id)

    def active_for(self, document_ids: Collection[str]) -> list[Task]:
        """Queued, running or cancelling tasks of these documents."""
        if not document_ids:
            return []
        query = select(Task).where(Task.document_id.in_(list(document_ids)), Task.status.in_(ACTIVE))
        return list(self._session.scalars(query.order_by(Task.create_time)))

    def of_dataset(self, dataset_id: str, kind: str) -> list[Task]:
        """The tasks of ``kind`` over the whole dataset (no document), newest first."""
        query = select(Task).where(Task.dataset_id == dataset_id, Task.kind == kind, Task.document_id.is_(None))
        return list(self._session.scalars(query.order_by(Task.create_time.desc(), Task.id.desc())))

    def newest_of_datasets(self, dataset_ids: Collection[str], kinds: Collection[str]) -> dict[tuple[str, str], Task]:
        """The newest task over the whole dataset (no document) of each of ``kinds``, by (dataset id, kind)."""
        if not dataset_ids or not kinds:
            return {}
        whole = (Task.dataset_id.in_(list(dataset_ids)), Task.kind.in_(list(kinds)), Task.document_id.is_(None))
        latest = (
            select(Task.dataset_id, Task.kind, func.max(Task.create_time).label("newest"))
            .where(*whole)
            .group_by(Task.dataset_id, Task.kind)
            .subquery()
        )
        on = and_(
            Task.dataset_id == latest.c.dataset_id, Task.kind == latest.c.kind, Task.create_time == latest.c.newest
        )
        newest: dict[tuple[str, str], Task] = {}
        for task in self._session.scalars(select(Task).join(latest, on).where(*whole).order_by(Task.id)):
            newest[(task.dataset_id, task.kind)] = task  # of tasks created in the same ms, the greatest id
        return newest

    def history(self, query: TaskHistoryQuery) -> tuple[list[tuple[Task, Document]], int]:
        """One page of the dataset's tasks with their documents, and how many match in all."""
        statement = (
            select(Task, Document)
            .join(Document, Document.id == Task.document_id)
            .where(Task.dataset_id == query.dataset_id, Document.dataset_id == query.dataset_id)
        )
        if query.statuses:
            statement = statement.where(Task.status.in_(query.statuses))
        if query.created_from is not None:
            statement = statement.where(Task.create_time >= query.created_from)
        if query.created_to is not None:
            statement = statement.where(Task.create_time <= query.created_to)
        if query.name_contains:
            statement = statement.where(
                func.lower(Document.name).contains(query.name_contains.lower(), autoescape=True)
            )
        total = self._session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        column = Task.update_time if query.orderby == "update_time" else Task.create_time
        order = (column.desc(), Task.id.desc()) if query.desc else (column.asc(), Task.id.asc())
        statement = statement.order_by(*order).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return [(task, document) for task, document in self._session.execute(statement).tuples()], total

    def in_dataset(self, dataset_id: str, task_id: str) -> tuple[Task, Document] | None:
        """The task with its document, if the task belongs to the dataset."""
        row = self._session.execute(
            select(Task, Document)
            .join(Document, Document.id == Task.document_id)
            .where(Task.id == task_id, Task.dataset_id == dataset_id, Document.dataset_id == dataset_id)
        ).first()
        return None if row is None else (row[0], row[1])

    def latest_ids(self, document_ids: Collection[str]) -> set[str]:
        """The id of each document's newest task."""
        if not document_ids:
            return set()
        newest = (
            select(Task.document_id, func.max(Task.create_time).label("created"))
            .where(Task.document_id.in_(list(document_ids)))
            .group_by(Task.document_id)
            .subquery()
        )
        rows = self._session.execute(
            select(Task.id, Task.document_id, Task.create_time)
            .join(newest, (newest.c.document_id == Task.document_id) & (newest.c.created == Task.create_time))
            .order_by(Task.id)
        )
        latest: dict[str, str] = {}
        for task_id, document_id, _created in rows:
            latest[document_id] = task_id  # two tasks in one millisecond: the last by id (stable)
        return set(latest.values())

    def graph_tasks(self, dataset_id: str) -> list[Task]:
        """The dataset's knowledge-graph tasks, newest first."""
        return self.of_dataset(dataset_id, GRAPH_KIND)

    def of_messages(self, memory_id: str, message_ids: Collection[int]) -> dict[int, Task]:
        """The newest task of each of those raw messages of the memory."""
        if not message_ids:
            return {}
        query = (
            select(Task)
            .where(Task.memory_id == memory_id, Task.message_id.in_(list(message_ids)))
            .order_by(Task.create_time, Task.id)
        )
        return {int(task.message_id or 0): task for task in self._session.scalars(query)}

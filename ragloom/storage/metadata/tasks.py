"""Queries on background tasks."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from ragloom.storage.metadata.tables import Task

ACTIVE = ("queued", "running", "cancelling")
LEASED = ("running", "cancelling")


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

    def next_claimable(self, now: int) -> Task | None:
        """The oldest queued task whose document no live task is working on (locked on servers that can)."""
        busy = select(Task.document_id).where(Task.status.in_(LEASED), Task.lease_expires_at > now)
        query = (
            select(Task)
            .where(Task.status == "queued", Task.document_id.not_in(busy))
            .order_by(Task.create_time, Task.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return self._session.scalar(query)

    def leased_by(self, worker: str) -> list[Task]:
        """Running or cancelling tasks leased to ``worker``."""
        query = select(Task).where(Task.status.in_(LEASED), Task.worker == worker)
        return list(self._session.scalars(query.with_for_update(skip_locked=True)))

    def leased_expired(self, now: int | None) -> list[Task]:
        """Running or cancelling tasks whose lease ran out (every one of them when ``now`` is ``None``)."""
        query = select(Task).where(Task.status.in_(LEASED))
        if now is not None:
            query = query.where(Task.lease_expires_at < now)
        return list(self._session.scalars(query.with_for_update(skip_locked=True)))

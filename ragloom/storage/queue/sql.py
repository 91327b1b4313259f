"""The task queue as SQL over the metadata database's ``task`` table, shared by the SQLite and
PostgreSQL backends; each of those says how its engine keeps concurrent claims and take-backs apart."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import BigInteger, Select, bindparam, func, or_, select, tuple_

from ragloom.ids import new_id
from ragloom.storage.metadata import Transaction
from ragloom.storage.metadata.tables import Task
from ragloom.storage.queue.protocol import DATASET_WIDE_KINDS, LEASED, Claim, Lease, Standing, TaskStatus


def _claimable() -> Select[tuple[Task]]:
    """The oldest queued task whose document (or, a dataset-wide build, whose dataset) no live
    lease is working on, as of the bound parameter ``now``.

    Built once: a worker claims once per task, and building and caching-keying this statement
    cost more than running it against the ``ix_task_claim`` index (status, create time, id), which
    hands the queued tasks over in claim order, so the first one no live lease blocks ends the
    scan. The two ``NOT IN`` lists are of live leases only: a few rows, one per busy worker."""
    now = bindparam("now", type_=BigInteger)
    live = (Task.status.in_(LEASED), Task.lease_expires_at > now)
    busy = select(Task.document_id).where(*live, Task.document_id.is_not(None))
    building = select(Task.dataset_id, Task.kind).where(*live, Task.kind.in_(DATASET_WIDE_KINDS))
    return (
        select(Task)
        .where(
            Task.status == TaskStatus.QUEUED.value,
            or_(Task.document_id.is_(None), Task.document_id.not_in(busy)),
            or_(Task.kind.not_in(DATASET_WIDE_KINDS), tuple_(Task.dataset_id, Task.kind).not_in(building)),
        )
        .order_by(Task.create_time, Task.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


_CLAIMABLE = _claimable()


class SqlTaskQueue:
    """:class:`~ragloom.storage.queue.protocol.TaskQueue` in SQL; see that module for the semantics.

    Row locks are asked for with ``FOR UPDATE`` (``SKIP LOCKED`` where a transaction should pass
    a row another one holds); an engine without row locks (SQLite) leaves them out of the SQL
    and serialises writing transactions instead.
    """

    def enqueue(self, tx: Transaction, task: Task) -> Task:
        task.status, task.worker, task.lease_expires_at, task.lease_token = TaskStatus.QUEUED.value, None, None, None
        task.attempts = task.attempts or 0
        tx.session.add(task)
        tx.session.flush()
        return task

    def next_claimable(self, tx: Transaction, *, now: int) -> Task | None:
        return tx.session.scalar(_CLAIMABLE, {"now": now})

    def claim(self, tx: Transaction, worker: str, *, now: int, lease_ms: int) -> Claim | None:
        task = self.next_claimable(tx, now=now)
        if task is None:
            return None
        task.status, task.worker, task.lease_token = TaskStatus.RUNNING.value, worker, new_id()
        task.lease_expires_at = now + lease_ms
        task.attempts += 1
        task.begin_time = task.begin_time or now
        task.update_time = now
        tx.session.flush()
        return Claim(task, Lease(task.id, worker, task.lease_token))

    def _locked(self, tx: Transaction, task_id: str) -> Task | None:
        query = select(Task).where(Task.id == task_id).with_for_update().execution_options(populate_existing=True)
        return tx.session.scalar(query)

    def hold(self, tx: Transaction, lease: Lease) -> tuple[Standing, Task | None]:
        task = self._locked(tx, lease.task_id)
        if task is None:
            return Standing.GONE, None
        if task.lease_token != lease.token or task.worker != lease.worker:
            return Standing.LOST, None
        if task.status == TaskStatus.CANCELLING:
            return Standing.CANCELLED, task
        if task.status != TaskStatus.RUNNING:
            return Standing.LOST, None
        return Standing.HELD, task

    def renew(self, tx: Transaction, lease: Lease, *, now: int, lease_ms: int) -> Standing:
        standing, task = self.hold(tx, lease)
        if standing is Standing.HELD and task is not None:
            task.lease_expires_at = now + lease_ms
        return standing

    def complete(self, tx: Transaction, lease: Lease, *, now: int) -> Standing:
        standing, task = self.hold(tx, lease)
        if standing is Standing.HELD and task is not None:
            task.status, task.end_time, task.update_time = TaskStatus.DONE.value, now, now
        return standing

    def fail(self, tx: Transaction, lease: Lease, reason: str, *, now: int) -> Standing:
        standing, task = self.hold(tx, lease)
        if standing is Standing.HELD and task is not None:
            self.give_up(tx, task, reason, now=now)
        return standing

    def cancel(self, tx: Transaction, task_id: str, *, now: int) -> TaskStatus | None:
        task = self._locked(tx, task_id)
        if task is None:
            return None
        if task.status == TaskStatus.QUEUED:
            task.status, task.end_time, task.update_time = TaskStatus.CANCELLED.value, now, now
        elif task.status == TaskStatus.RUNNING:
            task.status, task.update_time = TaskStatus.CANCELLING.value, now
        return TaskStatus(task.status)

    def acknowledge_cancel(self, tx: Transaction, task_id: str, *, now: int) -> bool:
        task = self._locked(tx, task_id)
        if task is None or task.status != TaskStatus.CANCELLING:
            return False
        task.status, task.end_time, task.update_time = TaskStatus.CANCELLED.value, now, now
        return True

    def leased(self, tx: Transaction, *, worker: str | None = None, expired_before: int | None = None) -> list[Task]:
        query = select(Task).where(Task.status.in_(LEASED))
        if worker is not None:
            query = query.where(Task.worker == worker)
        if expired_before is not None:
            query = query.where(Task.lease_expires_at < expired_before)
        query = query.order_by(Task.create_time, Task.id).with_for_update(skip_locked=True)
        return list(tx.session.scalars(query))

    def end_lease(self, tx: Transaction, task: Task) -> None:
        task.lease_expires_at = 0
        tx.session.flush()

    def requeue(self, tx: Transaction, task: Task, *, now: int) -> None:
        task.status, task.worker, task.lease_expires_at, task.lease_token = TaskStatus.QUEUED.value, None, None, None
        task.update_time = now
        tx.session.flush()

    def give_up(self, tx: Transaction, task: Task, reason: str, *, now: int) -> None:
        task.status, task.error, task.end_time, task.update_time = TaskStatus.FAILED.value, reason, now, now
        task.lease_token = None
        tx.session.flush()

    def list_tasks(
        self,
        tx: Transaction,
        *,
        document_ids: Collection[str] | None = None,
        statuses: Collection[TaskStatus] | None = None,
    ) -> list[Task]:
        query = select(Task)
        if document_ids is not None:
            if not document_ids:
                return []
            query = query.where(Task.document_id.in_(list(document_ids)))
        if statuses is not None:
            query = query.where(Task.status.in_([TaskStatus(status).value for status in statuses]))
        return list(tx.session.scalars(query.order_by(Task.create_time, Task.id)))

    def count(self, tx: Transaction, *, statuses: Collection[TaskStatus]) -> int:
        states = [TaskStatus(status).value for status in statuses]
        return int(tx.session.scalar(select(func.count()).select_from(Task).where(Task.status.in_(states))) or 0)

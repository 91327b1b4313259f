"""The task queue role: durable background work, leased to one worker at a time.

Semantics every backend keeps (the conformance suite :mod:`ragloom.testing.task_queue` holds them):

**Where tasks live.** Tasks are rows of the metadata database (:class:`~ragloom.storage.metadata.tables.Task`)
and every operation runs in a metadata :class:`~ragloom.storage.metadata.Transaction` the caller
opened. That is what lets a task's change of state and what it means for its subject (a document's
``run``, progress and counts) commit together or not at all, and lets a document and its first
task be created in one commit. So a queue backend goes with the metadata backend of the same
engine (``[queue] backend`` defaults to ``[database] backend``).

**States** (:class:`TaskStatus`): ``queued`` → ``running`` → ``done`` | ``failed``; a user's
cancel turns ``queued`` into ``cancelled`` at once and ``running`` into ``cancelling``, which
becomes ``cancelled`` when what the task wrote is gone (:meth:`TaskQueue.acknowledge_cancel`).
A running or cancelling task is *leased*.

**Claims and order.** :meth:`TaskQueue.claim` takes the oldest queued task (by enqueue time,
then id) whose document no unexpired lease is working on (a task without a document is never
held back, except a dataset-wide build — a kind in :data:`DATASET_WIDE_KINDS` — which waits
while another of its kind holds an unexpired lease on the same dataset), marks it running and
returns it with a new :class:`Lease`. Concurrent claimers never get the same task; among them
the order is best-effort (a claimer skips a task another is claiming at that instant and takes
the next).

**Leases and expiry.** A lease lasts ``lease_ms`` from the claim or the last renewal. A lease
that ran out is not taken away by itself: the task stays the holder's (its renewals still
succeed) until someone takes it back — :meth:`TaskQueue.leased` lists expired leases,
:meth:`TaskQueue.requeue` queues such a task again and :meth:`TaskQueue.give_up` fails it.

**Delivery is at least once.** A task whose worker died or went silent runs again, under a
new lease and with ``attempts`` one higher; a handler must therefore make a second run replace
what a first, interrupted one wrote (parsing replaces the document's chunks).

**Fencing.** Each claim mints a new lease token. Every write a worker makes for a task —
:meth:`~TaskQueue.renew`, progress through :meth:`~TaskQueue.hold`, :meth:`~TaskQueue.complete`,
:meth:`~TaskQueue.fail` — names its :class:`Lease` and happens only if, in that same
transaction and with the task's row locked against a concurrent take-back, the task is still
leased under that token. A worker whose task was taken back (and perhaps claimed again by
another worker, or by itself) holds a stale token: its writes are refused with
:attr:`Standing.LOST` and change nothing.

**What a cancelled task's worker sees.** Its next fenced call returns :attr:`Standing.CANCELLED`
and writes nothing: it must stop, remove what it wrote, and acknowledge. If it vanishes first,
the cancelling task's lease runs out and whoever takes it back does the cleaning. A deleted task
(its document deleted) answers :attr:`Standing.GONE`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from ragloom.storage.metadata import Transaction
from ragloom.storage.metadata.tables import Task


class TaskStatus(StrEnum):
    """A task's state (``Task.status``); see the module docstring for the moves between them."""

    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"  # the user stopped it while a worker held it
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.CANCELLING)
LEASED = (TaskStatus.RUNNING, TaskStatus.CANCELLING)
DATASET_WIDE_KINDS = ("graph", "raptor", "mindmap")
"""Task kinds that build something of a whole dataset: one of a kind runs per dataset at a time."""


class Standing(StrEnum):
    """Where a worker stands with the task it is running."""

    HELD = "held"  # still the task's worker: carry on
    CANCELLED = "cancelled"  # the user stopped it: clean up and stop
    LOST = "lost"  # the task was given to another worker (or finished): stop, touch nothing
    GONE = "gone"  # the task (its document) was deleted: remove what you wrote, stop
    RELEASED = "released"  # the worker gave the task back because it is stopping: touch nothing


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one claimed task; ``token`` is new at every claim and fences its writes."""

    task_id: str
    worker: str
    token: str


@dataclass(frozen=True)
class Claim:
    """A task just claimed (its row, in the claiming transaction) and the lease it is held under."""

    task: Task
    lease: Lease


@runtime_checkable
class TaskQueue(Protocol):
    """Durable tasks leased to workers; see the module docstring for the semantics.

    Times are milliseconds since the epoch (``now``), passed in so that the caller's clock is
    the only one. A method that changes a task only changes it in ``tx``: nothing is durable
    before the caller's transaction commits.
    """

    def enqueue(self, tx: Transaction, task: Task) -> Task:
        """Add ``task`` (a new row) as ``queued``, with no lease and no attempt yet."""
        ...

    def claim(self, tx: Transaction, worker: str, *, now: int, lease_ms: int) -> Claim | None:
        """Lease the next claimable task to ``worker`` until ``now + lease_ms``; ``None`` when none is."""
        ...

    def next_claimable(self, tx: Transaction, *, now: int) -> Task | None:
        """The task :meth:`claim` would lease next in ``tx``, left queued (its row locked where the
        engine locks rows, so that a claim later in ``tx`` takes this very task); ``None`` when none is."""
        ...

    def hold(self, tx: Transaction, lease: Lease) -> tuple[Standing, Task | None]:
        """Fence a write: where ``lease``'s holder stands, and the task's row — locked until ``tx``
        ends — when it is still :attr:`Standing.HELD` (or :attr:`Standing.CANCELLED`). The caller
        writes what goes with the task (its document's progress) only when held."""
        ...

    def renew(self, tx: Transaction, lease: Lease, *, now: int, lease_ms: int) -> Standing:
        """Extend the lease to ``now + lease_ms`` if still held; says where the holder stands."""
        ...

    def complete(self, tx: Transaction, lease: Lease, *, now: int) -> Standing:
        """Mark the task ``done`` if still held; otherwise change nothing and say why."""
        ...

    def fail(self, tx: Transaction, lease: Lease, reason: str, *, now: int) -> Standing:
        """Mark the task ``failed`` with ``reason`` if still held; otherwise change nothing."""
        ...

    def cancel(self, tx: Transaction, task_id: str, *, now: int) -> TaskStatus | None:
        """Stop a task: ``queued`` → ``cancelled``, leased ``running`` → ``cancelling``; returns the
        status it has now, or ``None`` when there is no such task."""
        ...

    def acknowledge_cancel(self, tx: Transaction, task_id: str, *, now: int) -> bool:
        """A ``cancelling`` task's writes are removed: it is ``cancelled``. Says whether it was cancelling."""
        ...

    def leased(self, tx: Transaction, *, worker: str | None = None, expired_before: int | None = None) -> list[Task]:
        """Leased tasks — of ``worker`` only, and/or only those whose lease ended before
        ``expired_before`` — with their rows locked for taking back (a row another transaction is
        taking back already is skipped)."""
        ...

    def end_lease(self, tx: Transaction, task: Task) -> None:
        """End the lease of a leased task now (its holder is known to be gone); the task stays as it
        is until someone takes it back."""
        ...

    def requeue(self, tx: Transaction, task: Task, *, now: int) -> None:
        """Take a leased task back: ``queued`` again, its lease (and so its token) void."""
        ...

    def give_up(self, tx: Transaction, task: Task, reason: str, *, now: int) -> None:
        """Take a leased task back for good: ``failed`` with ``reason``, its lease void."""
        ...

    def list_tasks(
        self,
        tx: Transaction,
        *,
        document_ids: Collection[str] | None = None,
        statuses: Collection[TaskStatus] | None = None,
    ) -> list[Task]:
        """Tasks, oldest first (enqueue time, then id), of those documents and in those states."""
        ...

    def count(self, tx: Transaction, *, statuses: Collection[TaskStatus]) -> int:
        """How many tasks are in those states (counted, not loaded)."""
        ...

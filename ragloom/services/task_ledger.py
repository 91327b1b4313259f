"""The task ledger: every change of a task's state, together with its document's.

Tasks are of several kinds (:class:`TaskKind`): parsing a document, whose progress and log are
the document's; extracting memories from a raw message of a memory, building a dataset's
knowledge graph, RAPTOR summaries or mind map, and evaluating retrieval on a dataset, whose
progress and log are kept on the task itself (the memory's message listing, the dataset's
``/index?type=graph|raptor|mindmap`` and ``/evaluations/{id}`` show them). Everything
below holds for all; "the document" of a memory or dataset-wide task is the task.

The queue itself — claims, leases, fencing — is a storage role (:mod:`ragloom.storage.queue`);
the ledger adds what a task's state means for its document. A worker only writes to a document
while it holds the document's task: each write happens in one metadata transaction that first
fences it on the worker's :class:`~ragloom.storage.queue.Lease` (the task is still ``running``
under that claim's token, its row locked). So a task the user stopped, or one taken back from a
worker that went silent, can never overwrite what the user sees.

A running task is taken from its worker in four ways (:class:`TakeBack`). Two of them
count against the document, because its own worker died on it: the pool saw the worker
process die while it held the task, or the lease ran out because the worker went silent.
The other two do not, because the document had nothing to do with them: the server
starting after a stop or a crash takes back every task, and a stopping worker gives its
task back. A document is failed once its workers died on it ``max_attempts`` times.

Document fields (contract §5): ``run`` "1" while queued or running, "3" done, "4" failed,
"2" cancelled; ``progress`` 0..1, -1 on failure; ``progress_msg`` a log of lines
``HH:MM:SS message``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ragloom.clock import now_ms
from ragloom.ids import new_id
from ragloom.settings import WorkerSettings
from ragloom.storage.metadata import MetadataStore, Transaction, retried
from ragloom.storage.metadata.tables import Document, Task
from ragloom.storage.queue import LEASED, Lease, Standing, TaskQueue, TaskStatus

__all__ = [
    "Abandoned",
    "Batching",
    "ClaimedTask",
    "Finished",
    "HeldTask",
    "Lease",
    "Standing",
    "TakeBack",
    "TakenBack",
    "TaskKind",
    "TaskLedger",
    "append_log",
    "evaluation_task",
    "extraction_task",
    "log_line",
]

MAX_PROGRESS_LOG = 64 * 1024


class TaskKind(StrEnum):
    """What a task does; the workers run each kind with a handler of its own."""

    PARSE = "parse"  # parse, chunk, embed and index a document
    MEMORY_EXTRACTION = "memory"  # ask a memory's chat model what one raw message teaches
    GRAPH = "graph"  # build a dataset's knowledge graph from its parsed chunks
    RAPTOR = "raptor"  # build a dataset's RAPTOR summaries (POST /datasets/{id}/index?type=raptor)
    MINDMAP = "mindmap"  # build a dataset's mind map (POST /datasets/{id}/index?type=mindmap)
    EVALUATION = "evaluation"  # measure retrieval on a dataset (POST /evaluations); the task has its id

    @property
    def keeps_own_progress(self) -> bool:
        """Whether the task holds its progress and log itself (it has no document)."""
        return self is not TaskKind.PARSE


class TakeBack(StrEnum):
    """Why a running task was taken from its worker; only a worker's death counts against the document."""

    WORKER_DIED = "worker died"  # the pool saw the worker process die while it held the task
    WORKER_SILENT = "worker silent"  # the worker did not renew its lease in time
    SERVER_RESTARTED = "server restarted"  # start-up: no worker of the last run is alive
    WORKER_STOPPED = "worker stopped"  # the worker was stopped (shutdown) and gave the task back

    @property
    def counts(self) -> bool:
        """Whether this counts as a failed attempt of the document."""
        return self in (TakeBack.WORKER_DIED, TakeBack.WORKER_SILENT)

    def explain(self, cause: str) -> str:
        """What happened, for the progress log."""
        if self is TakeBack.WORKER_DIED:
            return f"The worker died while processing this document ({cause or 'no exit status'})"
        if self is TakeBack.WORKER_SILENT:
            return f"The worker went silent while processing this document ({cause or 'its lease ran out'})"
        if self is TakeBack.SERVER_RESTARTED:
            return "The server stopped while this task was running"
        return "The worker was stopped while this task was running"


@dataclass(frozen=True)
class ClaimedTask:
    """A task a worker now holds, under ``lease`` (which every write about it names). A memory task
    has no ``document_id``: its ``dataset_id`` is the memory's id and ``message_id`` the raw message
    it extracts from."""

    id: str
    document_id: str
    dataset_id: str
    tenant_id: str
    attempt: int
    lease: Lease
    kind: TaskKind = TaskKind.PARSE
    message_id: int = 0


@dataclass(frozen=True)
class Finished:
    """A task's outcome, to record: done with its counts and last line, or ``failed`` with the
    reason as ``message``; ``earlier`` are the log lines its worker kept back."""

    lease: Lease
    message: str
    chunk_count: int = 0
    token_count: int = 0
    failed: bool = False
    earlier: Sequence[str] = ()


@dataclass(frozen=True)
class Batching:
    """How many tasks a worker claims at once: up to ``tasks`` parse tasks of documents of at most
    ``document_bytes`` bytes that never had a worker die on them (one task otherwise)."""

    tasks: int = 1
    document_bytes: int = 0


@dataclass(frozen=True)
class Abandoned:
    """A cancelled task whose worker vanished: what it wrote must still be removed."""

    task_id: str
    document_id: str
    dataset_id: str
    kind: TaskKind = TaskKind.PARSE
    message_id: int = 0


def _queued_own_task(
    kind: TaskKind, dataset_id: str, tenant_id: str, *, task_id: str | None = None, **subject: str | int
) -> Task:
    """A queued task with no document, which keeps its own progress and log."""
    now = now_ms()
    return Task(
        id=task_id or new_id(),
        document_id=None,
        dataset_id=dataset_id,
        tenant_id=tenant_id,
        kind=kind.value,
        status=TaskStatus.QUEUED.value,
        attempts=0,
        crashes=0,
        error="",
        progress=0.0,
        progress_msg=log_line("Task is queued."),
        create_time=now,
        update_time=now,
        **subject,
    )


def extraction_task(memory_id: str, tenant_id: str, message_id: int) -> Task:
    """A queued memory-extraction task for one raw message (add it in the transaction that
    checks the memory still exists)."""
    return _queued_own_task(
        TaskKind.MEMORY_EXTRACTION, memory_id, tenant_id, memory_id=memory_id, message_id=message_id
    )


def dataset_task(dataset_id: str, tenant_id: str, kind: TaskKind) -> Task:
    """A queued task over a whole dataset (add it in the transaction that checks the dataset)."""
    return _queued_own_task(kind, dataset_id, tenant_id)


def evaluation_task(evaluation_id: str, dataset_id: str, tenant_id: str) -> Task:
    """A queued task computing an evaluation of a dataset; it has the evaluation's id (add it in the
    transaction that adds the evaluation)."""
    return _queued_own_task(TaskKind.EVALUATION, dataset_id, tenant_id, task_id=evaluation_id)


def graph_task(dataset_id: str, tenant_id: str) -> Task:
    """A queued task building a dataset's knowledge graph (add it in the transaction that checks
    the dataset and that no other graph task of it is queued)."""
    return dataset_task(dataset_id, tenant_id, TaskKind.GRAPH)


def _kind(task: Task) -> TaskKind:
    return TaskKind(task.kind) if task.kind in TaskKind._value2member_map_ else TaskKind.PARSE


@dataclass(frozen=True)
class HeldTask:
    """A task a worker holds now: which worker, until when (epoch ms), on what."""

    task_id: str
    kind: TaskKind
    subject: str  # the document's id, or the dataset's / memory's for a task without a document
    tenant_id: str
    worker: str
    lease_expires_at: int | None


@dataclass(frozen=True)
class TakenBack:
    """A running task taken from its worker: queued again, or failed after too many deaths."""

    task_id: str
    document_id: str
    failed: bool


def log_line(message: str) -> str:
    """A progress-log line: UTC time of day, then the message."""
    return f"{time.strftime('%H:%M:%S', time.gmtime())} {message}"


def append_log(document: Document | Task, message: str, earlier: Sequence[str] = ()) -> None:
    """Add a line to the progress log of a document (or of a memory task), after ``earlier`` lines
    (already made by :func:`log_line` when they happened)."""
    lines = [*earlier, log_line(message)] if message else list(earlier)
    if not lines:
        return
    log = "\n".join([document.progress_msg, *lines] if document.progress_msg else lines)
    document.progress_msg = log[-MAX_PROGRESS_LOG:]


def _progress_of(tx: Transaction, task: Task) -> Document | Task | None:
    """Where a task's progress and log are kept: its document's, or a memory task's own."""
    if _kind(task).keeps_own_progress:
        return task
    return tx.documents.get(task.document_id) if task.document_id else None


class TaskLedger:
    """Claims, leases, progress and outcomes of tasks on ``queue``; see the module docstring."""

    def __init__(self, store: MetadataStore, queue: TaskQueue, settings: WorkerSettings) -> None:
        self._store = store
        self._queue = queue
        self._lease_ms = int(settings.lease_seconds * 1000)
        self._max_attempts = settings.max_attempts

    @property
    def queue(self) -> TaskQueue:
        """The task queue the ledger works on."""
        return self._queue

    @retried
    def claim(self, worker: str) -> ClaimedTask | None:
        """Take the oldest runnable task, or ``None`` when there is nothing to do."""
        with self._store.writing() as tx:
            return self._claim(tx, worker, now_ms())

    @retried
    def claim_batch(self, worker: str, batching: Batching) -> list[ClaimedTask]:
        """Take the oldest runnable task and, if it is a small document's first parse, the small
        first parses queued right behind it (see :class:`Batching`), in one transaction: each is a
        task of its own, with its own lease. Empty when there is nothing to do."""
        with self._store.writing() as tx:
            return self._claim_batch(tx, worker, now_ms(), batching)

    def _claim_batch(self, tx: Transaction, worker: str, now: int, batching: Batching) -> list[ClaimedTask]:
        first = self._claim(tx, worker, now)
        if first is None:
            return []
        claimed = [first]
        # a worker dying on a batch counts against every task of it: never with one allowed death
        limit = batching.tasks if self._max_attempts > 1 else 1
        if not self._batchable(tx, tx.tasks.get(first.id), batching):
            return claimed
        while len(claimed) < limit:
            following = self._queue.next_claimable(tx, now=now)
            if following is None or not self._batchable(tx, following, batching):
                break
            task = self._claim(tx, worker, now)
            if task is None:
                break
            claimed.append(task)
        return claimed

    @staticmethod
    def _batchable(tx: Transaction, task: Task | None, batching: Batching) -> bool:
        """A parse of a small document that no worker died on (a document that kills its worker
        runs alone after the first time, and fails alone)."""
        if task is None or _kind(task) is not TaskKind.PARSE or task.crashes or not task.document_id:
            return False
        document = tx.documents.get(task.document_id)
        return document is not None and document.size <= batching.document_bytes

    def _claim(self, tx: Transaction, worker: str, now: int) -> ClaimedTask | None:
        claim = self._queue.claim(tx, worker, now=now, lease_ms=self._lease_ms)
        if claim is None:
            return None
        task = claim.task
        holder = _progress_of(tx, task)
        if isinstance(holder, Document):
            holder.process_begin_at = holder.process_begin_at or now
        if holder is not None:
            message = "Task has been received." if task.attempts == 1 else f"Task resumed (attempt {task.attempts})."
            append_log(holder, message)
        return ClaimedTask(
            task.id,
            task.document_id or "",
            task.dataset_id,
            task.tenant_id,
            task.attempts,
            claim.lease,
            _kind(task),
            task.message_id or 0,
        )

    def standing(self, lease: Lease) -> Standing:
        """Whether the lease still holds the task (the lease is not renewed)."""
        with self._store.reading() as tx:  # a read on SQLite: a worker asks twice a second
            return self._queue.hold(tx, lease)[0]

    def standings(self, leases: Sequence[Lease]) -> list[Standing]:
        """:meth:`standing` of each lease, in one read."""
        with self._store.reading() as tx:
            return [self._queue.hold(tx, lease)[0] for lease in leases]

    @retried
    def heartbeat(self, lease: Lease) -> Standing:
        """Renew the lease; says whether the worker should go on."""
        with self._store.writing() as tx:
            return self._queue.renew(tx, lease, now=now_ms(), lease_ms=self._lease_ms)

    @retried
    def heartbeats(self, leases: Sequence[Lease]) -> list[Standing]:
        """:meth:`heartbeat` of each lease, in one transaction."""
        with self._store.writing() as tx:
            now = now_ms()
            return [self._queue.renew(tx, lease, now=now, lease_ms=self._lease_ms) for lease in leases]

    @retried
    def report(self, lease: Lease, progress: float, message: str = "", *, earlier: Sequence[str] = ()) -> Standing:
        """Record progress (never backwards) and a log line (after the ``earlier`` lines a worker kept
        back, see :func:`append_log`), if the lease still holds the task."""
        with self._store.writing() as tx:
            now = now_ms()
            standing = self._queue.renew(tx, lease, now=now, lease_ms=self._lease_ms)
            task = tx.tasks.get(lease.task_id)
            if standing is not Standing.HELD or task is None:
                return standing
            holder = _progress_of(tx, task)
            if holder is not None:
                holder.progress = max(holder.progress, min(progress, 0.99))
                append_log(holder, message, earlier)
                holder.update_time = now
            return standing

    @retried
    def complete(
        self, lease: Lease, chunk_count: int, token_count: int, message: str, *, earlier: Sequence[str] = ()
    ) -> Standing:
        """Mark the task done and its document DONE with its counts (the log gets ``earlier``, then ``message``)."""
        with self._store.writing() as tx:
            return self._complete(tx, lease, chunk_count, token_count, message, earlier, now_ms())

    @retried
    def finish(
        self, outcomes: Sequence[Finished], worker: str, batching: Batching | None = None
    ) -> tuple[list[Standing], list[ClaimedTask]]:
        """Record each outcome (:meth:`complete`, or :meth:`fail` when ``failed``) and, with
        ``batching``, :meth:`claim_batch` the worker's next tasks, in one transaction: one commit
        (one fsync on SQLite) for a whole batch of tasks and the next claim. Returns how the worker
        stood with each task (in order) and the tasks it claimed."""
        if not outcomes and batching is None:
            return [], []
        with self._store.writing() as tx:
            now = now_ms()
            standings = []
            for outcome in outcomes:
                if outcome.failed:
                    standing = self._fail_held(tx, outcome.lease, outcome.message, outcome.earlier)
                else:
                    counts = (outcome.chunk_count, outcome.token_count, outcome.message)
                    standing = self._complete(tx, outcome.lease, *counts, outcome.earlier, now)
                standings.append(standing)
            return standings, self._claim_batch(tx, worker, now, batching) if batching is not None else []

    def _complete(
        self,
        tx: Transaction,
        lease: Lease,
        chunk_count: int,
        token_count: int,
        message: str,
        earlier: Sequence[str],
        now: int,
    ) -> Standing:
        standing = self._queue.complete(tx, lease, now=now)
        task = tx.tasks.get(lease.task_id)
        if standing is not Standing.HELD or task is None:
            return standing
        document = _progress_of(tx, task)
        if isinstance(document, Task):
            document.progress = 1.0
            append_log(document, message, earlier)
        elif document is not None:
            document.run, document.progress = "3", 1.0
            document.chunk_count, document.token_count = chunk_count, token_count
            document.process_duration = round((now - (document.process_begin_at or now)) / 1000, 3)
            document.update_time = now
            append_log(document, message, earlier)
        return standing

    @retried
    def fail(self, lease: Lease, reason: str, *, earlier: Sequence[str] = ()) -> Standing:
        """Mark the task failed and its document FAIL, keeping the reason in its log (after ``earlier``)."""
        with self._store.writing() as tx:
            return self._fail_held(tx, lease, reason, earlier)

    def _fail_held(self, tx: Transaction, lease: Lease, reason: str, earlier: Sequence[str]) -> Standing:
        standing, task = self._queue.hold(tx, lease)
        if standing is Standing.HELD and task is not None:
            self._fail(tx, task, reason, earlier)
        return standing

    def _fail(self, tx: Transaction, task: Task, reason: str, earlier: Sequence[str] = ()) -> None:
        now = now_ms()
        self._queue.give_up(tx, task, reason, now=now)
        document = _progress_of(tx, task)
        if isinstance(document, Task):
            document.progress = -1.0
            append_log(document, f"[ERROR] {reason}", earlier)
        elif document is not None:
            document.run, document.progress = "4", -1.0
            document.chunk_count = document.token_count = 0
            document.process_duration = round((now - (document.process_begin_at or now)) / 1000, 3)
            document.update_time = now
            append_log(document, f"[ERROR] {reason}", earlier)

    @retried
    def acknowledge_cancel(self, task_id: str) -> None:
        """A cancelled task's chunks are gone: the task is finished."""
        with self._store.writing() as tx:
            self._queue.acknowledge_cancel(tx, task_id, now=now_ms())

    def held(self) -> list[HeldTask]:
        """The tasks workers hold now, oldest first."""
        with self._store.reading() as tx:
            tasks = self._queue.list_tasks(tx, statuses=LEASED)
        return [
            HeldTask(
                task.id,
                _kind(task),
                task.document_id or task.dataset_id,
                task.tenant_id,
                task.worker or "",
                task.lease_expires_at,
            )
            for task in tasks
        ]

    def queued_count(self) -> int:
        """How many tasks wait for a worker."""
        with self._store.reading() as tx:
            return self._queue.count(tx, statuses=(TaskStatus.QUEUED,))

    @retried
    def release(self, lease: Lease) -> Standing:
        """The worker is stopping: put its task back in the queue, not counted against the document.

        Returns :attr:`Standing.RELEASED`, or where the worker stood if it no longer held the task.
        """
        with self._store.writing() as tx:
            standing, task = self._queue.hold(tx, lease)
            if standing is not Standing.HELD or task is None:
                return standing
            self._take_back(tx, task, TakeBack.WORKER_STOPPED, "")
            return Standing.RELEASED

    @retried
    def take_back_from(self, worker: str, why: TakeBack, cause: str = "") -> list[TakenBack]:
        """Take back the running task(s) of one worker that is gone (the pool saw it die, or killed it).

        A cancelled task of that worker has its lease ended instead, so that the next
        :meth:`reap` hands it over for cleaning up.
        """
        taken = []
        with self._store.writing() as tx:
            for task in self._queue.leased(tx, worker=worker):
                if task.status == TaskStatus.CANCELLING:
                    self._queue.end_lease(tx, task)
                else:
                    taken.append(self._take_back(tx, task, why, cause))
        return taken

    def reap(self) -> list[Abandoned]:
        """Take back tasks whose worker went silent (their lease ran out): counted against the document.

        Cancelled tasks among them are returned so that the caller can remove their chunks
        and acknowledge them.
        """
        return self._take_back_leased(now_ms(), TakeBack.WORKER_SILENT)

    def recover(self, gone: Callable[[str], bool] = lambda _worker: True) -> list[Abandoned]:
        """At start-up: take back every leased task whose worker is ``gone`` (by default, all: no
        worker of this data directory is alive) without counting it against its document; cancelled
        ones are returned as by :meth:`reap`. Tasks of workers not known to be gone (on other hosts)
        are left to :meth:`reap` once their lease runs out."""
        return self._take_back_leased(None, TakeBack.SERVER_RESTARTED, gone)

    @retried
    def _take_back_leased(
        self, expired_before: int | None, why: TakeBack, gone: Callable[[str], bool] = lambda _worker: True
    ) -> list[Abandoned]:
        abandoned = []
        with self._store.writing() as tx:
            for task in self._queue.leased(tx, expired_before=expired_before):
                if not gone(task.worker or ""):
                    continue
                if task.status == TaskStatus.CANCELLING:
                    abandoned.append(
                        Abandoned(task.id, task.document_id or "", task.dataset_id, _kind(task), task.message_id or 0)
                    )
                else:
                    silence = f"no sign of life for {self._lease_ms / 1000:g} s"
                    self._take_back(tx, task, why, silence if why is TakeBack.WORKER_SILENT else "")
        return abandoned

    def _take_back(self, tx: Transaction, task: Task, why: TakeBack, cause: str) -> TakenBack:
        """Queue a running task again, or fail it once its workers died on it ``max_attempts`` times."""
        counted = ""
        if why.counts:
            task.crashes += 1
            if task.crashes >= self._max_attempts:
                reason = f"The worker stopped {task.crashes} times while processing this document"
                self._fail(tx, task, f"{reason} (last time: {cause})." if cause else f"{reason}.")
                return TakenBack(task.id, task.document_id or "", failed=True)
            counted = f" ({task.crashes} of {self._max_attempts} allowed)"
        self._queue.requeue(tx, task, now=now_ms())
        holder = _progress_of(tx, task)
        if holder is not None:
            append_log(holder, f"{why.explain(cause)}; it runs again{counted}.")
        return TakenBack(task.id, task.document_id or "", failed=False)

"""Running one claimed task, of any kind: heartbeat, progress, cancellation, and its outcome."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ragloom.errors import RagloomError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.services.task_handling import BatchTaskHandler, TaskHandlers, TaskResult
from ragloom.services.task_ledger import Batching, ClaimedTask, Finished, Standing, TaskLedger, log_line

log = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 0.5
REPORT_INTERVAL_SECONDS = 1.0
"""Progress reaches the database at most this often; log lines in between are kept back (each with
the time it happened) and written with the next report or the outcome: a document parsed in a
fraction of a second costs one write for its outcome, not one per line."""


class TaskRunner:
    """Runs tasks for one worker; a background thread renews the leases and watches for a stop.

    ``handlers`` run each kind of task. ``stopping`` says the worker itself is being stopped:
    a task is interrupted at its next checkpoint and given back to the queue, not counted
    against its document. Tasks claimed together (:meth:`TaskLedger.claim_batch`) run together
    when their handler can (:class:`BatchTaskHandler`), each still with its own lease, progress,
    cancellation and outcome; their outcomes are written in one transaction.
    """

    def __init__(
        self,
        ledger: TaskLedger,
        handlers: TaskHandlers,
        worker: str,
        lease_seconds: float,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self._ledger = ledger
        self._handlers = handlers
        self._worker = worker
        self._renew_every = max(lease_seconds / 4, CHECK_INTERVAL_SECONDS)
        self._stopping = stopping

    def run(self, task: ClaimedTask) -> Standing:
        """Run ``task`` to an outcome; returns how the worker stood with it at the end."""
        return self.run_batch([task])[0][0]

    def run_batch(
        self, tasks: Sequence[ClaimedTask], batching: Batching | None = None
    ) -> tuple[list[Standing], list[ClaimedTask]]:
        """Run ``tasks`` to their outcomes and, with ``batching`` (and the worker not stopping),
        claim the worker's next tasks in the transaction that records the outcomes: one commit for
        the lot instead of one per task, which on SQLite (an fsync each) is much of a small
        document's cost. Returns how the worker stood with each task at the end, and the tasks
        claimed next (none: the caller claims as usual)."""
        slots = [_Slot(task, _Progress(self._ledger, task)) for task in tasks]
        finished = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(slots, finished), name="leases", daemon=True)
        watcher.start()
        following: list[ClaimedTask] = []
        try:
            results = self._execute(slots)
            outcomes: list[tuple[_Slot, Finished]] = []
            for slot, result in zip(slots, results, strict=True):
                outcome = self._outcome(slot, result)
                if outcome is not None:
                    outcomes.append((slot, outcome))
            claiming = batching if batching is not None and not self._stopping() else None
            standings, following = self._ledger.finish([outcome for _slot, outcome in outcomes], self._worker, claiming)
            for (slot, _outcome), standing in zip(outcomes, standings, strict=True):
                slot.standing = standing
        finally:
            finished.set()
            watcher.join()
        for slot in slots:
            self._settle(slot.task, slot.standing)
        return [slot.standing for slot in slots], following

    def _execute(self, slots: list[_Slot]) -> list[TaskResult | Exception]:
        """Each task's result, or the exception that ended it."""
        handler = self._handlers.get(slots[0].task.kind)
        if len(slots) > 1 and isinstance(handler, BatchTaskHandler) and len({slot.task.kind for slot in slots}) == 1:
            return handler.run_many([slot.task for slot in slots], [self._context(slot) for slot in slots])
        results: list[TaskResult | Exception] = []
        for slot in slots:
            handler = self._handlers.get(slot.task.kind)
            try:
                if handler is None:
                    raise RagloomError(f"This worker cannot run tasks of kind {slot.task.kind!r}.")
                results.append(handler.run(slot.task, self._context(slot)))
            except Exception as error:  # the task's outcome, whatever it is
                results.append(error)
        return results

    def _context(self, slot: _Slot) -> IngestContext:
        def report(fraction: float, message: str) -> None:
            current = slot.progress.report(fraction, message)
            if current is not Standing.HELD:
                slot.standing = current

        return IngestContext(report, lambda: slot.standing is not Standing.HELD or self._stopping())

    def _outcome(self, slot: _Slot, result: TaskResult | Exception) -> Finished | None:
        """What to record of a task's end; ``None`` when it stopped (given back if the worker is
        stopping, else the lease looked at again: the user cancelled it or it was taken over)."""
        task = slot.task
        if isinstance(result, TaskResult):
            counts = (result.chunk_count, result.token_count)
            return Finished(task.lease, result.message, *counts, earlier=slot.progress.take())
        if isinstance(result, IngestCancelledError):
            if slot.standing is Standing.HELD and self._stopping():
                slot.standing = self._ledger.release(task.lease)
            elif slot.standing is Standing.HELD:
                slot.standing = self._ledger.heartbeat(task.lease)
            return None
        if isinstance(result, RagloomError):
            return Finished(task.lease, result.message, failed=True, earlier=slot.progress.take())
        # a task must never take the worker down
        log.error("task %s failed unexpectedly", task.id, exc_info=result)
        reason = f"Unexpected error while processing: {result!r}"
        return Finished(task.lease, reason, failed=True, earlier=slot.progress.take())

    def _watch(self, slots: list[_Slot], finished: threading.Event) -> None:
        """Until ``finished``: renew the leases every so often, and look at them in between (a
        read), so that a task cancelled or taken over stops at its next checkpoint; progress that
        waited long enough is written."""
        last_renewal = time.monotonic()
        while not finished.wait(CHECK_INTERVAL_SECONDS):
            held = [slot for slot in slots if slot.standing is Standing.HELD]
            if not held:
                return
            renew = time.monotonic() - last_renewal >= self._renew_every
            leases = [slot.task.lease for slot in held]
            currents = self._ledger.heartbeats(leases) if renew else self._ledger.standings(leases)
            if renew:
                last_renewal = time.monotonic()
            for slot, current in zip(held, currents, strict=True):
                if current is Standing.HELD:
                    current = slot.progress.flush()
                if current is not Standing.HELD:
                    slot.standing = current

    def _settle(self, task: ClaimedTask, standing: Standing) -> None:
        """After a stop: remove what this run wrote unless another worker now owns the task."""
        handler = self._handlers.get(task.kind)
        if standing in (Standing.CANCELLED, Standing.GONE) and handler is not None:
            handler.discard(task)
        if standing is Standing.CANCELLED:
            self._ledger.acknowledge_cancel(task.id)


@dataclass
class _Slot:
    """One task of a batch: where the worker stands with it, its progress on the way."""

    task: ClaimedTask
    progress: _Progress
    standing: Standing = Standing.HELD


class _Progress:
    """A task's progress and log lines on their way to the database, at most every
    :data:`REPORT_INTERVAL_SECONDS`: by the task's own reports, or by the lease watcher when lines
    have waited that long (a long step between two reports still shows its first line in time)."""

    def __init__(self, ledger: TaskLedger, task: ClaimedTask) -> None:
        self._ledger = ledger
        self._task = task
        self._lock = threading.Lock()
        self._kept: list[str] = []
        self._fraction = self._written = 0.0
        self._last = time.monotonic()  # the claim itself has just shown the task running
        self._closed = False

    def report(self, fraction: float, message: str) -> Standing:
        with self._lock:
            self._fraction = max(self._fraction, fraction)
            if message:
                self._kept.append(log_line(message))
        return self.flush()

    def flush(self) -> Standing:
        """Write what waits, once it is due; how the worker stands with the task."""
        with self._lock:
            due = time.monotonic() - self._last >= REPORT_INTERVAL_SECONDS
            news = bool(self._kept) or self._fraction > self._written
            if self._closed or not news or not due:
                return Standing.HELD
            self._last, self._written = time.monotonic(), self._fraction
            lines, self._kept = self._kept, []
            return self._ledger.report(self._task.lease, self._fraction, earlier=lines)

    def take(self) -> list[str]:
        """The lines not written yet, for the task's outcome; nothing is written after this."""
        with self._lock:
            self._closed = True
            lines, self._kept = self._kept, []
            return lines

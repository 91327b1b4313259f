"""Running one claimed task, of any kind: heartbeat, progress, cancellation, and its outcome."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ragloom.errors import RagloomError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.services.task_handling import TaskHandlers
from ragloom.services.task_ledger import ClaimedTask, Standing, TaskLedger, log_line

log = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 0.5
REPORT_INTERVAL_SECONDS = 1.0
"""Progress reaches the database at most this often; log lines in between are kept back (each with
the time it happened) and written with the next report or the outcome: a document parsed in a
fraction of a second costs one write for its outcome, not one per line."""


class TaskRunner:
    """Runs tasks for one worker; a background thread renews the lease and watches for a stop.

    ``handlers`` run each kind of task. ``stopping`` says the worker itself is being stopped:
    the task is interrupted at its next checkpoint and given back to the queue, not counted
    against its document.
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
        return self.run_then_claim(task, claim=False)[0]

    def run_then_claim(self, task: ClaimedTask, *, claim: bool = True) -> tuple[Standing, ClaimedTask | None]:
        """:meth:`run`, and when the task succeeds (and ``claim``, and the worker is not stopping)
        claim the worker's next task in the transaction that completes this one: one commit per
        task instead of two, which on SQLite (an fsync each) is most of a small document's overhead.
        Returns the standing and the next task (``None``: none claimed; the caller claims as usual)."""
        following: ClaimedTask | None = None
        standing = Standing.HELD
        finished = threading.Event()
        progress = _Progress(self._ledger, task)

        def watch() -> None:
            nonlocal standing
            last_renewal = time.monotonic()
            while not finished.wait(CHECK_INTERVAL_SECONDS):
                renew = time.monotonic() - last_renewal >= self._renew_every
                current = self._ledger.heartbeat(task.lease) if renew else self._ledger.standing(task.lease)
                if renew:
                    last_renewal = time.monotonic()
                if current is Standing.HELD:
                    current = progress.flush()
                if current is not Standing.HELD:
                    standing = current
                    return

        def report(fraction: float, message: str) -> None:
            nonlocal standing
            current = progress.report(fraction, message)
            if current is not Standing.HELD:
                standing = current

        watcher = threading.Thread(target=watch, name=f"lease-{task.id[:8]}", daemon=True)
        watcher.start()
        context = IngestContext(report, lambda: standing is not Standing.HELD or self._stopping())
        try:
            handler = self._handlers.get(task.kind)
            if handler is None:
                raise RagloomError(f"This worker cannot run tasks of kind {task.kind!r}.")
            result = handler.run(task, context)
            counts = (result.chunk_count, result.token_count, result.message)
            if claim and not self._stopping():
                standing, following = self._ledger.complete_and_claim(
                    task.lease, *counts, self._worker, earlier=progress.take()
                )
            else:
                standing = self._ledger.complete(task.lease, *counts, earlier=progress.take())
        except IngestCancelledError:
            if standing is Standing.HELD and self._stopping():
                standing = self._ledger.release(task.lease)
            elif standing is Standing.HELD:
                standing = self._ledger.heartbeat(task.lease)
        except RagloomError as error:
            standing = self._ledger.fail(task.lease, error.message, earlier=progress.take())
        except Exception as error:  # a task must never take the worker down
            log.exception("task %s failed unexpectedly", task.id)
            reason = f"Unexpected error while processing: {error!r}"
            standing = self._ledger.fail(task.lease, reason, earlier=progress.take())
        finally:
            finished.set()
            watcher.join()
        self._settle(task, standing)
        return standing, following

    def _settle(self, task: ClaimedTask, standing: Standing) -> None:
        """After a stop: remove what this run wrote unless another worker now owns the task."""
        handler = self._handlers.get(task.kind)
        if standing in (Standing.CANCELLED, Standing.GONE) and handler is not None:
            handler.discard(task)
        if standing is Standing.CANCELLED:
            self._ledger.acknowledge_cancel(task.id)


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

"""Running one claimed task, of any kind: heartbeat, progress, cancellation, and its outcome."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ragloom.errors import RagloomError
from ragloom.ingest.context import IngestCancelledError, IngestContext
from ragloom.services.task_handling import TaskHandlers
from ragloom.services.task_ledger import ClaimedTask, Standing, TaskLedger

log = logging.getLogger(__name__)

CHECK_INTERVAL_SECONDS = 0.5
REPORT_INTERVAL_SECONDS = 1.0


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
        standing = Standing.HELD
        finished = threading.Event()
        last_report = 0.0

        def watch() -> None:
            nonlocal standing
            last_renewal = time.monotonic()
            while not finished.wait(CHECK_INTERVAL_SECONDS):
                renew = time.monotonic() - last_renewal >= self._renew_every
                current = self._ledger.heartbeat(task.lease) if renew else self._ledger.standing(task.lease)
                if renew:
                    last_renewal = time.monotonic()
                if current is not Standing.HELD:
                    standing = current
                    return

        def report(fraction: float, message: str) -> None:
            nonlocal standing, last_report
            now = time.monotonic()
            if not message and now - last_report < REPORT_INTERVAL_SECONDS:
                return
            last_report = now
            current = self._ledger.report(task.lease, fraction, message)
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
            standing = self._ledger.complete(task.lease, result.chunk_count, result.token_count, result.message)
        except IngestCancelledError:
            if standing is Standing.HELD and self._stopping():
                standing = self._ledger.release(task.lease)
            elif standing is Standing.HELD:
                standing = self._ledger.heartbeat(task.lease)
        except RagloomError as error:
            standing = self._ledger.fail(task.lease, error.message)
        except Exception as error:  # a task must never take the worker down
            log.exception("task %s failed unexpectedly", task.id)
            standing = self._ledger.fail(task.lease, f"Unexpected error while processing: {error!r}")
        finally:
            finished.set()
            watcher.join()
        self._settle(task, standing)
        return standing

    def _settle(self, task: ClaimedTask, standing: Standing) -> None:
        """After a stop: remove what this run wrote unless another worker now owns the task."""
        handler = self._handlers.get(task.kind)
        if standing in (Standing.CANCELLED, Standing.GONE) and handler is not None:
            handler.discard(task)
        if standing is Standing.CANCELLED:
            self._ledger.acknowledge_cancel(task.id)

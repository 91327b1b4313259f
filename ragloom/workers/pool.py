"""The worker processes ``ragloom serve`` starts, watches and stops.

The pool and its workers share nothing but signals and the database. Stopping sends each
worker SIGTERM (it gives its task back at its next checkpoint) and kills any still running
when the grace period ends, so stopping takes a bounded time whatever the workers are doing.
While the server runs, a watcher thread reaps a worker that died, takes back the task it
held (counted against that document: its worker died on it) and starts another.

The watcher thread lives until every worker has ended: a worker dies with the server
through Linux's ``PR_SET_PDEATHSIG``, which fires when the *thread* that started the worker
ends, so a replacement the watcher started would be killed the moment the watcher returned.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess

from ragloom.ids import new_id
from ragloom.services.task_ledger import TakeBack, TaskLedger
from ragloom.settings import Settings
from ragloom.workers.process import run_pool_worker, worker_name

log = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 1.0
STOP_GRACE_SECONDS = 5.0
KILL_WAIT_SECONDS = 1.0


def exit_cause(exitcode: int | None) -> str:
    """How a process ended, in words: ``killed by SIGKILL``, ``exit code 1``."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def worker_settings(settings: Settings) -> Settings:
    """The settings each of a pool's workers runs with: the built-in embedding models' threads
    (``models.embedding_threads``, by default the cores) shared among the ``workers.count``
    workers, at least one each. Each worker would otherwise start that many threads of its own:
    two workers on two cores ran four busy threads, and ingested at a third of one worker's rate."""
    count = max(settings.workers.count, 1)
    threads = max(1, settings.models.embedding_threads // count)
    if threads == settings.models.embedding_threads:
        return settings
    models = settings.models.model_copy(update={"embedding_threads": threads})
    return settings.model_copy(update={"models": models})


@dataclass(frozen=True)
class _Worker:
    process: SpawnProcess
    name: str  # the name it leases tasks under


class WorkerPool:
    """``settings.workers.count`` worker processes; see the module docstring."""

    def __init__(self, settings: Settings, ledger: TaskLedger, *, warm: Sequence[str] = ()) -> None:
        self._settings = settings
        self._ledger = ledger
        self._warm = tuple(warm)  # embedding models each worker loads as it starts
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        self._watcher: threading.Thread | None = None
        self._wake_watcher = threading.Event()
        self._lock = threading.Lock()  # held while the list of workers changes
        # Plain attributes, not a threading.Event: request_stop runs in a signal handler.
        self._stopping = False
        self._stop_requested_at: float | None = None
        self._asked: set[str] = set()  # workers sent SIGTERM

    def _spawn(self) -> _Worker:
        token = new_id()[:8]
        process = self._context.Process(
            target=run_pool_worker,
            args=(worker_settings(self._settings), token, os.getpid(), self._warm),
            name="ragloom-worker",
            daemon=True,
        )
        process.start()
        assert process.pid is not None
        return _Worker(process, worker_name(process.pid, token))

    def start(self) -> None:
        if self._settings.workers.count == 0:
            return
        with self._lock:
            self._workers = [self._spawn() for _ in range(self._settings.workers.count)]
        self._watcher = threading.Thread(target=self._watch, name="worker-pool", daemon=True)
        self._watcher.start()

    @property
    def pids(self) -> list[int]:
        return [worker.process.pid for worker in self._workers if worker.process.pid is not None]

    def _watch(self) -> None:
        while not self._wake_watcher.wait(WATCH_INTERVAL_SECONDS):
            for slot, worker in enumerate(list(self._workers)):
                if self._stopping or worker.process.is_alive():  # is_alive also reaps one that exited
                    continue
                try:
                    self._replace(slot, worker)
                except Exception:  # the watcher must outlive a failed start: it tries again next round
                    log.exception("could not replace worker %s", worker.process.pid)

    def _replace(self, slot: int, dead: _Worker) -> None:
        """Take back the dead worker's task and start another in its place (not once stopping)."""
        cause = exit_cause(dead.process.exitcode)
        self._take_back(dead, TakeBack.WORKER_DIED, cause)
        with self._lock:
            if self._stopping:
                return
            replacement = self._spawn()
            self._workers[slot] = replacement
        log.warning("worker %s died (%s); started worker %s", dead.process.pid, cause, replacement.process.pid)
        dead.process.close()

    def _take_back(self, worker: _Worker, why: TakeBack, cause: str) -> None:
        """Take back the task a gone worker held; a failure is left to the lease running out."""
        try:
            for task in self._ledger.take_back_from(worker.name, why, cause):
                outcome = "failed it" if task.failed else "it runs again"
                log.warning(
                    "task %s (document %s) lost its worker (%s): %s",
                    task.task_id,
                    task.document_id,
                    cause or why,
                    outcome,
                )
        except Exception:  # the watcher thread must survive a busy or broken database
            log.exception("could not take back the task of worker %s; its lease will run out", worker.name)

    def request_stop(self) -> None:
        """Ask every worker to stop (SIGTERM) and stop replacing them; safe in a signal handler."""
        self._stopping = True
        if self._stop_requested_at is None:
            self._stop_requested_at = time.monotonic()
        for worker in list(self._workers):
            self._ask_to_stop(worker)

    def _ask_to_stop(self, worker: _Worker) -> None:
        # Once only: a second SIGTERM could reach a worker that already stopped and is exiting,
        # when Python has put back the default handler, and kill it.
        if worker.name not in self._asked:
            self._asked.add(worker.name)
            with contextlib.suppress(ValueError):  # closed by the watcher, which replaced it
                worker.process.terminate()

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop every worker: those still running ``grace`` seconds after the first stop request
        are killed, and the task each held is given back. Never waits much longer than ``grace``."""
        self.request_stop()
        assert self._stop_requested_at is not None
        deadline = self._stop_requested_at + grace
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:  # the watcher may have started one after the first request
            self._ask_to_stop(worker)
        for worker in workers:
            worker.process.join(max(deadline - time.monotonic(), 0))
        stuck = [worker for worker in workers if worker.process.is_alive()]
        for worker in stuck:
            log.warning("worker %s did not stop within %.0f s; killing it", worker.process.pid, grace)
            worker.process.kill()
        for worker in stuck:
            worker.process.join(KILL_WAIT_SECONDS)
            self._take_back(worker, TakeBack.WORKER_STOPPED, "")
        for worker in workers:
            if worker.process.exitcode is not None:
                log.info("worker %s ended (%s)", worker.process.pid, exit_cause(worker.process.exitcode))
                worker.process.close()
        self._wake_watcher.set()  # only now: see the module docstring
        if self._watcher is not None:
            self._watcher.join(KILL_WAIT_SECONDS)

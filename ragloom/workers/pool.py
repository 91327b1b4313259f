"""The worker processes ``ragloom serve`` starts, watches and restarts."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event

from ragloom.settings import Settings
from ragloom.workers.process import run_worker

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0


class WorkerPool:
    """``count`` worker processes; one that dies is replaced (its task is taken back by lease)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._stop: Event | None = self._context.Event()
        self._processes: list[SpawnProcess] = []
        self._watcher: threading.Thread | None = None
        self._closing = threading.Event()

    def _spawn(self) -> SpawnProcess:
        assert self._stop is not None, "the pool was stopped"
        process = self._context.Process(
            target=run_worker, args=(self._settings, self._stop, os.getpid()), name="ragloom-worker", daemon=True
        )
        process.start()
        return process

    def start(self) -> None:
        if self._settings.workers.count == 0:
            return
        self._processes = [self._spawn() for _ in range(self._settings.workers.count)]
        self._watcher = threading.Thread(target=self._watch, name="worker-pool", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._closing.wait(RESTART_PAUSE_SECONDS):
            for position, process in enumerate(self._processes):
                if not process.is_alive() and not self._closing.is_set():
                    log.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
                    self._processes[position] = self._spawn()

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes if process.pid is not None]

    def stop(self, timeout: float = 10.0) -> None:
        """Ask workers to finish their current step, then make sure they are gone."""
        self._closing.set()
        if self._stop is not None:
            self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        for process in self._processes:
            process.join(timeout)
            if process.is_alive():
                process.terminate()
                process.join(5)
            process.close()
        # Let the shared Event be collected now: semaphores still referenced at interpreter exit
        # are never released and the resource tracker reports them as leaked.
        self._processes = []
        self._stop = None

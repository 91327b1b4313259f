"""The worker process: which workers a starting server may take tasks back from, and a worker
claims nothing until the models it was asked to load are loaded."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from ragloom.services.container import Services
from ragloom.services.task_ledger import Batching, ClaimedTask, TaskLedger
from ragloom.settings import Settings
from ragloom.workers import process
from ragloom.workers.process import worker_is_gone, worker_name


def _state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rfind(")") + 2]


def test_a_running_worker_is_not_gone() -> None:
    assert not worker_is_gone(worker_name(os.getpid(), "alive001"))


def test_a_worker_that_exited_but_was_never_reaped_is_gone() -> None:
    """A killed server's workers end as zombies of whatever adopts them; in a container whose
    first process does not reap, they keep their pids for good, and their tasks must not wait
    for the lease to run out."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while _state(child.pid) != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert worker_is_gone(worker_name(child.pid, "zombie01"))
    finally:
        child.wait()
    assert worker_is_gone(worker_name(child.pid, "zombie01"))


def test_a_stopped_worker_is_not_gone() -> None:
    """A paused process (SIGSTOP, a debugger) still holds its task: it may resume and write."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        child.send_signal(19)  # SIGSTOP
        deadline = time.monotonic() + 30
        while _state(child.pid) != "T":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not worker_is_gone(worker_name(child.pid, "paused01"))
    finally:
        child.kill()
        child.wait()


def test_a_worker_claims_nothing_until_its_models_are_loaded(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    loading, release = threading.Event(), threading.Event()
    loaded: list[Sequence[str]] = []
    claims: list[bool] = []  # per claim: whether the models were loaded by then

    def slow_load(_services: Services, models: Sequence[str]) -> None:
        loading.set()
        release.wait(10)
        loaded.append(models)

    def claim(_ledger: TaskLedger, _worker: str, _batching: Batching) -> list[ClaimedTask]:
        claims.append(bool(loaded))
        return []

    monkeypatch.setattr(process, "_load", slow_load)
    monkeypatch.setattr(TaskLedger, "claim_batch", claim)
    stop = threading.Event()
    worker = threading.Thread(target=process.run_worker, args=(settings, stop), kwargs={"warm": ("model",)})
    worker.start()
    try:
        assert loading.wait(10)
        stop.wait(3 * settings.workers.poll_interval_seconds)
        assert claims == []
        release.set()
        for _ in range(100):
            if claims:
                break
            stop.wait(0.1)
        assert claims
        assert all(claims)
    finally:
        release.set()
        stop.set()
        worker.join(10)
    assert not worker.is_alive()

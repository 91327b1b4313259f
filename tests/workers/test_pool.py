"""The worker pool with real processes and real signals: stopping is bounded, the dead are replaced."""

from __future__ import annotations

import logging
import os
import re
import signal
import time
from collections.abc import Iterator

import pytest

from ragloom.services.container import Services
from ragloom.workers.pool import WorkerPool, exit_cause, worker_settings


def wait_until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


class Output:
    """What the workers (children sharing our stderr) have written so far."""

    def __init__(self, capfd: pytest.CaptureFixture[str]) -> None:
        self._capfd = capfd
        self._seen = ""

    def said(self, pid: int, what: str) -> bool:
        """Whether worker ``pid`` logged that it ``started`` or ``stopped``."""
        captured = self._capfd.readouterr()
        self._seen += captured.out + captured.err
        return re.search(rf"worker \S+:{pid}:\S+ {what}$", self._seen, re.MULTILINE) is not None


@pytest.fixture
def pool(services: Services) -> Iterator[WorkerPool]:
    """A pool of one worker, not started: started in the test, its workers write where ``capfd`` reads."""
    created = WorkerPool(services.settings, services.ledger)
    yield created
    created.stop(grace=1)


def ready(pool: WorkerPool, output: Output) -> int:
    """The pid of the pool's one worker once it has said it started (and handles SIGTERM)."""
    wait_until(lambda: len(pool.pids) == 1 and output.said(pool.pids[0], "started"))
    return pool.pids[0]


def test_exit_causes_are_named() -> None:
    assert exit_cause(-9) == "killed by SIGKILL"
    assert exit_cause(-15) == "killed by SIGTERM"
    assert exit_cause(1) == "exit code 1"


@pytest.mark.slow
def test_stopping_after_a_worker_was_killed_returns_at_once(
    pool: WorkerPool, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    output = Output(capfd)
    pool.start()
    first = ready(pool, output)
    time.sleep(0.3)  # idle: asleep between two polls, where a shared multiprocessing Event once hung stop()
    with caplog.at_level(logging.INFO, logger="ragloom.workers.pool"):
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: pool.pids != [first])
        second = ready(pool, output)
        assert f"worker {first} died (killed by SIGKILL); started worker {second}" in caplog.text
        time.sleep(0.3)
        started = time.monotonic()
        pool.stop(grace=30)  # a hang would last the whole grace: far longer than a loaded machine's stop
        elapsed = time.monotonic() - started
    assert elapsed < 10, f"stop took {elapsed:.2f}s"
    assert pool.pids == []
    assert "did not stop" not in caplog.text
    # by itself, on SIGTERM: not killed when the watcher thread that started it ended (PR_SET_PDEATHSIG)
    assert output.said(second, "stopped")
    assert f"worker {second} ended (exit code 0)" in caplog.text
    assert not output.said(first, "stopped")


@pytest.mark.slow
def test_a_worker_that_does_not_stop_is_killed_at_the_deadline(
    pool: WorkerPool, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    pool.start()
    worker = ready(pool, Output(capfd))
    os.kill(worker, signal.SIGSTOP)  # hung: it can neither stop nor answer SIGTERM
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="ragloom.workers.pool"):
        pool.stop(grace=1)
    elapsed = time.monotonic() - started
    assert 1 <= elapsed < 8, f"stop took {elapsed:.2f}s"  # killed at the 1 s deadline, not left hanging
    assert f"worker {worker} did not stop within 1 s; killing it" in caplog.text
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)  # killed and reaped


@pytest.mark.parametrize(("threads", "workers", "each"), [(2, 1, 2), (2, 2, 1), (4, 2, 2), (2, 3, 1), (8, 3, 2)])
def test_the_workers_share_the_embedding_threads(services: Services, threads: int, workers: int, each: int) -> None:
    settings = services.settings.model_copy(
        update={
            "models": services.settings.models.model_copy(update={"embedding_threads": threads}),
            "workers": services.settings.workers.model_copy(update={"count": workers}),
        }
    )
    shared = worker_settings(settings)
    assert shared.models.embedding_threads == each
    assert shared.workers.count == workers
    assert shared.data_dir == settings.data_dir

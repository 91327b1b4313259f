"""Which workers of this host a starting server may take tasks back from."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

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

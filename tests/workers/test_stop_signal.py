"""A stop set by a real signal wakes a sleeping worker loop at once."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from ragloom.workers.stop_signal import StopSignal


@pytest.fixture
def restore_sigusr1() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGUSR1)
    yield
    signal.signal(signal.SIGUSR1, previous)


@pytest.mark.usefixtures("restore_sigusr1")
def test_a_signal_wakes_a_sleeping_wait() -> None:
    stop = StopSignal.on(signal.SIGUSR1)
    assert not stop.is_set()
    assert stop.wait(0.05) is False
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGUSR1))
    timer.start()
    started = time.monotonic()
    assert stop.wait(30) is True
    assert time.monotonic() - started < 5
    timer.join()
    assert stop.is_set()
    assert stop.wait(0) is True


@pytest.mark.usefixtures("restore_sigusr1")
def test_many_signals_never_block_the_handler() -> None:
    stop = StopSignal.on(signal.SIGUSR1)
    for _ in range(100_000):  # more wake-ups than the pipe holds
        stop.handle(signal.SIGUSR1, None)
    assert stop.wait(1) is True

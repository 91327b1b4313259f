"""A stop request that a signal handler may set.

``threading.Event`` is not safe there: a handler runs in the main thread between two
bytecodes, and if that thread was inside the same event's ``wait()`` (holding its lock),
``set()`` waits for that lock forever. ``multiprocessing.Event`` is worse between processes:
its ``set()`` waits for every process sleeping in ``wait()`` to acknowledge the wake-up, and
one killed while sleeping never does (that is how ``ragloom serve`` once hung on SIGTERM).
:class:`StopSignal` takes no lock: a flag, plus a pipe that wakes a sleeper.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
from typing import Protocol


class StopFlag(Protocol):
    """What a loop needs to know it should stop (a :class:`StopSignal` or a ``threading.Event``)."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float) -> bool: ...


class StopSignal:
    """Set once, from anywhere (a signal handler included); ``wait`` sleeps until then."""

    def __init__(self) -> None:
        self._set = False
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)

    @classmethod
    def on(cls, *signals: signal.Signals) -> StopSignal:
        """A stop set by any of ``signals`` (installed now; call from the main thread)."""
        stop = cls()
        for signum in signals:
            signal.signal(signum, stop.handle)
        return stop

    def handle(self, _signum: int, _frame: object) -> None:
        """A signal handler that sets the stop."""
        self.set()

    def set(self) -> None:
        self._set = True
        with contextlib.suppress(BlockingIOError):  # the pipe is full: a sleeper wakes anyway
            os.write(self._wake_write, b"\0")

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until the stop is set or ``timeout`` seconds passed; says whether it is set."""
        if not self._set:
            select.select([self._wake_read], [], [], timeout)
        return self._set

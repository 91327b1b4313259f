"""Stopping ``ragloom serve`` within a bound, whatever its clients and workers are doing.

On SIGTERM or SIGINT, at once:

1. the parse workers are asked to stop (each gives its task back at its next checkpoint)
   and a watchdog starts counting;
2. uvicorn stops accepting connections and lets responses in flight, streamed answers
   included, finish for up to :data:`CONNECTIONS_GRACE_SECONDS`, then cancels them;
3. workers still running :data:`WORKERS_GRACE_SECONDS` after the signal are killed;
4. the stores are closed and the process exits, without waiting for request threads that
   are still blocked (on a slow model server, say): their clients are gone already.

Should anything hang all the same, the watchdog ends the process
:data:`DEADLINE_SECONDS` after the signal.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

import uvicorn

from ragloom.workers.stop_signal import StopSignal

log = logging.getLogger(__name__)

CONNECTIONS_GRACE_SECONDS = 5
WORKERS_GRACE_SECONDS = 5.0
DEADLINE_SECONDS = 9.0


class Shutdown:
    """The steps above, for one server run; :meth:`begin` is called from the signal handler."""

    def __init__(self, on_begin: Callable[[], None], deadline: float = DEADLINE_SECONDS) -> None:
        self._on_begin = on_begin
        self._deadline = deadline
        self._begun = StopSignal()
        self.signal: int | None = None
        threading.Thread(target=self._watch, name="shutdown-watchdog", daemon=True).start()

    def begin(self, signum: int) -> None:
        """A stop signal arrived (runs in the signal handler: sets flags, sends signals, nothing more)."""
        if self.signal is None:
            self.signal = signum
            self._on_begin()
            self._begun.set()

    def _watch(self) -> None:
        self._begun.wait()
        time.sleep(self._deadline)
        log.error("shutdown did not finish within %g s; exiting now", self._deadline)
        os._exit(128 + (self.signal or 0))  # no flushing: what hangs may hold a lock it needs

    def leave(self) -> None:
        """After the cleanup: exit now if request threads linger (they would hold the interpreter's
        exit until they return); otherwise let the interpreter exit as usual."""
        lingering = [
            thread
            for thread in threading.enumerate()
            if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
        ]
        if self.signal is not None and lingering:
            log.warning("exiting with %d request thread(s) still blocked", len(lingering))
            logging.shutdown()
            sys.stdout.flush()
            os._exit(128 + self.signal)


class GracefulServer(uvicorn.Server):
    """uvicorn's server, which also tells ``shutdown`` the moment a stop signal arrives."""

    def __init__(self, config: uvicorn.Config, shutdown: Shutdown) -> None:
        super().__init__(config)
        self._shutdown = shutdown

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._shutdown.begin(sig)
        super().handle_exit(sig, frame)

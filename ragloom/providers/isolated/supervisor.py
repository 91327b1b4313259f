"""Supervising a model process: requests multiplexed over its pipes, deaths reported and survived.

A :class:`ModelProcess` starts its child on the first request. Requests carry ids, so many
threads can wait on one model at once; the child answers them in order. When the child dies —
a crash in native code (SIGILL, SIGSEGV), the OOM killer, someone's ``kill -9`` — every request
it held ends with an error naming the model and the cause (the signal, the last line it wrote
to stderr), and the next request starts a new child: the server itself never stops. A child
that has work but sends nothing for ``stall_seconds`` is killed the same way (while it is still
loading its model it has up to :data:`LOAD_SECONDS`).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO

from ragloom.errors import ProviderError
from ragloom.math_threads import model_environment
from ragloom.providers.isolated.frames import FINAL_KINDS, Frame, FrameError, read_frame, write_frame
from ragloom.providers.isolated.spec import HostSpec

log = logging.getLogger("ragloom.model_process")

STDERR_LINES_KEPT = 20
EXIT_WAIT_SECONDS = 5.0
WATCH_INTERVAL_SECONDS = 1.0
LOAD_SECONDS = 600.0


@dataclass(frozen=True)
class Death:
    """Why a model process ended, as a request it held is told."""

    reason: str


def describe_exit(returncode: int, last_line: str) -> str:
    """``killed by signal SIGKILL`` / ``exited with status 1``, with the last stderr line if any."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        reason = f"its process was killed by signal {name}"
    else:
        reason = f"its process exited with status {returncode}"
    return f"{reason} (last output: {last_line})" if last_line else reason


class _Child:
    """One incarnation of the model process and the requests it holds."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.pending: dict[int, queue.Queue[Frame | Death]] = {}
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES_KEPT)
        self.last_heard = time.monotonic()
        self.death: Death | None = None
        self.ready = False
        self.kill_reason = ""
        self.write_lock = threading.Lock()
        self.stderr_done = threading.Event()

    @property
    def stdin(self) -> IO[bytes]:
        assert self.process.stdin is not None
        return self.process.stdin


class Exchange:
    """One request's replies, in the order the model sent them."""

    def __init__(self, owner: ModelProcess, child: _Child, request_id: int, replies: queue.Queue[Frame | Death]):
        self._owner = owner
        self._child = child
        self.request_id = request_id
        self._replies = replies
        self._finished = False

    def replies(self) -> Iterator[Frame]:
        """Every reply up to the final one; :class:`ProviderError` if the process died first."""
        while not self._finished:
            try:
                item = self._replies.get(timeout=WATCH_INTERVAL_SECONDS)
            except queue.Empty:
                self._owner.check_stalled(self._child)
                continue
            if isinstance(item, Death):
                self._finished = True
                raise ProviderError(f"{self._owner.spec.label} stopped: {item.reason}")
            if item.kind in FINAL_KINDS:
                self._finished = True
                self._owner.forget(self._child, self.request_id, cancel=False)
            yield item

    def finish(self) -> None:
        """The caller has what it wanted (or gave up): forget the request, cancelling it if it runs."""
        if not self._finished:
            self._finished = True
            self._owner.forget(self._child, self.request_id)


class ModelProcess:
    """One built-in model in a supervised child process; see the module docstring."""

    def __init__(self, spec: HostSpec, *, stall_seconds: float = 300.0) -> None:
        self.spec = spec
        self._stall_seconds = stall_seconds
        self._lock = threading.Lock()
        self._child: _Child | None = None
        self._ids = itertools.count(1)
        self._closed = False
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"spawn-{spec.model_id}")

    @property
    def pid(self) -> int | None:
        """The running child's pid (``None`` before the first request and after a death)."""
        with self._lock:
            child = self._child
        return child.process.pid if child is not None and child.death is None else None

    def call(self, header: dict[str, object], payload: bytes = b"") -> Exchange:
        """Send one request; read its replies from the returned exchange."""
        with self._lock:
            if self._closed:
                raise ProviderError(f"{self.spec.label} is shutting down")
            child = self._child
            if child is None or child.death is not None or child.kill_reason or child.process.poll() is not None:
                child = self._child = self._start()
            request_id = next(self._ids)
            replies: queue.Queue[Frame | Death] = queue.Queue()
            if not child.pending:
                child.last_heard = time.monotonic()  # an idle child's silence so far is no stall
            child.pending[request_id] = replies
        self._send(child, Frame({"id": request_id, **header}, payload))
        return Exchange(self, child, request_id, replies)

    def forget(self, child: _Child, request_id: int, *, cancel: bool = True) -> None:
        """Drop a request's replies; with ``cancel``, tell the child to stop working on it."""
        with self._lock:
            held = child.pending.pop(request_id, None) is not None
        if cancel and held and child.death is None:
            self._send(child, Frame({"id": request_id, "kind": "cancel"}))

    def check_stalled(self, child: _Child) -> None:
        """Kill ``child`` if it has had work and said nothing for longer than allowed."""
        limit = self._stall_seconds if child.ready else max(self._stall_seconds, LOAD_SECONDS)
        with self._lock:
            stalled = bool(child.pending) and time.monotonic() - child.last_heard > limit
        if stalled and child.death is None and not child.kill_reason:
            self._kill(child, f"it stopped answering for {limit:g} s and was restarted")

    def close(self, timeout: float = EXIT_WAIT_SECONDS) -> None:
        """End the child: close its stdin, wait up to ``timeout``, then kill it."""
        with self._lock:
            self._closed = True
            child, self._child = self._child, None
        self._spawner.shutdown(wait=False)
        if child is None:
            return
        with contextlib.suppress(OSError):
            child.stdin.close()
        try:
            child.process.wait(timeout)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()

    def _start(self) -> _Child:
        # Linux sends the parent-death signal when the *thread* that started the child ends, and
        # request threads come and go: children are started from one thread that lives as long
        # as this object.
        child = _Child(self._spawner.submit(self._spawn).result())
        process = child.process
        name = self.spec.model_id
        threading.Thread(target=self._read_replies, args=(child,), name=f"model-{name}", daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(child,), name=f"model-log-{name}", daemon=True).start()
        log.info("model process for %s started (pid %d)", name, process.pid)
        return child

    def _spawn(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "ragloom.providers.isolated.host", self.spec.to_json(), str(os.getpid())]
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
            env=model_environment(self.spec.threads),  # its own threads, not the server's one per computation
        )

    def _send(self, child: _Child, frame: Frame) -> None:
        try:
            with child.write_lock:
                write_frame(child.stdin, frame)
        except (OSError, ValueError):
            pass  # the child is gone; its reader thread tells every request it held why

    def _kill(self, child: _Child, reason: str) -> None:
        child.kill_reason = reason
        log.warning("model process for %s (pid %d): %s", self.spec.model_id, child.process.pid, reason)
        child.process.kill()

    def _read_replies(self, child: _Child) -> None:
        assert child.process.stdout is not None
        try:
            while (frame := read_frame(child.process.stdout)) is not None:
                with self._lock:
                    child.last_heard = time.monotonic()
                    if frame.kind == "ready":
                        child.ready = True
                        continue
                    replies = child.pending.get(frame.id)
                if replies is not None:
                    replies.put(frame)
        except (OSError, FrameError) as error:
            self._kill(child, f"it wrote a broken reply ({error})")
        finally:
            child.process.stdout.close()
        self._bury(child)

    def _bury(self, child: _Child) -> None:
        """The child's reply pipe closed: learn how it ended and tell every request it held."""
        try:
            returncode = child.process.wait(EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            self._kill(child, "it closed its reply pipe")
            returncode = child.process.wait()
        with contextlib.suppress(OSError), child.write_lock:
            child.stdin.close()
        child.stderr_done.wait(1.0)
        last_line = child.stderr_tail[-1] if child.stderr_tail else ""
        reason = child.kill_reason or describe_exit(returncode, last_line)
        with self._lock:
            child.death = Death(reason)
            held, child.pending = child.pending, {}
            if self._child is child:
                self._child = None
        if not self._closed:
            log.warning("model process for %s (pid %d) ended: %s", self.spec.model_id, child.process.pid, reason)
        for replies in held.values():
            replies.put(child.death)

    def _read_stderr(self, child: _Child) -> None:
        assert child.process.stderr is not None
        try:
            for raw in child.process.stderr:
                line = raw.decode(errors="replace").rstrip()
                if line:
                    child.stderr_tail.append(line[:500])
                    log.debug("model process for %s: %s", self.spec.model_id, line)
        finally:
            child.process.stderr.close()
            child.stderr_done.set()

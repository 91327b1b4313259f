"""A worker: claims tasks from the metadata store and runs them until told to stop.

It runs as a child process of ``ragloom serve`` (or on its own with ``ragloom worker``).
SIGTERM or SIGINT asks it to stop: a task it is running is interrupted at its next
checkpoint and given back to the queue. As a child it dies with its parent (Linux
``PR_SET_PDEATHSIG``, else a parent check), so a killed server never leaves a worker
writing behind the back of its successor.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ragloom.errors import RagloomError
from ragloom.ids import new_id
from ragloom.lifetime import die_with_parent
from ragloom.logs import configure_logging
from ragloom.services.container import Services
from ragloom.services.task_ledger import Abandoned, Batching, ClaimedTask
from ragloom.settings import Settings
from ragloom.workers.handlers import TaskHandlers, task_handlers
from ragloom.workers.runner import TaskRunner
from ragloom.workers.stop_signal import StopFlag, StopSignal

log = logging.getLogger(__name__)


def finish_abandoned(services: Services, abandoned: list[Abandoned], handlers: TaskHandlers | None = None) -> None:
    """Finish cancelled tasks whose worker vanished: remove what they wrote, then close them."""
    if not abandoned:
        return
    handlers = handlers if handlers is not None else task_handlers(services)
    for task in abandoned:
        handler = handlers.get(task.kind)
        if handler is not None:
            handler.discard(task)
        services.ledger.acknowledge_cancel(task.task_id)


def worker_name(pid: int, token: str) -> str:
    """The name a worker leases tasks under: host, process id and a token unique to this start."""
    return f"{socket.gethostname()}:{pid}:{token}"


def _load(services: Services, models: Sequence[str]) -> None:
    """Load embedding models ahead of the tasks that need them (a model that cannot load is the
    tasks' error to report, not this thread's)."""
    for model in models:
        try:
            services.embeddings.get(model)
        except RagloomError as error:
            log.warning("could not load %s ahead of the tasks: %s", model, error.message)


def worker_is_gone(worker: str) -> bool:
    """Whether ``worker`` (a :func:`worker_name`) was a process of this host that no longer exists.

    A worker of another host, or a name of another shape, is never known to be gone: its lease
    runs out instead."""
    parts = worker.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, and someone else's
        return False
    return _is_ending(pid)


_PF_EXITING = 0x4  # the kernel's per-task flag: the process has begun to exit
_SIGKILL_BIT = 1 << (signal.SIGKILL - 1)


def _is_ending(pid: int) -> bool:
    """Whether a process that still has a pid can never run its own code again: a zombie, one
    already exiting, or one with SIGKILL pending. A server's worker is in that state for a moment
    after its server was killed (``PR_SET_PDEATHSIG``), and a zombie stays until its new parent
    reaps it, which some containers' first process never does."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # no /proc (not Linux), or the process just went
        return not Path(f"/proc/{pid}").exists() and Path("/proc/self").exists()
    fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (command) ": state, ppid, …
    if fields[0] in {"Z", "X", "x"} or int(fields[6]) & _PF_EXITING:
        return True
    pending = 0
    for line in status.splitlines():
        if line.startswith(("SigPnd:", "ShdPnd:")):
            pending |= int(line.split(":", 1)[1], 16)
    return bool(pending & _SIGKILL_BIT)


def run_pool_worker(settings: Settings, token: str, parent_pid: int, warm: Sequence[str] = ()) -> None:
    """The entry point of a worker process that ``ragloom serve`` (or ``ragloom ingest``) started."""
    stop = StopSignal.on(signal.SIGTERM, signal.SIGINT)
    run_worker(settings, stop, token=token, parent_pid=parent_pid, warm=warm)


def run_worker(
    settings: Settings, stop: StopFlag, *, token: str = "", parent_pid: int | None = None, warm: Sequence[str] = ()
) -> None:
    """The worker loop: reap, claim, run, repeat; returns when ``stop`` is set. The embedding models
    in ``warm`` are loaded on a thread first (the worker claims nothing until they are), while the
    one who started it does other things, such as uploading the files to parse."""
    configure_logging(settings.log)
    if parent_pid is not None:
        die_with_parent(parent_pid)
    worker = worker_name(os.getpid(), token or new_id()[:8])
    services = Services.build(settings, isolate_models=False)  # this process is the isolation
    handlers = task_handlers(services)
    runner = TaskRunner(services.ledger, handlers, worker, settings.workers.lease_seconds, stopping=stop.is_set)
    warming = threading.Thread(target=_load, args=(services, warm), name="warm-models", daemon=True)
    if warm:
        warming.start()
    log.info("worker %s started", worker)
    # a lease runs out only after lease_seconds: looking for expired ones a few times per lease is
    # as good as before every claim, and spares a write per task when tasks are small
    reap_every = max(settings.workers.poll_interval_seconds, settings.workers.lease_seconds / 8)
    reaped_at = -reap_every
    batching = Batching(settings.workers.batch_tasks, settings.workers.batch_document_bytes)
    tasks: list[ClaimedTask] = []  # claimed with the last ones' outcomes, not run yet
    try:
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                break
            if warming.is_alive():
                # claim once the models are loaded: a task taken now would wait for them under a
                # lease, and another worker that is ready could have run it
                warming.join(settings.workers.poll_interval_seconds)
                continue
            if time.monotonic() - reaped_at >= reap_every:
                finish_abandoned(services, services.ledger.reap(), handlers)
                reaped_at = time.monotonic()
            if not tasks:
                tasks = services.ledger.claim_batch(worker, batching)
            if not tasks:
                stop.wait(settings.workers.poll_interval_seconds)
                continue
            for task in tasks:
                log.info(
                    "%s task %s (%s) attempt %d", task.kind, task.id, task.document_id or task.dataset_id, task.attempt
                )
            _standings, tasks = runner.run_batch(tasks, batching)
        for task in tasks:  # stopped between claiming tasks and running them: give them back
            services.ledger.release(task.lease)
    finally:
        services.close()
        log.info("worker %s stopped", worker)

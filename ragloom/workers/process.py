"""A worker: claims tasks from the metadata store and runs them until told to stop.

It runs as a child process of ``ragloom serve`` (or on its own with ``ragloom worker``).
As a child it dies with its parent (Linux ``PR_SET_PDEATHSIG``, else a parent check), so a
killed server never leaves a worker writing behind the back of its successor.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from multiprocessing.synchronize import Event

from ragloom.ids import new_id
from ragloom.ingest.pipeline import IngestPipeline
from ragloom.lifetime import die_with_parent
from ragloom.logs import configure_logging
from ragloom.services.container import Services
from ragloom.settings import Settings
from ragloom.workers.runner import TaskRunner

log = logging.getLogger(__name__)


def release_abandoned(services: Services) -> None:
    """Finish cancelled tasks whose worker vanished: remove their chunks, then close them."""
    for abandoned in services.ledger.reap():
        services.index.delete(abandoned.dataset_id, document_ids=[abandoned.document_id])
        services.ledger.acknowledge_cancel(abandoned.task_id)


def run_worker(settings: Settings, stop: Event | threading.Event, parent_pid: int | None = None) -> None:
    """The worker loop: reap, claim, run, repeat; returns when ``stop`` is set."""
    configure_logging(settings.log)
    if parent_pid is not None:
        die_with_parent(parent_pid)
    worker = f"{socket.gethostname()}:{os.getpid()}:{new_id()[:8]}"
    services = Services.build(settings, isolate_models=False)  # this process is the isolation
    pipeline = IngestPipeline(services.store, services.blobs, services.index, services.embeddings, services.analyzer)
    runner = TaskRunner(services.ledger, pipeline, services.index, worker, settings.workers.lease_seconds)
    log.info("worker %s started", worker)
    try:
        while not stop.is_set():
            if parent_pid is not None and os.getppid() != parent_pid:
                break
            release_abandoned(services)
            task = services.ledger.claim(worker)
            if task is None:
                stop.wait(settings.workers.poll_interval_seconds)
                continue
            log.info("task %s (document %s) attempt %d", task.id, task.document_id, task.attempt)
            runner.run(task)
    finally:
        services.close()
        log.info("worker %s stopped", worker)

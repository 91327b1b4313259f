"""A RAPTOR build whose worker process is killed (SIGKILL) while the model is answering: the pool
takes the task back, a new worker runs it again, and the dataset ends with the one layer a build
makes — no summary twice."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from ragloom.workers.pool import WorkerPool
from tests.enrich.conftest import ScriptedModel
from tests.enrich.test_raptor_build import dataset_with_documents, summaries_of, summarise


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def pool(services: Services) -> Iterator[WorkerPool]:
    created = WorkerPool(services.settings, services.ledger)
    yield created
    created.stop(grace=2)


@pytest.mark.slow
def test_a_build_whose_worker_is_killed_completes_once(
    services: Services, caller: Caller, model: ScriptedModel, pool: WorkerPool
) -> None:
    answering = threading.Event()

    def held_answer(user: str) -> str:
        answering.wait(60)  # the worker is in the middle of the build until the test says
        return summarise(user)

    model.answers = {"raptor": summarise}
    dataset_id, documents = dataset_with_documents(services, caller)
    model.answers = {"raptor": held_answer}
    task_id = services.enrichment.run(caller, dataset_id, "raptor")["task_id"]
    pool.start()
    wait_until(lambda: model.calls("raptor") >= 1)
    (worker,) = pool.pids
    os.kill(worker, signal.SIGKILL)
    wait_until(lambda: pool.pids not in ([], [worker]))
    answering.set()
    wait_until(lambda: services.enrichment.trace(caller, dataset_id, "raptor")["progress"] in (1.0, -1.0))
    row = services.enrichment.trace(caller, dataset_id, "raptor")
    assert row["id"] == task_id
    assert row["progress"] == 1.0, row["progress_msg"]
    assert "The worker died while processing this document (killed by SIGKILL); it runs again" in row["progress_msg"]
    assert "Task resumed (attempt 2)." in row["progress_msg"]
    summaries = summaries_of(services, dataset_id, documents)
    assert sorted(summary.content for summary in summaries) == sorted(
        [
            "Pandas live on bamboo.",
            "Volcanoes pour out lava.",
            "Overview: Pandas live on bamboo. Volcanoes pour out lava.",
            "Whales roam the ocean.",
        ]
    )
    assert len({summary.id for summary in summaries}) == 4

"""Which deaths count against a document: its worker's, not the server's (real processes, real SIGKILL).

The document embeds with a scripted model server whose answers take as long as the test says,
so a worker is in the middle of a document exactly when the test kills something.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_parsing import wait_for
from tests.e2e.worker_site import Site, only_worker

STALLED = 600.0  # an embedding call that does not come back while the test runs


@pytest.fixture
def site(tmp_path: Path, server_env: dict[str, str]) -> Iterator[Site]:
    with Site.create(tmp_path, server_env) as created:
        yield created


@pytest.mark.slow
def test_a_server_killed_three_times_mid_parse_does_not_fail_the_document(site: Site) -> None:
    site.models.embedding_delay = STALLED
    for kill in range(1, 4):
        with site.running() as (process, api):
            if kill == 1:
                dataset_id, document_id = site.queue_document(api)
            site.models.wait_for_embedding_calls(kill)  # a worker is in the middle of the document
            process.send_signal(signal.SIGKILL)
            process.wait()
    site.models.embedding_delay = 0
    with site.running() as (process, api):
        done = wait_for(api, site.auth, dataset_id, document_id, until={"DONE", "FAIL"}, limit=60)
    assert done["run"] == "DONE", done["progress_msg"]
    log = done["progress_msg"]
    assert log.count("The server stopped while this task was running; it runs again.") == 3
    assert "Task resumed (attempt 4)." in log
    assert "died" not in log


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_its_document_finishes(site: Site) -> None:
    with site.running() as (process, api):
        site.models.embedding_delay = STALLED
        dataset_id, document_id = site.queue_document(api)
        site.models.wait_for_embedding_calls(1)
        worker = only_worker(process.pid)
        os.kill(worker, signal.SIGKILL)
        site.models.embedding_delay = 0
        done = wait_for(api, site.auth, dataset_id, document_id, until={"DONE", "FAIL"}, limit=60)
        replacement = only_worker(process.pid, other_than=worker)
    assert done["run"] == "DONE", done["progress_msg"]
    assert replacement != worker
    log = done["progress_msg"]
    assert "The worker died while processing this document (killed by SIGKILL); it runs again (1 of 3 allowed)." in log
    assert "Task resumed (attempt 2)." in log
    assert f"worker {worker} died (killed by SIGKILL); started worker {replacement}" in site.log.read_text()


@pytest.mark.slow
def test_a_document_whose_worker_is_killed_max_attempts_times_fails(site: Site) -> None:
    with site.running() as (process, api):
        site.models.embedding_delay = STALLED
        dataset_id, document_id = site.queue_document(api)
        for kill in range(1, 4):  # workers.max_attempts is 3
            site.models.wait_for_embedding_calls(kill)
            os.kill(only_worker(process.pid), signal.SIGKILL)
        failed = wait_for(api, site.auth, dataset_id, document_id, until={"DONE", "FAIL"}, limit=30)
        time.sleep(1.5)  # a replacement worker is up and finds nothing more to do
        assert site.models.embedding_calls == 3
    assert (failed["run"], failed["progress"]) == ("FAIL", -1.0)
    log = failed["progress_msg"]
    assert "(1 of 3 allowed)" in log
    assert "(2 of 3 allowed)" in log
    assert log.splitlines()[-1].endswith(
        "[ERROR] The worker stopped 3 times while processing this document (last time: killed by SIGKILL)."
    )

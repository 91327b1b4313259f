"""Task states, leases and the document fields that go with them."""

from __future__ import annotations

import io
import time

import pytest

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.task_ledger import Standing, TaskLedger
from ragloom.services.tenants import Caller
from ragloom.settings import WorkerSettings


@pytest.fixture
def document(services: Services, caller: Caller) -> tuple[str, str]:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    files = [IncomingFile("a.txt", io.BytesIO(b"hello"), 5)]
    return dataset_id, services.documents.upload(caller, dataset_id, files)[0].id


def read(services: Services, document_id: str):  # type: ignore[no-untyped-def]
    with services.store.reading() as tx:
        return tx.documents.get(document_id)


def test_queue_claim_report_complete(services: Services, caller: Caller, document: tuple[str, str]) -> None:
    dataset_id, document_id = document
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    assert read(services, document_id).run == "1"
    task = services.ledger.claim("w1")
    assert task is not None
    assert (task.document_id, task.attempt) == (document_id, 1)
    assert services.ledger.claim("w2") is None
    assert services.ledger.report(task.id, "w1", 0.4, "halfway") is Standing.HELD
    assert services.ledger.report(task.id, "w1", 0.2, "") is Standing.HELD
    state = read(services, document_id)
    assert state.progress == 0.4
    assert state.progress_msg.splitlines()[-1].endswith("halfway")
    assert services.ledger.complete(task.id, "w1", 3, 30, "Task done.") is Standing.HELD
    state = read(services, document_id)
    assert (state.run, state.progress, state.chunk_count, state.token_count) == ("3", 1.0, 3, 30)
    assert state.process_begin_at is not None


def test_failure_sets_fail_and_minus_one(services: Services, caller: Caller, document: tuple[str, str]) -> None:
    dataset_id, document_id = document
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    task = services.ledger.claim("w1")
    assert task is not None
    services.ledger.fail(task.id, "w1", "a.txt is corrupt")
    state = read(services, document_id)
    assert (state.run, state.progress) == ("4", -1.0)
    assert state.progress_msg.splitlines()[-1].endswith("[ERROR] a.txt is corrupt")


def test_stop_tells_the_worker_and_its_writes_are_refused(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    task = services.ledger.claim("w1")
    assert task is not None
    services.parsing.stop(caller, dataset_id, [document_id], strict=True)
    assert services.ledger.report(task.id, "w1", 0.9, "late") is Standing.CANCELLED
    assert services.ledger.complete(task.id, "w1", 5, 50, "done") is Standing.CANCELLED
    state = read(services, document_id)
    assert (state.run, state.progress, state.chunk_count) == ("2", 0.0, 0)
    services.ledger.acknowledge_cancel(task.id)
    with services.store.reading() as tx:
        assert tx.tasks.get(task.id).status == "cancelled"  # type: ignore[union-attr]


def test_a_silent_worker_loses_its_task_which_runs_again(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    first = services.ledger.claim("w1")
    assert first is not None
    assert services.ledger.reap() == []  # lease still valid
    services.ledger.reap(everything=True)  # as at server start
    second = services.ledger.claim("w2")
    assert second is not None
    assert (second.id, second.attempt) == (first.id, 2)
    assert services.ledger.report(first.id, "w1", 0.5, "zombie") is Standing.LOST
    assert "Task resumed (attempt 2)." in read(services, document_id).progress_msg


def test_a_task_that_keeps_killing_workers_fails(services: Services, caller: Caller, document: tuple[str, str]) -> None:
    dataset_id, document_id = document
    ledger = TaskLedger(services.store, WorkerSettings(max_attempts=2))
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    for worker in ("w1", "w2"):
        assert ledger.claim(worker) is not None
        ledger.reap(everything=True)
    assert ledger.claim("w3") is None
    state = read(services, document_id)
    assert state.run == "4"
    assert "The worker stopped 2 times" in state.progress_msg


def test_expired_leases_are_reaped(services: Services, caller: Caller, document: tuple[str, str]) -> None:
    dataset_id, document_id = document
    ledger = TaskLedger(services.store, WorkerSettings(lease_seconds=5))
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    task = ledger.claim("w1")
    assert task is not None
    with services.store.writing() as tx:
        tx.tasks.get(task.id).lease_expires_at = int(time.time() * 1000) - 1  # type: ignore[union-attr]
    ledger.reap()
    assert ledger.claim("w2") is not None


def test_deleting_the_document_makes_the_task_gone(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    task = services.ledger.claim("w1")
    assert task is not None
    services.documents.delete(caller, dataset_id, [document_id], delete_all=False)
    assert services.ledger.heartbeat(task.id, "w1") is Standing.GONE

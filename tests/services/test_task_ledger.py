"""Task states, leases and the document fields that go with them."""

from __future__ import annotations

import dataclasses
import io
import time

import pytest

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.task_ledger import Batching, ClaimedTask, Finished, Standing, TakeBack, TaskLedger
from ragloom.services.tenants import Caller
from ragloom.settings import WorkerSettings


@pytest.fixture
def document(services: Services, caller: Caller) -> tuple[str, str]:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    files = [IncomingFile("a.txt", io.BytesIO(b"hello"), 5)]
    return dataset_id, services.documents.upload(caller, dataset_id, files)[0].id


def queued_and_claimed(
    services: Services, caller: Caller, document: tuple[str, str], ledger: TaskLedger | None = None
) -> ClaimedTask:
    """Start parsing the document and claim its task as worker ``w1``."""
    dataset_id, document_id = document
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    task = (ledger or services.ledger).claim("w1")
    assert task is not None
    return task


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
    assert services.ledger.report(task.lease, 0.4, "halfway") is Standing.HELD
    assert services.ledger.report(task.lease, 0.2, "") is Standing.HELD
    state = read(services, document_id)
    assert state.progress == 0.4
    assert state.progress_msg.splitlines()[-1].endswith("halfway")
    assert services.ledger.complete(task.lease, 3, 30, "Task done.") is Standing.HELD
    state = read(services, document_id)
    assert (state.run, state.progress, state.chunk_count, state.token_count) == ("3", 1.0, 3, 30)
    assert state.process_begin_at is not None


def test_failure_sets_fail_and_minus_one(services: Services, caller: Caller, document: tuple[str, str]) -> None:
    document_id = document[1]
    task = queued_and_claimed(services, caller, document)
    services.ledger.fail(task.lease, "a.txt is corrupt")
    state = read(services, document_id)
    assert (state.run, state.progress) == ("4", -1.0)
    assert state.progress_msg.splitlines()[-1].endswith("[ERROR] a.txt is corrupt")


def test_stop_tells_the_worker_and_its_writes_are_refused(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    task = queued_and_claimed(services, caller, document)
    services.parsing.stop(caller, dataset_id, [document_id], strict=True)
    assert services.ledger.report(task.lease, 0.9, "late") is Standing.CANCELLED
    assert services.ledger.complete(task.lease, 5, 50, "done") is Standing.CANCELLED
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
    services.ledger.recover()  # as at server start
    second = services.ledger.claim("w2")
    assert second is not None
    assert (second.id, second.attempt) == (first.id, 2)
    assert services.ledger.report(first.lease, 0.5, "zombie") is Standing.LOST
    assert "Task resumed (attempt 2)." in read(services, document_id).progress_msg


def test_a_task_whose_workers_keep_dying_fails(services: Services, caller: Caller, document: tuple[str, str]) -> None:
    dataset_id, document_id = document
    ledger = TaskLedger(services.store, services.ledger.queue, WorkerSettings(max_attempts=2))
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    assert ledger.claim("w1") is not None
    assert ledger.take_back_from("w1", TakeBack.WORKER_DIED, "killed by SIGKILL")[0].failed is False
    assert (
        read(services, document_id)
        .progress_msg.splitlines()[-1]
        .endswith("The worker died while processing this document (killed by SIGKILL); it runs again (1 of 2 allowed).")
    )
    second = ledger.claim("w2")
    assert second is not None
    assert second.attempt == 2
    assert ledger.take_back_from("w2", TakeBack.WORKER_DIED, "killed by SIGSEGV")[0].failed is True
    assert ledger.claim("w3") is None
    state = read(services, document_id)
    assert (state.run, state.progress) == ("4", -1.0)
    assert state.progress_msg.splitlines()[-1].endswith(
        "[ERROR] The worker stopped 2 times while processing this document (last time: killed by SIGSEGV)."
    )


def test_server_restarts_never_count_against_the_document(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    ledger = TaskLedger(services.store, services.ledger.queue, WorkerSettings(max_attempts=2))
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    for run in range(1, 6):
        task = ledger.claim(f"w{run}")
        assert task is not None
        assert task.attempt == run
        assert ledger.recover() == []
    last = ledger.claim("w6")
    assert last is not None
    assert ledger.complete(last.lease, 1, 5, "Task done.") is Standing.HELD
    state = read(services, document_id)
    assert state.run == "3"
    assert state.progress_msg.count("The server stopped while this task was running; it runs again.") == 5
    assert "Task resumed (attempt 6)." in state.progress_msg
    assert "[ERROR]" not in state.progress_msg


def test_a_stopping_worker_gives_its_task_back_uncounted(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    document_id = document[1]
    ledger = TaskLedger(services.store, services.ledger.queue, WorkerSettings(max_attempts=1))
    task = queued_and_claimed(services, caller, document, ledger)
    assert ledger.release(dataclasses.replace(task.lease, worker="w2")) is Standing.LOST
    assert ledger.release(task.lease) is Standing.RELEASED
    assert ledger.report(task.lease, 0.5, "late") is Standing.LOST
    assert ledger.take_back_from("w1", TakeBack.WORKER_STOPPED) == []
    assert ledger.claim("w2") is not None
    state = read(services, document_id)
    assert state.run == "1"
    assert "The worker was stopped while this task was running; it runs again." in state.progress_msg


def test_taking_back_a_cancelled_task_leaves_its_cleanup_to_the_reaper(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    task = queued_and_claimed(services, caller, document)
    services.parsing.stop(caller, dataset_id, [document_id], strict=True)
    assert services.ledger.take_back_from("w1", TakeBack.WORKER_DIED, "killed by SIGKILL") == []
    (abandoned,) = services.ledger.reap()
    assert (abandoned.task_id, abandoned.document_id) == (task.id, document_id)
    assert read(services, document_id).run == "2"


def test_an_expired_lease_is_taken_back_and_counted(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    ledger = TaskLedger(services.store, services.ledger.queue, WorkerSettings(lease_seconds=5, max_attempts=2))
    services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    for worker, failed in (("w1", False), ("w2", True)):
        task = ledger.claim(worker)
        assert task is not None
        assert ledger.reap() == []  # lease still valid
        with services.store.writing() as tx:
            tx.tasks.get(task.id).lease_expires_at = int(time.time() * 1000) - 1  # type: ignore[union-attr]
        ledger.reap()
        assert read(services, document_id).run == ("4" if failed else "1")
    log = read(services, document_id).progress_msg
    assert (
        "The worker went silent while processing this document (no sign of life for 5 s); it runs again (1 of 2" in log
    )
    assert "The worker stopped 2 times while processing this document (last time: no sign of life for 5 s)." in log


def test_deleting_the_document_makes_the_task_gone(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, document_id = document
    task = queued_and_claimed(services, caller, document)
    services.documents.delete(caller, dataset_id, [document_id], delete_all=False)
    assert services.ledger.heartbeat(task.lease) is Standing.GONE


def test_a_stale_lease_cannot_write_even_when_its_worker_claimed_the_task_again(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    """Fencing by the claim's token, not the worker's name: w1 went silent, its lease was taken back,
    and w1 claimed the task again; what it sends under the first lease changes nothing."""
    document_id = document[1]
    stale = queued_and_claimed(services, caller, document)
    with services.store.writing() as tx:
        tx.tasks.get(stale.id).lease_expires_at = int(time.time() * 1000) - 1  # type: ignore[union-attr]
    services.ledger.reap()
    fresh = services.ledger.claim("w1")
    assert fresh is not None
    assert (fresh.id, fresh.lease.worker) == (stale.id, "w1")
    assert fresh.lease.token != stale.lease.token
    before = read(services, document_id)
    assert services.ledger.report(stale.lease, 0.9, "zombie progress") is Standing.LOST
    assert services.ledger.complete(stale.lease, 7, 70, "zombie done") is Standing.LOST
    assert services.ledger.fail(stale.lease, "zombie failure") is Standing.LOST
    assert services.ledger.release(stale.lease) is Standing.LOST
    after = read(services, document_id)
    assert (after.run, after.progress, after.chunk_count, after.progress_msg) == (
        before.run,
        before.progress,
        before.chunk_count,
        before.progress_msg,
    )
    assert services.ledger.report(fresh.lease, 0.5, "real progress") is Standing.HELD
    assert services.ledger.complete(fresh.lease, 1, 10, "Task done.") is Standing.HELD
    assert read(services, document_id).run == "3"


def test_a_restarting_server_takes_back_only_the_tasks_of_workers_that_are_gone(
    services: Services, caller: Caller
) -> None:
    """Servers and workers on several hosts share the queue: a server starting takes back what its
    own dead workers held, never the task of a worker alive here or running on another host."""
    import os
    import socket
    import subprocess
    import sys

    from ragloom.workers.process import worker_is_gone, worker_name

    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    files = [IncomingFile(f"{number}.txt", io.BytesIO(b"hello"), 5) for number in range(3)]
    document_ids = [document.id for document in services.documents.upload(caller, dataset_id, files)]
    services.parsing.start(caller, dataset_id, document_ids, refuse_running=True)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead = worker_name(int(finished.stdout), "dead0001")
    alive = worker_name(os.getpid(), "alive001")
    elsewhere = f"{socket.gethostname()}-other:{os.getpid()}:remote01"
    claimed = {name: services.ledger.claim(name) for name in (dead, alive, elsewhere)}
    assert [worker_is_gone(name) for name in claimed] == [True, False, False]
    services.ledger.recover(worker_is_gone)
    with services.store.reading() as tx:
        held = {name: tx.tasks.get(task.id) for name, task in claimed.items() if task is not None}
    assert {name: (task.status, task.worker) for name, task in held.items() if task is not None} == {
        dead: ("queued", None),
        alive: ("running", alive),
        elsewhere: ("running", elsewhere),
    }


def test_completing_a_task_claims_the_next_in_the_same_write(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, first_id = document
    second_id = services.documents.upload(caller, dataset_id, [IncomingFile("b.txt", io.BytesIO(b"world"), 5)])[0].id
    services.parsing.start(caller, dataset_id, [first_id, second_id], refuse_running=True)
    first = services.ledger.claim("w1")
    assert first is not None
    standings, claimed = services.ledger.finish([Finished(first.lease, "Task done.", 2, 20)], "w1", Batching())
    assert standings == [Standing.HELD]
    (following,) = claimed
    assert {first.document_id, following.document_id} == {first_id, second_id}
    done, running = read(services, first.document_id), read(services, following.document_id)
    assert (done.run, done.chunk_count, done.token_count) == ("3", 2, 20)
    assert running.run == "1"
    assert running.process_begin_at is not None
    assert running.progress_msg.splitlines()[-1].endswith("Task has been received.")
    assert services.ledger.claim("w2") is None  # the next task is w1's already
    standings, after = services.ledger.finish([Finished(following.lease, "Task done.", 1, 10)], "w1", Batching())
    assert (standings, after) == ([Standing.HELD], [])  # the queue is empty: nothing claimed


def test_a_cancelled_task_is_not_completed_but_the_next_is_still_claimed(
    services: Services, caller: Caller, document: tuple[str, str]
) -> None:
    dataset_id, first_id = document
    second_id = services.documents.upload(caller, dataset_id, [IncomingFile("b.txt", io.BytesIO(b"world"), 5)])[0].id
    services.parsing.start(caller, dataset_id, [first_id], refuse_running=True)
    first = services.ledger.claim("w1")
    assert first is not None
    services.parsing.stop(caller, dataset_id, [first_id], strict=True)
    services.parsing.start(caller, dataset_id, [second_id], refuse_running=True)
    standings, claimed = services.ledger.finish([Finished(first.lease, "done", 5, 50)], "w1", Batching())
    assert standings == [Standing.CANCELLED]
    assert read(services, first_id).chunk_count == 0
    assert [following.document_id for following in claimed] == [second_id]


def queue_files(services: Services, caller: Caller, files: list[tuple[str, bytes]]) -> list[str]:
    """Upload the files to a new dataset and start parsing them (in that order); their document ids."""
    dataset_id = services.datasets.create(caller, NewDataset(name="batch")).record.id
    incoming = [IncomingFile(name, io.BytesIO(data), len(data)) for name, data in files]
    ids = [document.id for document in services.documents.upload(caller, dataset_id, incoming)]
    for document_id in ids:  # one at a time: the queue's order is theirs
        services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    return ids


def test_a_batch_claims_small_first_parses_each_under_its_own_lease(services: Services, caller: Caller) -> None:
    ids = queue_files(services, caller, [(f"{n}.txt", b"a short note") for n in range(5)])
    batch = services.ledger.claim_batch("w1", Batching(tasks=3, document_bytes=100))
    assert [task.document_id for task in batch] == ids[:3]
    assert len({task.lease.token for task in batch}) == 3
    assert all(read(services, document_id).progress_msg.endswith("Task has been received.") for document_id in ids[:3])
    assert [
        task.document_id for task in services.ledger.claim_batch("w2", Batching(tasks=3, document_bytes=100))
    ] == ids[3:]
    assert services.ledger.claim_batch("w3", Batching(tasks=3, document_bytes=100)) == []


def test_a_batch_ends_before_a_large_document_and_one_of_those_runs_alone(services: Services, caller: Caller) -> None:
    ids = queue_files(services, caller, [("a.txt", b"short"), ("big.txt", b"x" * 500), ("b.txt", b"short")])
    batching = Batching(tasks=8, document_bytes=100)
    assert [task.document_id for task in services.ledger.claim_batch("w1", batching)] == ids[:1]
    assert [task.document_id for task in services.ledger.claim_batch("w1", batching)] == ids[1:2]
    assert [task.document_id for task in services.ledger.claim_batch("w1", batching)] == ids[2:]


def test_a_document_that_a_worker_died_on_runs_alone(services: Services, caller: Caller) -> None:
    ids = queue_files(services, caller, [(f"{n}.txt", b"a short note") for n in range(3)])
    batching = Batching(tasks=8, document_bytes=100)
    first = services.ledger.claim_batch("w1", batching)
    assert len(first) == 3
    services.ledger.take_back_from("w1", TakeBack.WORKER_DIED, "killed by SIGKILL")  # counts against all three
    for document_id in ids:
        (task,) = services.ledger.claim_batch("w2", batching)
        assert task.document_id == document_id


def test_no_batch_when_one_death_fails_a_document(services: Services, caller: Caller) -> None:
    queue_files(services, caller, [(f"{n}.txt", b"a short note") for n in range(3)])
    ledger = TaskLedger(services.store, services.ledger.queue, WorkerSettings(max_attempts=1))
    assert len(ledger.claim_batch("w1", Batching(tasks=8, document_bytes=100))) == 1


def test_finishing_a_batch_records_each_outcome_fenced_and_claims_the_next(services: Services, caller: Caller) -> None:
    ids = queue_files(services, caller, [(f"{n}.txt", b"a short note") for n in range(5)])
    batching = Batching(tasks=3, document_bytes=100)
    done, failed, cancelled = services.ledger.claim_batch("w1", batching)
    dataset_id = read(services, ids[0]).dataset_id
    services.parsing.stop(caller, dataset_id, [cancelled.document_id], strict=True)
    outcomes = [
        Finished(done.lease, "Task done.", 1, 4),
        Finished(failed.lease, "It broke.", failed=True),
        Finished(cancelled.lease, "Task done.", 1, 4),
    ]
    standings, following = services.ledger.finish(outcomes, "w1", batching)
    assert standings == [Standing.HELD, Standing.HELD, Standing.CANCELLED]
    assert [task.document_id for task in following] == ids[3:]
    states = [read(services, document_id) for document_id in ids[:3]]
    assert [(state.run, state.chunk_count) for state in states] == [("3", 1), ("4", 0), ("2", 0)]
    assert states[1].progress_msg.endswith("[ERROR] It broke.")

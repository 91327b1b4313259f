"""The task runner over the real pipeline: outcomes, cancellation, deletion mid-run."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from ragloom.ingest.context import IngestContext
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.task_handling import TaskResult
from ragloom.services.task_ledger import Batching, ClaimedTask, Standing, TaskKind
from ragloom.services.tenants import Caller
from ragloom.workers.handlers import task_handlers
from ragloom.workers.runner import TaskRunner


def make_runner(services: Services, worker: str = "w1", stopping: Callable[[], bool] = lambda: False) -> TaskRunner:
    return TaskRunner(services.ledger, task_handlers(services), worker, lease_seconds=30, stopping=stopping)


def upload(services: Services, caller: Caller, name: str, data: bytes, **dataset: object) -> tuple[str, str]:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb", **dataset)).record.id  # type: ignore[arg-type]
    document = services.documents.upload(caller, dataset_id, [IncomingFile(name, io.BytesIO(data), len(data))])[0]
    services.parsing.start(caller, dataset_id, [document.id], refuse_running=True)
    return dataset_id, document.id


def upload_long(services: Services, caller: Caller, name: str, sentence: str) -> tuple[str, str]:
    """A 1,500-line document in small chunks: its run takes long enough to be interrupted."""
    lines = "\n".join(f"{sentence} {n}." for n in range(1500))
    return upload(
        services,
        caller,
        name,
        lines.encode(),
        embedding_model="universal-sentence-encoder-multilingual@Builtin",
        parser_config={"chunk_token_num": 16},
    )


def run_in_background(runner: TaskRunner, task: ClaimedTask) -> tuple[threading.Thread, list[Standing]]:
    """The task running on a thread, and the list its outcome is appended to."""
    outcome: list[Standing] = []
    thread = threading.Thread(target=lambda: outcome.append(runner.run(task)))
    thread.start()
    return thread, outcome


def state(services: Services, document_id: str):  # type: ignore[no-untyped-def]
    with services.store.reading() as tx:
        return tx.documents.get(document_id)


def test_a_text_document_is_parsed_embedded_and_indexed(services: Services, caller: Caller) -> None:
    text = "\n".join(f"Line {n} explains how retrieval engines rank chunks." for n in range(120)).encode()
    dataset_id, document_id = upload(services, caller, "guide.txt", text)
    task = services.ledger.claim("w1")
    assert task is not None
    assert make_runner(services).run(task) is Standing.HELD
    document = state(services, document_id)
    assert document.run == "3"
    assert document.chunk_count > 1
    assert "Task done" in document.progress_msg
    records, total = services.index.page(dataset_id, document_id)
    assert total == document.chunk_count
    assert sum(record.token_count for record in records) == document.token_count
    stored = services.index.get(dataset_id, records[0].id, with_vector=True)
    assert stored is not None
    assert stored.vector is not None
    assert stored.vector.shape == (384,)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "is empty: there is nothing to parse"),
        ("binary.txt", b"\x00\x01\x02\xff" * 500, "is not a text file"),
        ("song.mp3", b"ID3" + b"\x00" * 100, "files is not supported yet"),
    ],
)
def test_a_bad_file_fails_only_its_document(
    services: Services, caller: Caller, name: str, data: bytes, reason: str
) -> None:
    _dataset_id, document_id = upload(services, caller, name, data)
    task = services.ledger.claim("w1")
    assert task is not None
    make_runner(services).run(task)
    document = state(services, document_id)
    assert (document.run, document.progress) == ("4", -1.0)
    assert reason in document.progress_msg


def test_stopping_mid_embedding_leaves_no_chunks(services: Services, caller: Caller) -> None:
    dataset_id, document_id = upload_long(services, caller, "long.txt", "About pandas, bamboo and Sichuan, sentence")
    task = services.ledger.claim("w1")
    assert task is not None
    thread, outcome = run_in_background(make_runner(services), task)
    deadline = time.monotonic() + 60
    while state(services, document_id).progress < 0.6 and time.monotonic() < deadline:
        time.sleep(0.05)
    services.parsing.stop(caller, dataset_id, [document_id], strict=True)
    thread.join(60)
    assert outcome == [Standing.CANCELLED]
    assert services.index.document_stats(dataset_id, document_id).chunk_count == 0
    document = state(services, document_id)
    assert (document.run, document.chunk_count) == ("2", 0)
    with services.store.reading() as tx:
        assert tx.tasks.get(task.id).status == "cancelled"  # type: ignore[union-attr]


def test_deleting_the_document_mid_run_removes_what_was_written(services: Services, caller: Caller) -> None:
    dataset_id, document_id = upload_long(services, caller, "rivers.txt", "A long document about rivers, row")
    task = services.ledger.claim("w1")
    assert task is not None
    thread, outcome = run_in_background(make_runner(services), task)
    while state(services, document_id).progress < 0.6:
        time.sleep(0.05)
    services.documents.delete(caller, dataset_id, [document_id], delete_all=False)
    thread.join(60)
    assert outcome == [Standing.GONE]
    assert services.index.document_stats(dataset_id, document_id).chunk_count == 0


def test_a_stopping_worker_interrupts_its_task_and_gives_it_back(services: Services, caller: Caller) -> None:
    _dataset_id, document_id = upload_long(services, caller, "glaciers.txt", "A long document about glaciers, line")
    task = services.ledger.claim("w1")
    assert task is not None
    stop = threading.Event()
    thread, outcome = run_in_background(make_runner(services, stopping=stop.is_set), task)
    while state(services, document_id).progress < 0.55:
        time.sleep(0.05)
    stop.set()
    thread.join(60)
    assert outcome == [Standing.RELEASED]
    document = state(services, document_id)
    assert document.run == "1"
    assert document.progress_msg.splitlines()[-1].endswith(
        "The worker was stopped while this task was running; it runs again."
    )
    again = services.ledger.claim("w2")
    assert again is not None
    assert (again.id, again.attempt) == (task.id, 2)


class _Steps:
    """A task handler that logs ``lines`` quickly, then one more line before a long step."""

    def __init__(self, lines: list[str], long_step: float, seen_during: list[str], services: Services) -> None:
        self.lines, self.long_step, self.seen_during, self.services = lines, long_step, seen_during, services

    def run(self, task: ClaimedTask, context: IngestContext) -> TaskResult:
        for number, line in enumerate(self.lines):
            context.progress(number / 10, line)
        context.progress(0.5, "A long step begins.")
        deadline = time.monotonic() + self.long_step
        while time.monotonic() < deadline:  # what a client polling the document sees meanwhile
            time.sleep(0.1)
        self.seen_during.append(state(self.services, task.document_id or "").progress_msg)
        return TaskResult("Task done.", chunk_count=1, token_count=1)

    def discard(self, task: object) -> None:
        pass


def test_log_lines_are_written_together_yet_none_is_held_back_long(services: Services, caller: Caller) -> None:
    """A quick run writes its lines with its outcome (one write, not one per line), each line with the
    time it was logged; a line before a long step still shows within about a second."""
    _dataset_id, document_id = upload(services, caller, "a.txt", b"hello")
    task = services.ledger.claim("w1")
    assert task is not None
    seen: list[str] = []
    lines = [f"Step {number} done." for number in range(5)]
    handler = _Steps(lines, long_step=2.5, seen_during=seen, services=services)
    runner = TaskRunner(services.ledger, {TaskKind.PARSE: handler}, "w1", lease_seconds=30)
    assert runner.run(task) is Standing.HELD
    (during,) = seen
    assert "A long step begins." in during  # written by the watcher while the step ran
    log = state(services, document_id).progress_msg.splitlines()
    logged = [line.split(" ", 1)[1] for line in log]
    assert logged[-7:] == [*lines, "A long step begins.", "Task done."]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d .+", line) for line in log)


def test_a_finished_task_hands_over_the_next_one_unless_the_worker_stops(services: Services, caller: Caller) -> None:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    files = [IncomingFile(f"{n}.txt", io.BytesIO(f"Note {n} on ranking.".encode()), 20) for n in range(3)]
    ids = [document.id for document in services.documents.upload(caller, dataset_id, files)]
    services.parsing.start(caller, dataset_id, ids, refuse_running=True)
    task = services.ledger.claim("w1")
    assert task is not None
    standings, claimed = make_runner(services).run_batch([task], Batching())
    assert standings == [Standing.HELD]
    assert state(services, task.document_id).run == "3"
    (following,) = claimed
    assert following.document_id != task.document_id
    assert state(services, following.document_id).process_begin_at is not None
    stopping_runner = make_runner(services, stopping=lambda: True)
    standings, after = stopping_runner.run_batch([following], Batching())
    assert (standings, after) == ([Standing.RELEASED], [])  # gave its task back, and took no other
    assert services.ledger.queued_count() == 2


BATCHING = Batching(tasks=8, document_bytes=4096)


def upload_many(services: Services, caller: Caller, files: list[tuple[str, bytes]], name: str = "notes") -> list[str]:
    """The files in a new dataset, each queued for parsing in turn; their document ids."""
    dataset_id = services.datasets.create(caller, NewDataset(name=name)).record.id
    incoming = [IncomingFile(file_name, io.BytesIO(data), len(data)) for file_name, data in files]
    ids = [document.id for document in services.documents.upload(caller, dataset_id, incoming)]
    for document_id in ids:
        services.parsing.start(caller, dataset_id, [document_id], refuse_running=True)
    return ids


NOTES = [
    (f"note-{n}.txt", f"Note {n}: the {topic} chapter explains how {topic} shapes ranking.".encode())
    for n, topic in enumerate(["glacier", "river", "desert", "forest"])
]


def chunk_vectors(services: Services, document_id: str) -> list[object]:
    document = state(services, document_id)
    records, _total = services.index.page(document.dataset_id, document_id)
    stored = [services.index.get(document.dataset_id, record.id, with_vector=True) for record in records]
    return [record.vector for record in stored if record is not None]


def test_small_documents_run_together_each_done_with_the_vectors_it_gets_alone(
    services: Services, caller: Caller
) -> None:
    ids = upload_many(services, caller, NOTES)
    tasks = services.ledger.claim_batch("w1", BATCHING)
    assert [task.document_id for task in tasks] == ids
    standings, following = make_runner(services).run_batch(tasks, BATCHING)
    assert (standings, following) == ([Standing.HELD] * 4, [])
    (alone_id,) = upload_many(services, caller, NOTES[2:3], name="alone")
    alone = services.ledger.claim("w1")
    assert alone is not None
    assert make_runner(services).run(alone) is Standing.HELD
    for document_id, (name, data) in zip(ids, NOTES, strict=True):
        document = state(services, document_id)
        assert (document.run, document.chunk_count) == ("3", 1), document.progress_msg
        assert "Task done" in document.progress_msg
        records, _total = services.index.page(document.dataset_id, document_id)
        assert [record.content for record in records] == [data.decode()]
        assert records[0].document_name == name
    (together,) = chunk_vectors(services, ids[2])
    (by_itself,) = chunk_vectors(services, alone_id)
    assert np.allclose(together, by_itself, atol=1e-4)  # type: ignore[arg-type]


def test_a_bad_document_in_a_batch_fails_alone(services: Services, caller: Caller) -> None:
    files = [NOTES[0], ("empty.txt", b""), ("binary.txt", b"\x00\x01\x02\xff" * 50), NOTES[1]]
    ids = upload_many(services, caller, files)
    tasks = services.ledger.claim_batch("w1", BATCHING)
    assert len(tasks) == 4
    assert make_runner(services).run_batch(tasks)[0] == [Standing.HELD] * 4
    runs = [(state(services, document_id).run, state(services, document_id).chunk_count) for document_id in ids]
    assert runs == [("3", 1), ("4", 0), ("4", 0), ("3", 1)]
    assert "is empty: there is nothing to parse" in state(services, ids[1]).progress_msg
    assert "is not a text file" in state(services, ids[2]).progress_msg


def test_a_task_cancelled_in_a_batch_stays_cancelled_and_keeps_no_chunks(services: Services, caller: Caller) -> None:
    ids = upload_many(services, caller, NOTES[:3])
    tasks = services.ledger.claim_batch("w1", BATCHING)
    dataset_id = state(services, ids[1]).dataset_id
    services.parsing.stop(caller, dataset_id, [ids[1]], strict=True)
    standings, _following = make_runner(services).run_batch(tasks)
    assert standings == [Standing.HELD, Standing.CANCELLED, Standing.HELD]
    assert [state(services, document_id).run for document_id in ids] == ["3", "2", "3"]
    assert services.index.document_stats(dataset_id, ids[1]).chunk_count == 0
    with services.store.reading() as tx:
        assert tx.tasks.get(tasks[1].id).status == "cancelled"  # type: ignore[union-attr]


def test_a_stopping_worker_gives_back_every_task_of_its_batch(services: Services, caller: Caller) -> None:
    ids = upload_many(services, caller, NOTES[:3])
    tasks = services.ledger.claim_batch("w1", BATCHING)
    standings, following = make_runner(services, stopping=lambda: True).run_batch(tasks, BATCHING)
    assert (standings, following) == ([Standing.RELEASED] * 3, [])
    assert [state(services, document_id).run for document_id in ids] == ["1"] * 3
    assert services.ledger.queued_count() == 3

"""The task runner over the real pipeline: outcomes, cancellation, deletion mid-run."""

from __future__ import annotations

import io
import threading
import time

import pytest

from ragloom.ingest.pipeline import IngestPipeline
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.task_ledger import Standing
from ragloom.services.tenants import Caller
from ragloom.workers.runner import TaskRunner


def make_runner(services: Services, worker: str = "w1") -> TaskRunner:
    pipeline = IngestPipeline(services.store, services.blobs, services.index, services.embeddings, services.analyzer)
    return TaskRunner(services.ledger, pipeline, services.index, worker, lease_seconds=30)


def upload(services: Services, caller: Caller, name: str, data: bytes, **dataset: object) -> tuple[str, str]:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb", **dataset)).record.id  # type: ignore[arg-type]
    document = services.documents.upload(caller, dataset_id, [IncomingFile(name, io.BytesIO(data), len(data))])[0]
    services.parsing.start(caller, dataset_id, [document.id], refuse_running=True)
    return dataset_id, document.id


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
    lines = "\n".join(f"Sentence {n} about pandas, bamboo and the forests of Sichuan." for n in range(1500))
    dataset_id, document_id = upload(
        services,
        caller,
        "long.txt",
        lines.encode(),
        embedding_model="universal-sentence-encoder-multilingual@Builtin",
        parser_config={"chunk_token_num": 16},
    )
    task = services.ledger.claim("w1")
    assert task is not None
    outcome: list[Standing] = []
    thread = threading.Thread(target=lambda: outcome.append(make_runner(services).run(task)))
    thread.start()
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
    lines = "\n".join(f"Row {n} of a long document about rivers." for n in range(1500))
    dataset_id, document_id = upload(
        services,
        caller,
        "rivers.txt",
        lines.encode(),
        embedding_model="universal-sentence-encoder-multilingual@Builtin",
        parser_config={"chunk_token_num": 16},
    )
    task = services.ledger.claim("w1")
    assert task is not None
    outcome: list[Standing] = []
    thread = threading.Thread(target=lambda: outcome.append(make_runner(services).run(task)))
    thread.start()
    while state(services, document_id).progress < 0.6:
        time.sleep(0.05)
    services.documents.delete(caller, dataset_id, [document_id], delete_all=False)
    thread.join(60)
    assert outcome == [Standing.GONE]
    assert services.index.document_stats(dataset_id, document_id).chunk_count == 0

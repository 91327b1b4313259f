"""A dataset's ingestion log, from its parse tasks, on the service."""

from __future__ import annotations

import io

import pytest

from ragloom.clock import now_ms
from ragloom.errors import ArgumentError, DataError
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.ingestion_logs import IngestionLogListing
from ragloom.services.tenants import Caller


@pytest.fixture
def history(services: Services, caller: Caller) -> tuple[str, dict[str, str]]:
    """Three documents: ``done.txt`` parsed twice (both done), ``failed.txt`` failed, ``waiting.txt`` queued."""
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    files = [IncomingFile(name, io.BytesIO(b"x"), 1) for name in ("done.txt", "failed.txt", "waiting.txt")]
    documents = {document.name: document.id for document in services.documents.upload(caller, dataset_id, files)}
    for name in ("done.txt", "failed.txt", "done.txt"):
        services.parsing.start(caller, dataset_id, [documents[name]], refuse_running=False)
        task = services.ledger.claim("w1")
        assert task is not None
        if name == "done.txt":
            services.ledger.complete(task.lease, 2, 20, "Task done.")
        else:
            services.ledger.fail(task.lease, "The file is corrupt.")
    services.parsing.start(caller, dataset_id, [documents["waiting.txt"]], refuse_running=False)
    return dataset_id, documents


def listing(**fields: object) -> IngestionLogListing:
    return IngestionLogListing(**fields)  # type: ignore[arg-type]


def test_every_run_is_one_entry_newest_first(
    services: Services, caller: Caller, history: tuple[str, dict[str, str]]
) -> None:
    dataset_id, documents = history
    logs, total = services.ingestion_logs.list_page(caller, dataset_id, listing())
    assert total == 4
    rows = [(log.document.name, log.operation_status, log.latest) for log in logs]
    assert rows == [
        ("waiting.txt", "1", True),
        ("done.txt", "3", True),
        ("failed.txt", "4", True),
        ("done.txt", "3", False),
    ]
    assert logs[2].task.error == "The file is corrupt."
    oldest_first, _total = services.ingestion_logs.list_page(caller, dataset_id, listing(desc=False))
    assert [log.task.id for log in oldest_first] == [log.task.id for log in reversed(logs)]
    page, total = services.ingestion_logs.list_page(caller, dataset_id, listing(page=2, page_size=3))
    assert ([log.task.id for log in page], total) == ([logs[3].task.id], 4)
    one = services.ingestion_logs.get(caller, dataset_id, logs[3].task.id)
    assert (one.document.id, one.latest) == (documents["done.txt"], False)


def test_filters(services: Services, caller: Caller, history: tuple[str, dict[str, str]]) -> None:
    dataset_id, _documents = history

    def names(**fields: object) -> list[str]:
        return [
            log.document.name for log in services.ingestion_logs.list_page(caller, dataset_id, listing(**fields))[0]
        ]

    assert names(statuses=("3",)) == ["done.txt", "done.txt"]
    assert names(statuses=("FAIL", "RUNNING")) == ["waiting.txt", "failed.txt"]
    assert names(statuses=("0",)) == []
    assert names(keywords="FAIL") == ["failed.txt"]
    assert names(created_from="2025-01-01", created_to="2025-02-01") == []
    today = services.ingestion_logs.list_page(caller, dataset_id, listing())[0][0].task.create_time
    assert today <= now_ms()
    assert len(names(created_from="2000-01-01", created_to="2999-12-31")) == 4
    assert names(log_type="dataset") == []


def test_refusals(
    services: Services, caller: Caller, other_caller: Caller, history: tuple[str, dict[str, str]]
) -> None:
    dataset_id, _documents = history
    with pytest.raises(DataError, match="^Invalid filter operation status conditions: nope$"):
        services.ingestion_logs.list_page(caller, dataset_id, listing(statuses=("nope",)))
    with pytest.raises(ArgumentError, match="^`create_date_from` must be a date written YYYY-MM-DD"):
        services.ingestion_logs.list_page(caller, dataset_id, listing(created_from="01/02/2025"))
    with pytest.raises(ArgumentError, match="^`orderby` must be one of create_time, update_time"):
        services.ingestion_logs.list_page(caller, dataset_id, listing(orderby="name"))
    with pytest.raises(DataError, match='^Invalid "log_type"'):
        services.ingestion_logs.list_page(caller, dataset_id, listing(log_type="pipeline"))
    with pytest.raises(DataError, match="^Log not found$"):
        services.ingestion_logs.get(caller, dataset_id, "nope")
    entry = services.ingestion_logs.list_page(caller, dataset_id, listing())[0][0]
    for attempt in (
        lambda: services.ingestion_logs.list_page(other_caller, dataset_id, listing()),
        lambda: services.ingestion_logs.get(other_caller, dataset_id, entry.task.id),
        lambda: services.ingestion_logs.summary(other_caller, dataset_id),
    ):
        with pytest.raises(DataError, match="^no authorization$"):
            attempt()
    other = services.datasets.create(caller, NewDataset(name="other")).record.id
    with pytest.raises(DataError, match="^Log not found$"):
        services.ingestion_logs.get(caller, other, entry.task.id)


def test_summary(services: Services, caller: Caller, history: tuple[str, dict[str, str]]) -> None:
    dataset_id, _documents = history
    counts = services.ingestion_logs.summary(caller, dataset_id)
    assert (counts.document_count, counts.chunk_count, counts.token_num) == (3, 2, 20)
    assert counts.runs == {"3": 1, "4": 1, "1": 1}

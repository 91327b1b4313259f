"""Starting and stopping parses: the contract's rules and messages."""

from __future__ import annotations

import io

import pytest

from ragloom.errors import DataError
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller
from ragloom.testing.chunk_index import chunk


@pytest.fixture
def dataset(services: Services, caller: Caller) -> tuple[str, list[str]]:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    files = [IncomingFile(f"{name}.txt", io.BytesIO(b"x"), 1) for name in "abc"]
    return dataset_id, [document.id for document in services.documents.upload(caller, dataset_id, files)]


def test_start_rules(services: Services, caller: Caller, other_caller: Caller, dataset: tuple[str, list[str]]) -> None:
    dataset_id, (a, b, c) = dataset
    with pytest.raises(DataError, match=f"^You don't own the dataset {dataset_id}.$"):
        services.parsing.start(other_caller, dataset_id, [a], refuse_running=True)
    with pytest.raises(DataError, match="^`document_ids` is required$"):
        services.parsing.start(caller, dataset_id, [], refuse_running=True)
    with pytest.raises(DataError, match=r"^Documents not found: \['nope'\]$"):
        services.parsing.start(caller, dataset_id, [a, "nope"], refuse_running=True)
    with pytest.raises(DataError, match="currently being processed"):
        services.parsing.start(caller, dataset_id, [b, a], refuse_running=True)
    outcome = services.parsing.start(caller, dataset_id, [c, c], refuse_running=True)
    assert (outcome.done, outcome.duplicates) == (1, [c])
    again = services.parsing.start(caller, dataset_id, [a], refuse_running=False)
    assert again.done == 1
    with services.store.reading() as tx:
        statuses = sorted(task.status for task in tx.tasks.active_for([a, b, c]))
    assert statuses == ["queued", "queued", "queued"]


def test_restarting_clears_old_chunks_and_counts(
    services: Services, caller: Caller, dataset: tuple[str, list[str]]
) -> None:
    dataset_id, (a, _b, _c) = dataset
    services.index.upsert([chunk("old", "old text", dataset_id=dataset_id, document_id=a)])
    with services.store.writing() as tx:
        tx.documents.set_fields(a, {"run": "3", "chunk_count": 1, "token_count": 2})
    services.parsing.start(caller, dataset_id, [a], refuse_running=True)
    assert services.index.document_stats(dataset_id, a).chunk_count == 0
    with services.store.reading() as tx:
        document = tx.documents.get(a)
    assert document is not None
    assert (document.run, document.chunk_count, document.token_count) == ("1", 0, 0)


def test_stop_rules(services: Services, caller: Caller, dataset: tuple[str, list[str]]) -> None:
    dataset_id, (a, b, _c) = dataset
    with pytest.raises(DataError, match="has not started or already completed") as raised:
        services.parsing.stop(caller, dataset_id, [a], strict=True)
    assert raised.value.data == {"error_code": "DOC_STOP_PARSING_INVALID_STATE"}
    with pytest.raises(DataError, match="^You don't own the document nope.$"):
        services.parsing.stop(caller, dataset_id, ["nope"], strict=True)
    with pytest.raises(DataError, match=r"^Documents not found: \['nope'\]$"):
        services.parsing.stop(caller, dataset_id, [a, "nope"], strict=False)
    services.parsing.start(caller, dataset_id, [a], refuse_running=True)
    outcome = services.parsing.stop(caller, dataset_id, [a, b], strict=False)
    assert outcome.done == 1
    assert len(outcome.errors) == 1
    with services.store.reading() as tx:
        stopped = tx.documents.get(a)
        tasks = tx.tasks.active_for([a])
    assert stopped is not None
    assert stopped.run == "2"
    assert tasks == []

"""The metadata store on a real PostgreSQL: the same models and migrations as SQLite, and the
services' concurrent writes — creates, name allocation, counters — hold there too."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller
from ragloom.settings import DatabaseSettings, PostgresDatabaseSettings, Settings
from ragloom.storage.metadata import retried
from ragloom.storage.metadata.migrations import SCHEMA_HEAD

pytestmark = pytest.mark.integration

T = TypeVar("T")
THREADS = 6


@pytest.fixture
def services(settings: Settings, postgres_url: str) -> Iterator[Services]:
    """Services whose metadata (and task queue) are on PostgreSQL."""
    database = DatabaseSettings(backend="postgresql", postgresql=PostgresDatabaseSettings(url=SecretStr(postgres_url)))
    built = Services.build(settings.model_copy(update={"database": database}))
    yield built
    built.close()


def all_at_once(work: Callable[[int], T], count: int = THREADS) -> list[T]:
    """``work(0..count-1)`` in threads released together; their results, any exception re-raised."""
    results: list[T | None] = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(number: int) -> None:
        try:
            start.wait()
            results[number] = work(number)
        except BaseException as error:  # re-raised below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return [result for result in results if result is not None]


def test_migrations_reach_the_head_on_postgresql(services: Services) -> None:
    assert services.store.schema_version() == SCHEMA_HEAD
    assert services.store.engine.dialect.name == "postgresql"


def test_servers_starting_together_on_a_new_database_migrate_it_once(postgres_url: str) -> None:
    """Several API servers and workers started at once on an empty database: one migrates, the
    others wait for it and find the schema at the head."""
    from ragloom.storage.metadata import MetadataStore

    stores = [MetadataStore(postgres_url) for _ in range(4)]
    try:
        all_at_once(lambda number: stores[number].migrate(), count=len(stores))
        assert {store.schema_version() for store in stores} == {SCHEMA_HEAD}
    finally:
        for store in stores:
            store.close()


def test_concurrent_dataset_creates_with_one_name_get_distinct_names(services: Services, caller: Caller) -> None:
    created = all_at_once(lambda _number: services.datasets.create(caller, NewDataset(name="kb")).record.name)
    assert sorted(created) == sorted(["kb", *(f"kb({number})" for number in range(1, THREADS))])


def test_concurrent_uploads_of_one_file_name_are_renamed_and_counted(services: Services, caller: Caller) -> None:
    dataset_id = services.datasets.create(caller, NewDataset(name="uploads")).record.id

    def upload(number: int) -> list[str]:
        files = [IncomingFile("same.txt", io.BytesIO(f"text {number} {part}".encode()), 8) for part in range(2)]
        return [document.name for document in services.documents.upload(caller, dataset_id, files)]

    names = [name for batch in all_at_once(upload) for name in batch]
    assert len(names) == 2 * THREADS
    assert len(set(names)) == len(names)
    assert "same.txt" in names
    assert services.datasets.get(caller, dataset_id).counts.document_count == 2 * THREADS


def test_concurrent_deletes_leave_the_counters_right(services: Services, caller: Caller) -> None:
    dataset_id = services.datasets.create(caller, NewDataset(name="deletes")).record.id
    files = [IncomingFile(f"f{number}.txt", io.BytesIO(b"x"), 1) for number in range(2 * THREADS)]
    documents = services.documents.upload(caller, dataset_id, files)
    halves = [documents[number::THREADS] for number in range(THREADS)]
    removed = all_at_once(
        lambda number: services.documents.delete(
            caller, dataset_id, [document.id for document in halves[number]], delete_all=False
        )
    )
    assert sum(removed) == 2 * THREADS
    assert services.datasets.get(caller, dataset_id).counts.document_count == 0


def test_transactions_aborted_to_break_a_deadlock_run_again(services: Services) -> None:
    # Two units of work lock two rows in opposite orders, each waiting for the other to hold its
    # first row: PostgreSQL aborts one of them, which `retried` runs again; both end committed.
    tenants = [services.tenants.issue_key(new_tenant=True, tenant_name=name).tenant_id for name in ("a", "b")]
    both_hold_one = threading.Barrier(2)
    attempts: list[int] = []

    @retried
    def lock_in_order(number: int) -> int:
        attempts.append(number)
        first, second = tenants if number == 0 else tenants[::-1]
        with services.store.writing() as tx:
            lock = text("SELECT id FROM tenant WHERE id = :id FOR UPDATE")
            tx.session.execute(lock, {"id": first})
            if attempts.count(number) == 1:
                both_hold_one.wait(10)
            tx.session.execute(lock, {"id": second})
            tx.session.execute(
                text("UPDATE tenant SET name = :name WHERE id = :id"), {"name": f"by {number}", "id": second}
            )
        return number

    assert sorted(all_at_once(lock_in_order, count=2)) == [0, 1]
    assert len(attempts) == 3  # one of the two ran twice


def test_evaluations_are_stored_listed_cancelled_and_go_with_their_dataset(services: Services, caller: Caller) -> None:
    from ragloom.services.evaluations import EvaluationListing, EvaluationQuestion, EvaluationRun, NewEvaluation
    from ragloom.services.retrieval import RetrievalQuery

    dataset_id = services.datasets.create(caller, NewDataset(name="evaluated")).record.id
    services.documents.create_empty(caller, dataset_id, "fruit.txt")
    run = EvaluationRun("default", RetrievalQuery(dataset_ids=[], question="", similarity_threshold=0.5))
    new = NewEvaluation(dataset_id, [EvaluationQuestion("red fruit", {"fruit.txt": 2.0})], [run], name="b")
    first = services.evaluations.create(caller, new)
    second = services.evaluations.create(caller, NewEvaluation(dataset_id, new.questions, [run], name="a"))
    listed, total = services.evaluations.page(caller, EvaluationListing(orderby="name", desc=False))
    assert total == 2
    assert [item["name"] for item in listed] == ["a", "b"]
    assert listed[1]["runs"][0]["parameters"]["similarity_threshold"] == 0.5
    assert services.evaluations.cancel(caller, first["id"])["status"] == "cancelled"
    assert services.evaluations.get(caller, second["id"])["questions"][0]["relevant"][0]["relevance"] == 2.0
    services.datasets.delete(caller, [dataset_id], delete_all=False)
    assert services.evaluations.page(caller, EvaluationListing()) == ([], 0)

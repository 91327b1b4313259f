"""Conformance tests every :class:`~ragloom.storage.queue.TaskQueue` backend must pass.

Use it by subclassing and providing ``task_store``, a migrated metadata store with no task in it
(on the engine the backend goes with), and ``task_queue``, the backend::

    class TestMyTaskQueue(TaskQueueConformance):
        @pytest.fixture
        def task_store(self): ...

        @pytest.fixture
        def task_queue(self): ...
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import pytest

from ragloom.clock import now_ms
from ragloom.ids import new_id
from ragloom.storage.metadata import MetadataStore, Transaction
from ragloom.storage.metadata.tables import Dataset, Document, Task, Tenant
from ragloom.storage.queue import Claim, Lease, Standing, TaskQueue, TaskStatus

LEASE_MS = 60_000
T = TypeVar("T")


class TaskQueueConformance:
    """The semantics stated in :mod:`ragloom.storage.queue.protocol`, as tests."""

    @pytest.fixture
    def task_store(self) -> MetadataStore:
        raise NotImplementedError("a backend's test class provides a migrated metadata store")

    @pytest.fixture
    def task_queue(self) -> TaskQueue:
        raise NotImplementedError("a backend's test class provides its queue")

    # ---- helpers -----------------------------------------------------------------------------

    @staticmethod
    def write(store: MetadataStore, work: Callable[[Transaction], T]) -> T:
        with store.writing() as tx:
            return work(tx)

    def enqueue(self, store: MetadataStore, queue: TaskQueue, *, document_id: str | None = None, at: int = 0) -> str:
        """A new queued task (of ``document_id``, enqueued at ``at`` ms), returning its id."""
        created = at or now_ms()
        task = Task(
            id=new_id(),
            document_id=document_id,
            dataset_id="conformance",
            tenant_id="conformance",
            kind="parse",
            create_time=created,
            update_time=created,
        )
        return self.write(store, lambda tx: queue.enqueue(tx, task).id)

    def claim(self, store: MetadataStore, queue: TaskQueue, worker: str, *, now: int = 0) -> Lease | None:
        def claiming(tx: Transaction) -> Lease | None:
            claim = queue.claim(tx, worker, now=now or now_ms(), lease_ms=LEASE_MS)
            return None if claim is None else claim.lease

        return self.write(store, claiming)

    def status(self, store: MetadataStore, task_id: str) -> str:
        with store.reading() as tx:
            task = tx.tasks.get(task_id)
            assert task is not None
            return task.status

    def document(self, store: MetadataStore) -> str:
        """A document (with its tenant and dataset) that tasks can name."""
        now, tenant, dataset, document = now_ms(), new_id(), new_id(), new_id()

        def adding(tx: Transaction) -> None:
            tx.session.add(Tenant(id=tenant, embedding_model="e", create_time=now, update_time=now))
            tx.session.flush()
            tx.session.add(
                Dataset(
                    id=dataset,
                    tenant_id=tenant,
                    created_by=tenant,
                    name=dataset,
                    name_key=dataset,
                    embedding_model="e",
                    create_time=now,
                    update_time=now,
                )
            )
            tx.session.flush()
            tx.session.add(
                Document(
                    id=document,
                    dataset_id=dataset,
                    tenant_id=tenant,
                    created_by=tenant,
                    name="a.txt",
                    suffix="txt",
                    type="doc",
                    location=document,
                    chunk_method="naive",
                    create_time=now,
                    update_time=now,
                )
            )

        self.write(store, adding)
        return document

    def renew_and_complete(self, store: MetadataStore, queue: TaskQueue, lease: Lease) -> tuple[Standing, Standing]:
        now = now_ms()
        renewed = self.write(store, lambda tx: queue.renew(tx, lease, now=now, lease_ms=LEASE_MS))
        return renewed, self.write(store, lambda tx: queue.complete(tx, lease, now=now))

    # ---- the protocol ------------------------------------------------------------------------

    def test_is_a_task_queue(self, task_queue: TaskQueue) -> None:
        assert isinstance(task_queue, TaskQueue)

    def test_nothing_to_claim(self, task_store: MetadataStore, task_queue: TaskQueue) -> None:
        assert self.claim(task_store, task_queue, "w1") is None

    def test_enqueued_tasks_are_claimed_oldest_first_each_once(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        base = now_ms()
        late = self.enqueue(task_store, task_queue, at=base + 2)
        early = self.enqueue(task_store, task_queue, at=base + 1)
        assert self.status(task_store, early) == TaskStatus.QUEUED
        first = self.claim(task_store, task_queue, "w1")
        second = self.claim(task_store, task_queue, "w2")
        assert first is not None
        assert second is not None
        assert (first.task_id, first.worker, second.task_id, second.worker) == (early, "w1", late, "w2")
        assert first.token != second.token
        assert self.claim(task_store, task_queue, "w3") is None
        assert self.status(task_store, early) == TaskStatus.RUNNING

    def test_next_claimable_names_the_task_a_claim_takes_and_leaves_it_queued(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        base = now_ms()
        early = self.enqueue(task_store, task_queue, at=base + 1)
        self.enqueue(task_store, task_queue, at=base + 2)

        def peek_then_claim(tx: Transaction) -> tuple[str | None, str, str | None]:
            peeked = task_queue.next_claimable(tx, now=now_ms())
            status = peeked.status if peeked is not None else ""
            claim = task_queue.claim(tx, "w1", now=now_ms(), lease_ms=LEASE_MS)
            return (peeked.id if peeked is not None else None), status, (claim.task.id if claim else None)

        assert self.write(task_store, peek_then_claim) == (early, TaskStatus.QUEUED, early)
        assert self.write(task_store, lambda tx: task_queue.next_claimable(tx, now=now_ms())) is not None
        self.claim(task_store, task_queue, "w2")
        assert self.write(task_store, lambda tx: task_queue.next_claimable(tx, now=now_ms())) is None

    def test_a_claim_counts_an_attempt_and_leases_until_now_plus_the_lease(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        task_id = self.enqueue(task_store, task_queue)
        now = now_ms()

        def claiming(tx: Transaction) -> tuple[int, int | None]:
            claim = task_queue.claim(tx, "w1", now=now, lease_ms=LEASE_MS)
            assert isinstance(claim, Claim)
            return claim.task.attempts, claim.task.lease_expires_at

        assert self.write(task_store, claiming) == (1, now + LEASE_MS)
        with task_store.reading() as tx:
            (leased,) = task_queue.leased(tx, worker="w1")
            assert leased.id == task_id

    def test_a_document_runs_one_task_at_a_time(self, task_store: MetadataStore, task_queue: TaskQueue) -> None:
        document = self.document(task_store)
        base = now_ms()
        first = self.enqueue(task_store, task_queue, document_id=document, at=base + 1)
        second = self.enqueue(task_store, task_queue, document_id=document, at=base + 2)
        other = self.enqueue(task_store, task_queue, at=base + 3)
        lease = self.claim(task_store, task_queue, "w1")
        assert lease is not None
        assert lease.task_id == first
        held_back = self.claim(task_store, task_queue, "w2")
        assert held_back is not None
        assert held_back.task_id == other
        assert self.write(task_store, lambda tx: task_queue.complete(tx, lease, now=now_ms())) is Standing.HELD
        after = self.claim(task_store, task_queue, "w3")
        assert after is not None
        assert after.task_id == second

    def test_renew_complete_and_fail_answer_the_holder_only(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        done, failed = self.enqueue(task_store, task_queue, at=1), self.enqueue(task_store, task_queue, at=2)
        first, second = self.claim(task_store, task_queue, "w1"), self.claim(task_store, task_queue, "w2")
        assert first is not None
        assert second is not None
        now = now_ms()
        stranger = replace(first, worker="w9")
        forged = replace(first, token=new_id())
        for lease in (stranger, forged):
            assert self.renew_and_complete(task_store, task_queue, lease) == (Standing.LOST, Standing.LOST)
        assert self.write(task_store, lambda tx: task_queue.renew(tx, first, now=now, lease_ms=LEASE_MS)) is (
            Standing.HELD
        )
        assert self.write(task_store, lambda tx: task_queue.complete(tx, first, now=now)) is Standing.HELD
        assert self.write(task_store, lambda tx: task_queue.fail(tx, second, "broken", now=now)) is Standing.HELD
        assert (self.status(task_store, done), self.status(task_store, failed)) == (TaskStatus.DONE, TaskStatus.FAILED)
        # once finished, the holder holds nothing
        assert self.write(task_store, lambda tx: task_queue.complete(tx, first, now=now)) is Standing.LOST
        assert self.write(task_store, lambda tx: task_queue.hold(tx, second))[0] is Standing.LOST
        with task_store.reading() as tx:
            task = tx.tasks.get(failed)
            assert task is not None
            assert task.error == "broken"

    def test_an_expired_lease_is_listed_and_its_task_runs_again_under_a_new_token(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        task_id = self.enqueue(task_store, task_queue)
        now = now_ms()
        stale = self.claim(task_store, task_queue, "w1", now=now)
        assert stale is not None
        with task_store.reading() as tx:
            assert task_queue.leased(tx, expired_before=now + LEASE_MS - 1) == []
        # until taken back, a late renewal still holds
        assert self.write(task_store, lambda tx: task_queue.hold(tx, stale))[0] is Standing.HELD

        def taking_back(tx: Transaction) -> list[str]:
            expired = task_queue.leased(tx, expired_before=now + LEASE_MS + 1)
            for task in expired:
                task_queue.requeue(tx, task, now=now)
            return [task.id for task in expired]

        assert self.write(task_store, taking_back) == [task_id]
        assert self.status(task_store, task_id) == TaskStatus.QUEUED
        fresh = self.claim(task_store, task_queue, "w1")  # the same worker, even
        assert fresh is not None
        assert fresh.task_id == task_id
        assert fresh.token != stale.token
        with task_store.reading() as tx:
            task = tx.tasks.get(task_id)
            assert task is not None
            assert task.attempts == 2

    def test_a_stale_worker_cannot_renew_complete_or_fail(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        """Fencing: the first holder's lease was taken over; nothing it sends changes the task."""
        task_id = self.enqueue(task_store, task_queue)
        stale = self.claim(task_store, task_queue, "w1")
        assert stale is not None

        def taking_back(tx: Transaction) -> None:
            (task,) = task_queue.leased(tx, worker="w1")
            task_queue.requeue(tx, task, now=now_ms())

        self.write(task_store, taking_back)
        current = self.claim(task_store, task_queue, "w2")
        assert current is not None
        now = now_ms()
        assert self.write(task_store, lambda tx: task_queue.renew(tx, stale, now=now, lease_ms=LEASE_MS)) is (
            Standing.LOST
        )
        assert self.write(task_store, lambda tx: task_queue.hold(tx, stale)) == (Standing.LOST, None)
        assert self.write(task_store, lambda tx: task_queue.complete(tx, stale, now=now)) is Standing.LOST
        assert self.write(task_store, lambda tx: task_queue.fail(tx, stale, "zombie", now=now)) is Standing.LOST
        assert self.status(task_store, task_id) == TaskStatus.RUNNING
        assert self.write(task_store, lambda tx: task_queue.complete(tx, current, now=now)) is Standing.HELD
        assert self.status(task_store, task_id) == TaskStatus.DONE

    def test_cancelling_a_queued_task_ends_it_and_a_running_one_tells_its_worker(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        running, waiting = self.enqueue(task_store, task_queue, at=1), self.enqueue(task_store, task_queue, at=2)
        lease = self.claim(task_store, task_queue, "w1")
        assert lease is not None
        assert lease.task_id == running
        now = now_ms()
        assert self.write(task_store, lambda tx: task_queue.cancel(tx, waiting, now=now)) is TaskStatus.CANCELLED
        assert self.write(task_store, lambda tx: task_queue.cancel(tx, running, now=now)) is TaskStatus.CANCELLING
        assert self.write(task_store, lambda tx: task_queue.cancel(tx, "no-such-task", now=now)) is None
        assert self.claim(task_store, task_queue, "w2") is None  # a cancelled task never runs
        assert self.write(task_store, lambda tx: task_queue.renew(tx, lease, now=now, lease_ms=LEASE_MS)) is (
            Standing.CANCELLED
        )
        assert self.write(task_store, lambda tx: task_queue.complete(tx, lease, now=now)) is Standing.CANCELLED
        assert self.status(task_store, running) == TaskStatus.CANCELLING
        assert self.write(task_store, lambda tx: task_queue.acknowledge_cancel(tx, running, now=now)) is True
        assert self.write(task_store, lambda tx: task_queue.acknowledge_cancel(tx, running, now=now)) is False
        assert self.status(task_store, running) == TaskStatus.CANCELLED

    def test_a_deleted_task_is_gone(self, task_store: MetadataStore, task_queue: TaskQueue) -> None:
        task_id = self.enqueue(task_store, task_queue)
        lease = self.claim(task_store, task_queue, "w1")
        assert lease is not None

        def deleting(tx: Transaction) -> None:
            task = tx.tasks.get(task_id)
            assert task is not None
            tx.session.delete(task)

        self.write(task_store, deleting)
        assert self.write(task_store, lambda tx: task_queue.hold(tx, lease)) == (Standing.GONE, None)

    def test_giving_up_fails_a_taken_back_task(self, task_store: MetadataStore, task_queue: TaskQueue) -> None:
        task_id = self.enqueue(task_store, task_queue)
        lease = self.claim(task_store, task_queue, "w1")
        assert lease is not None

        def giving_up(tx: Transaction) -> None:
            (task,) = task_queue.leased(tx, worker="w1")
            task_queue.end_lease(tx, task)
            task_queue.give_up(tx, task, "too many deaths", now=now_ms())

        self.write(task_store, giving_up)
        assert self.status(task_store, task_id) == TaskStatus.FAILED
        assert self.write(task_store, lambda tx: task_queue.hold(tx, lease))[0] is Standing.LOST

    def test_list_and_count_filter_by_document_and_status_oldest_first(
        self, task_store: MetadataStore, task_queue: TaskQueue
    ) -> None:
        document = self.document(task_store)
        base = now_ms()
        second = self.enqueue(task_store, task_queue, document_id=document, at=base + 2)
        first = self.enqueue(task_store, task_queue, document_id=document, at=base + 1)
        loose = self.enqueue(task_store, task_queue, at=base + 3)
        with task_store.reading() as tx:
            assert [task.id for task in task_queue.list_tasks(tx)] == [first, second, loose]
            assert [task.id for task in task_queue.list_tasks(tx, document_ids=[document])] == [first, second]
            assert task_queue.list_tasks(tx, document_ids=[]) == []
            assert task_queue.list_tasks(tx, statuses=[TaskStatus.RUNNING]) == []
            assert task_queue.count(tx, statuses=[TaskStatus.QUEUED]) == 3
            assert task_queue.count(tx, statuses=[TaskStatus.RUNNING, TaskStatus.DONE]) == 0
        self.write(task_store, lambda tx: task_queue.claim(tx, "w1", now=now_ms(), lease_ms=60_000))
        with task_store.reading() as tx:
            assert task_queue.count(tx, statuses=[TaskStatus.QUEUED]) == 2
            assert task_queue.count(tx, statuses=[TaskStatus.RUNNING, TaskStatus.QUEUED]) == 3

    def test_concurrent_claimers_never_share_a_task(self, task_store: MetadataStore, task_queue: TaskQueue) -> None:
        """At least once, never twice at once: claimers racing over the same tasks each get their own."""
        tasks = {self.enqueue(task_store, task_queue) for _ in range(24)}
        claimed: list[str] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        start = threading.Barrier(4)

        def claimer(name: str) -> None:
            try:
                start.wait()
                while (lease := self.claim(task_store, task_queue, name)) is not None:
                    with lock:
                        claimed.append(lease.task_id)
            except BaseException as error:  # reported below: a thread's exception is otherwise lost
                errors.append(error)

        threads = [threading.Thread(target=claimer, args=(f"w{number}",)) for number in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        assert sorted(claimed) == sorted(tasks)

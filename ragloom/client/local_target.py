"""An :class:`~ragloom.client.target.IngestTarget` on a data directory, with no server.

The services are opened in-process and act for one tenant (:meth:`TenantService.acting_tenant`:
the one named, else the only one). Parsing goes through the durable task queue like a server's:
the target starts a :class:`~ragloom.workers.pool.WorkerPool` of its own (``workers.count``
processes) the first time something must be parsed, and stops it when closed.

A server may run on the same data directory meanwhile (SQLite in WAL mode, tasks leased), but
this is meant for when none does. Before starting its workers the target takes back the tasks
held by workers of this host that no longer exist — those of an earlier ``ragloom ingest`` that
was killed — without counting that against their documents; other dead workers' tasks come
back when their lease runs out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

from ragloom.client.target import (
    DatasetRef,
    DatasetSummary,
    DocumentRun,
    ModelReport,
    OutgoingFile,
    RemoteDocument,
    WorkerLease,
    WorkerReport,
    recorded,
    runs_from_digits,
)
from ragloom.errors import DataError
from ragloom.services.container import Services
from ragloom.services.datasets import DatasetListing, NewDataset
from ragloom.services.documents import DocumentListing, IncomingFile, run_word
from ragloom.services.task_ledger import TakeBack
from ragloom.services.tenants import Caller
from ragloom.storage.metadata.documents import DocumentState
from ragloom.storage.metadata.tables import Document
from ragloom.workers.pool import WorkerPool
from ragloom.workers.process import worker_is_gone

STOP_GRACE_SECONDS = 10.0
PAGE_SIZE = 1000


def document_from_record(document: Document | DocumentState) -> RemoteDocument:
    """A stored document as the HTTP API would describe it."""
    meta, sha256, path = recorded(document.meta_fields, document.content_hash)
    return RemoteDocument(
        id=document.id,
        name=document.name,
        size=document.size,
        run=DocumentRun.of(run_word(document.run)),
        chunk_method=document.chunk_method,
        chunk_count=document.chunk_count,
        sha256=sha256,
        path=path,
        meta_fields=meta,
        log=document.progress_msg,
        begun_at=document.process_begin_at / 1000 if document.process_begin_at else None,
        duration=document.process_duration,
    )


class LocalTarget:
    """The data directory ``services`` were opened on, acting for ``tenant_id`` (or the only tenant)."""

    def __init__(self, services: Services, tenant_id: str | None = None) -> None:
        self._services = services
        tenant = services.tenants.acting_tenant(tenant_id)
        self._caller = Caller(tenant_id=tenant.id, key_id="")
        self._pool: WorkerPool | None = None

    @property
    def description(self) -> str:
        return str(self._services.settings.data_dir)

    @property
    def tenant_id(self) -> str:
        return self._caller.tenant_id

    def dataset(self, name: str, *, chunk_method: str | None, embedding_model: str | None) -> DatasetRef:
        try:
            views, _total = self._services.datasets.list_page(self._caller, DatasetListing(name=name, page_size=1))
        except DataError:  # "lacks permission": the tenant has no dataset of that name
            views = []
        if views:
            record = views[0].record
            return DatasetRef(record.id, record.name, record.chunk_method, embedding_model=record.embedding_model)
        spec = NewDataset(name=name, embedding_model=embedding_model, chunk_method=chunk_method or "naive")
        record = self._services.datasets.create(self._caller, spec).record
        return DatasetRef(
            record.id, record.name, record.chunk_method, created=True, embedding_model=record.embedding_model
        )

    def documents(self, dataset_id: str) -> list[RemoteDocument]:
        views, _total = self._services.documents.list_page(
            self._caller, dataset_id, DocumentListing(page=0, page_size=0, orderby="create_time", desc=False)
        )
        return [document_from_record(view.record) for view in views]

    def states(self, dataset_id: str, document_ids: Sequence[str]) -> list[RemoteDocument]:
        present = self._services.documents.states(self._caller, dataset_id, list(document_ids))
        return [document_from_record(document) for document in present]

    def content_sha256(self, dataset_id: str, document_id: str) -> str:
        recorded = self._services.documents.require(self._caller, dataset_id, document_id).content_hash
        if recorded:
            return recorded
        digest = hashlib.sha256()
        for block in self._services.documents.download(self._caller, dataset_id, document_id).chunks:
            digest.update(block)
        return digest.hexdigest()

    def upload(self, dataset_id: str, files: Sequence[OutgoingFile]) -> list[RemoteDocument]:
        with ExitStack() as stack:
            incoming = [
                IncomingFile(file.name, stack.enter_context(file.path.open("rb")), file.size, dict(file.meta_fields))
                for file in files
            ]
            stored = self._services.documents.upload(self._caller, dataset_id, incoming)
        return [document_from_record(document) for document in stored]

    def annotate(
        self, dataset_id: str, document_id: str, meta_fields: dict[str, Any], chunk_method: str | None
    ) -> None:
        values: dict[str, Any] = {"meta_fields": meta_fields}
        if chunk_method is not None:
            values["chunk_method"] = chunk_method
        self._services.documents.update(self._caller, dataset_id, document_id, values)

    def delete(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        self._services.documents.delete(self._caller, dataset_id, list(document_ids), False)

    def ready_to_parse(self, embedding_model: str = "") -> None:
        if self._pool is not None:
            return
        ledger = self._services.ledger
        for worker in sorted({task.worker for task in ledger.held() if worker_is_gone(task.worker)}):
            ledger.take_back_from(worker, TakeBack.WORKER_STOPPED)
        self._pool = WorkerPool(self._services.settings, ledger, warm=(embedding_model,) if embedding_model else ())
        self._pool.start()

    def parse(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        self.ready_to_parse()
        self._services.parsing.start(self._caller, dataset_id, list(document_ids), refuse_running=False)

    def datasets(self) -> list[DatasetSummary]:
        summaries: list[DatasetSummary] = []
        page = 1
        while True:
            views, total = self._services.datasets.list_page(
                self._caller, DatasetListing(page=page, page_size=PAGE_SIZE)
            )
            summaries += [
                DatasetSummary(
                    id=view.record.id,
                    name=view.record.name,
                    documents=view.counts.document_count,
                    chunks=view.counts.chunk_count,
                    embedding_model=view.record.embedding_model,
                    chunk_method=view.record.chunk_method,
                )
                for view in views
            ]
            if len(summaries) >= total or not views:
                return summaries
            page += 1

    def runs(self, dataset_id: str) -> dict[DocumentRun, int]:
        counted = self._services.documents.aggregate(self._caller, dataset_id, DocumentListing())
        return runs_from_digits(counted["filter"]["run_status"])

    def workers(self) -> WorkerReport:
        ledger = self._services.ledger
        leases = [
            WorkerLease(task.worker, task.task_id, task.subject, task.kind.value, task.lease_expires_at)
            for task in ledger.held()
        ]
        return WorkerReport(leases, ledger.queued_count(), "idle workers hold no task and are not listed")

    def models(self) -> ModelReport:
        chosen = self._services.model_defaults.get(self._caller)
        available: dict[str, list[str]] = {}
        for entry in self._services.model_defaults.available(self._caller):
            available.setdefault(entry.kind.value, []).append(str(entry.id))
        return ModelReport(
            {"llm_id": chosen.llm_id, "embd_id": chosen.embd_id, "rerank_id": chosen.rerank_id}, available
        )

    def close(self) -> None:
        try:
            if self._pool is not None:
                self._pool.stop(STOP_GRACE_SECONDS)
        finally:
            self._services.close()

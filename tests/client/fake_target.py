"""An in-memory :class:`~ragloom.client.target.IngestTarget`: a peer of the HTTP and local ones
for testing the ingest logic without a server. Like the HTTP API, its document listing does not
show content hashes (only what ``meta_fields`` records); an upload answer does."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ragloom.client.target import (
    DatasetRef,
    DatasetSummary,
    DocumentRun,
    ModelReport,
    OutgoingFile,
    RemoteDocument,
    WorkerReport,
)
from ragloom.errors import ArgumentError
from ragloom.services.names import first_free_name


class Killed(BaseException):
    """The process was killed here (a BaseException, like the signal, so nothing catches it)."""


@dataclass
class FakeTarget:
    """``refuse`` names files an upload refuses; ``failing`` names files whose parse fails;
    ``kill_at_annotation`` kills the run at that annotation (counting from 1); with
    ``meta_with_upload`` an upload sets the files' ``meta_fields``, as the local target does."""

    refuse: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    kill_at_annotation: int | None = None
    chunks_per_document: int = 2
    meta_with_upload: bool = False
    stored: dict[str, RemoteDocument] = field(default_factory=dict)
    content: dict[str, bytes] = field(default_factory=dict)
    uploads: list[list[str]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    annotations: int = 0
    _next: int = 0

    @property
    def description(self) -> str:
        return "memory"

    def dataset(self, name: str, *, chunk_method: str | None, embedding_model: str | None) -> DatasetRef:
        return DatasetRef("ds", name, chunk_method or "naive")

    def documents(self, dataset_id: str) -> list[RemoteDocument]:
        return [self._listed(document) for document in self.stored.values()]

    def _listed(self, document: RemoteDocument) -> RemoteDocument:
        recorded = document.meta_fields.get("ingest_sha256")
        return replace(document, sha256=recorded if isinstance(recorded, str) else None)

    def states(self, dataset_id: str, document_ids: Sequence[str]) -> list[RemoteDocument]:
        for document_id in document_ids:  # one poll finishes every running parse
            document = self.stored.get(document_id)
            if document is not None and document.run is DocumentRun.RUNNING:
                failing = document.name in self.failing
                self.stored[document_id] = replace(
                    document,
                    run=DocumentRun.FAIL if failing else DocumentRun.DONE,
                    chunk_count=0 if failing else self.chunks_per_document,
                    log="12:00:00 Task is queued.\n12:00:01 [ERROR] The file is corrupt\n" if failing else "",
                )
        return [self._listed(self.stored[key]) for key in document_ids if key in self.stored]

    def content_sha256(self, dataset_id: str, document_id: str) -> str:
        self.downloads.append(document_id)
        return hashlib.sha256(self.content[document_id]).hexdigest()

    def upload(self, dataset_id: str, files: Sequence[OutgoingFile]) -> list[RemoteDocument]:
        refused = [file.name for file in files if file.name in self.refuse]
        if refused:
            raise ArgumentError(f"File {refused[0]} is over the limit.")
        self.uploads.append([file.name for file in files])
        made = []
        for file in files:
            self._next += 1
            data = file.path.read_bytes()
            name = first_free_name(file.name, lambda taken: any(d.name == taken for d in self.stored.values()))
            meta = dict(file.meta_fields) if self.meta_with_upload else {}
            path = meta.get("ingest_path")
            document = RemoteDocument(
                id=f"doc{self._next}",
                name=name,
                size=len(data),
                run=DocumentRun.UNSTART,
                chunk_method="naive",
                meta_fields=meta,
                path=path if isinstance(path, str) else None,
            )
            self.stored[document.id], self.content[document.id] = document, data
            made.append(replace(document, sha256=hashlib.sha256(data).hexdigest()))
        return made

    def annotate(
        self, dataset_id: str, document_id: str, meta_fields: dict[str, Any], chunk_method: str | None
    ) -> None:
        self.annotations += 1
        if self.kill_at_annotation is not None and self.annotations >= self.kill_at_annotation:
            raise Killed
        path = meta_fields.get("ingest_path")
        self.stored[document_id] = replace(
            self.stored[document_id],
            meta_fields=dict(meta_fields),
            path=path if isinstance(path, str) else None,
            chunk_method=chunk_method or self.stored[document_id].chunk_method,
        )

    def delete(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        for document_id in document_ids:
            del self.stored[document_id]

    def ready_to_parse(self, embedding_model: str = "") -> None:
        pass

    def parse(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        for document_id in document_ids:
            self.stored[document_id] = replace(self.stored[document_id], run=DocumentRun.RUNNING, log="")

    def datasets(self) -> list[DatasetSummary]:
        return [DatasetSummary("ds", "fake", len(self.stored), 0, "", "naive")]

    def runs(self, dataset_id: str) -> dict[DocumentRun, int]:
        counts: dict[DocumentRun, int] = {}
        for document in self.stored.values():
            counts[document.run] = counts.get(document.run, 0) + 1
        return counts

    def workers(self) -> WorkerReport:
        return WorkerReport([], 0)

    def models(self) -> ModelReport:
        return ModelReport({}, {})

    def close(self) -> None:
        pass

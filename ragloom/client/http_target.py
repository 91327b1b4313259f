"""An :class:`~ragloom.client.target.IngestTarget` over the public HTTP API (``/api/v1``).

Only RAGFlow's public routes are used for documents, so a RAGFlow server works too; ``status``
also reads ragloom's ``/models`` and ``/tenant/models``, and the workers from the
``task_executor_heartbeats`` of ``/system/status``.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Sequence
from contextlib import ExitStack
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

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
from ragloom.errors import RemoteError, RetCode

PAGE_SIZE = 100  # the most a page may hold
IDS_PER_REQUEST = 100  # the list route takes at most 100 ids
TIMEOUT_SECONDS = 300.0


def document_from_item(item: dict[str, Any]) -> RemoteDocument:
    """A document from an item of an upload or list answer."""
    meta, sha256, path = recorded(item.get("meta_fields"), item.get("content_hash"))
    return RemoteDocument(
        id=str(item["id"]),
        name=str(item.get("name", "")),
        size=int(item.get("size") or 0),
        run=DocumentRun.of(str(item.get("run", ""))),
        chunk_method=str(item.get("chunk_method") or ""),
        chunk_count=int(item.get("chunk_count") or 0),
        sha256=sha256,
        path=path,
        meta_fields=meta,
        log=str(item.get("progress_msg") or ""),
        begun_at=_epoch(item.get("process_begin_at")),
        duration=float(item.get("process_duration") or 0.0),
    )


def _epoch(value: object) -> float | None:
    """Epoch seconds from an HTTP date (``process_begin_at``), or ``None``."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


class HttpTarget:
    """A running server, reached at ``server`` with an API key (one tenant's)."""

    def __init__(self, server: str, api_key: str, *, client: httpx.Client | None = None) -> None:
        """``client`` replaces the HTTP client (tests pass one bound to an in-process app); it
        must send ``/api/v1`` paths to ``server`` with the key, as the default one does."""
        self._server = server.rstrip("/")
        self._client = client or httpx.Client(
            base_url=f"{self._server}/api/v1",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=TIMEOUT_SECONDS,
        )

    @property
    def description(self) -> str:
        return self._server

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The ``data`` of a successful answer; :class:`RemoteError` with the server's message otherwise."""
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise RemoteError(f"cannot reach {self._server}: {error}") from None
        try:
            body = response.json()
        except ValueError:
            raise RemoteError(f"{method} {path}: HTTP {response.status_code}, not a JSON answer") from None
        code = body.get("code") if isinstance(body, dict) else None
        if code != 0:
            message = body.get("message") if isinstance(body, dict) else None
            known = code if code in RetCode._value2member_map_ else None
            raise RemoteError(
                f"{method} {path}: {message or f'HTTP {response.status_code}'}",
                code=RetCode(known) if known is not None else None,
            )
        return body.get("data")

    def dataset(self, name: str, *, chunk_method: str | None, embedding_model: str | None) -> DatasetRef:
        try:
            found = self._call("GET", "/datasets", params={"name": name, "page_size": 1})
        except RemoteError as error:
            if error.code is not RetCode.DATA_ERROR:  # "lacks permission": no dataset of that name
                raise
            found = []
        if found:
            return DatasetRef(
                found[0]["id"],
                found[0]["name"],
                found[0].get("chunk_method", ""),
                embedding_model=found[0].get("embedding_model", ""),
            )
        body: dict[str, Any] = {"name": name}
        if chunk_method is not None:
            body["chunk_method"] = chunk_method
        if embedding_model is not None:
            body["embedding_model"] = embedding_model
        created = self._call("POST", "/datasets", json=body)
        return DatasetRef(
            created["id"],
            created["name"],
            created.get("chunk_method", ""),
            created=True,
            embedding_model=created.get("embedding_model", ""),
        )

    def documents(self, dataset_id: str) -> list[RemoteDocument]:
        return self._listed(dataset_id, {})

    def _listed(self, dataset_id: str, params: dict[str, Any]) -> list[RemoteDocument]:
        documents: list[RemoteDocument] = []
        page = 1
        while True:
            data = self._call(
                "GET",
                f"/datasets/{dataset_id}/documents",
                params={**params, "page": page, "page_size": PAGE_SIZE, "orderby": "create_time", "desc": "false"},
            )
            items = data.get("docs") or []
            documents += [document_from_item(item) for item in items]
            if len(items) < PAGE_SIZE:
                return documents
            page += 1

    def states(self, dataset_id: str, document_ids: Sequence[str]) -> list[RemoteDocument]:
        # The running ones in one listing; only those that finished since are asked for by id.
        wanted = set(document_ids)
        running = [doc for doc in self._listed(dataset_id, {"run": "RUNNING"}) if doc.id in wanted]
        finished = sorted(wanted - {doc.id for doc in running})
        for start in range(0, len(finished), IDS_PER_REQUEST):
            batch = finished[start : start + IDS_PER_REQUEST]
            try:
                running += self._listed(dataset_id, {"ids": batch})
            except RemoteError:  # one of them was deleted meanwhile: ask one by one
                for document_id in batch:
                    try:
                        running += self._listed(dataset_id, {"id": document_id})
                    except RemoteError:
                        continue
        return running

    def content_sha256(self, dataset_id: str, document_id: str) -> str:
        digest = hashlib.sha256()
        try:
            with self._client.stream("GET", f"/datasets/{dataset_id}/documents/{document_id}") as response:
                if response.headers.get("content-type", "").startswith("application/json"):
                    response.read()
                    message = json.loads(response.text).get("message", "")
                    raise RemoteError(f"cannot download document {document_id}: {message}")
                for block in response.iter_bytes():
                    digest.update(block)
        except httpx.HTTPError as error:
            raise RemoteError(f"cannot reach {self._server}: {error}") from None
        return digest.hexdigest()

    def upload(self, dataset_id: str, files: Sequence[OutgoingFile]) -> list[RemoteDocument]:
        with ExitStack() as stack:
            parts = [
                (
                    "file",
                    (
                        file.name,
                        stack.enter_context(file.path.open("rb")),
                        mimetypes.guess_type(file.name)[0] or "application/octet-stream",
                    ),
                )
                for file in files
            ]
            data = self._call("POST", f"/datasets/{dataset_id}/documents", files=parts)
        return [document_from_item(item) for item in data]

    def annotate(
        self, dataset_id: str, document_id: str, meta_fields: dict[str, Any], chunk_method: str | None
    ) -> None:
        body: dict[str, Any] = {"meta_fields": meta_fields}
        if chunk_method is not None:
            body["chunk_method"] = chunk_method
        self._call("PATCH", f"/datasets/{dataset_id}/documents/{document_id}", json=body)

    def delete(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        self._call("DELETE", f"/datasets/{dataset_id}/documents", json={"ids": list(document_ids)})

    def ready_to_parse(self, embedding_model: str = "") -> None:
        """The server's workers parse."""

    def parse(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        self._call("POST", f"/datasets/{dataset_id}/chunks", json={"document_ids": list(document_ids)})

    def datasets(self) -> list[DatasetSummary]:
        summaries: list[DatasetSummary] = []
        page = 1
        while True:
            items = self._call("GET", "/datasets", params={"page": page, "page_size": PAGE_SIZE}) or []
            summaries += [
                DatasetSummary(
                    id=item["id"],
                    name=item["name"],
                    documents=int(item.get("document_count") or 0),
                    chunks=int(item.get("chunk_count") or 0),
                    embedding_model=str(item.get("embedding_model") or ""),
                    chunk_method=str(item.get("chunk_method") or ""),
                )
                for item in items
            ]
            if len(items) < PAGE_SIZE:
                return summaries
            page += 1

    def runs(self, dataset_id: str) -> dict[DocumentRun, int]:
        data = self._call("GET", f"/datasets/{dataset_id}/documents", params={"type": "filter"})
        return runs_from_digits(data.get("filter", {}).get("run_status") or {})

    def workers(self) -> WorkerReport:
        status = self._call("GET", "/system/status")
        beats = status.get("task_executor_heartbeats") or {}
        leases: list[WorkerLease] = []
        queued: int | None = None
        for worker, reports in beats.items():
            latest = reports[-1] if isinstance(reports, list) and reports else {}
            queued = latest.get("pending", queued)
            for task_id, task in (latest.get("current") or {}).items():
                leases.append(
                    WorkerLease(
                        worker=worker,
                        task_id=task_id,
                        subject=str(task.get("subject", "")),
                        kind=str(task.get("kind", "")),
                        lease_expires_at=task.get("lease_expires_at"),
                    )
                )
        note = "" if "task_executor_heartbeats" in status else "this server does not report its workers"
        return WorkerReport(leases, queued, note or "idle workers hold no task and are not listed")

    def models(self) -> ModelReport:
        defaults = self._call("GET", "/tenant/models") or {}
        available: dict[str, list[str]] = {}
        for entry in self._call("GET", "/models") or []:
            available.setdefault(str(entry.get("model_type", "")), []).append(str(entry.get("id", "")))
        return ModelReport({key: str(value) for key, value in defaults.items()}, available)

    def close(self) -> None:
        self._client.close()

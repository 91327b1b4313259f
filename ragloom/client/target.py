"""Where a client command sends documents: one small interface, two implementations.

:class:`IngestTarget` is what ``ragloom ingest`` and ``ragloom status`` need of a ragloom
(or RAGFlow) deployment. :class:`~ragloom.client.http_target.HttpTarget` speaks the public HTTP
API (``/api/v1``) of a running server; :class:`~ragloom.client.local_target.LocalTarget` opens a
data directory's stores in-process and parses with a worker pool of its own. Both describe
documents the way the HTTP API does (run states as RAGFlow's words), so the code above them
cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from ragloom.services.documents import run_word

META_SHA256 = "ingest_sha256"
"""The ``meta_fields`` key holding the SHA-256 of the file a document was ingested from."""
META_PATH = "ingest_path"
"""The ``meta_fields`` key holding the path (relative to the folder walked) it was ingested from."""


class DocumentRun(StrEnum):
    """A document's parse state, as the HTTP API words it (``run``)."""

    UNSTART = "UNSTART"  # uploaded, never parsed (or reset)
    RUNNING = "RUNNING"  # queued or being parsed
    CANCEL = "CANCEL"  # the parse was stopped
    DONE = "DONE"  # parsed: its chunks are searchable
    FAIL = "FAIL"  # the parse failed; the reason is the last [ERROR] line of its log

    @property
    def finished(self) -> bool:
        """Whether a parse that was started has ended (well or not)."""
        return self in (DocumentRun.DONE, DocumentRun.FAIL, DocumentRun.CANCEL)

    @classmethod
    def of(cls, word: str) -> DocumentRun:
        """The state for a wire word; an unknown word is ``UNSTART``, as RAGFlow shows ``SCHEDULE``."""
        return cls(word) if word in cls._value2member_map_ else cls.UNSTART


def runs_from_digits(run_status: dict[str, Any]) -> dict[DocumentRun, int]:
    """Counts by state from the ``run_status`` of a document aggregate (keyed by stored digit)."""
    counts: dict[DocumentRun, int] = {}
    for digit, count in run_status.items():
        state = DocumentRun.of(run_word(str(digit)))
        counts[state] = counts.get(state, 0) + int(count)
    return counts


def recorded(meta_fields: object, content_hash: str | None) -> tuple[dict[str, Any], str | None, str | None]:
    """``meta_fields`` as a dict, the file hash it records (else ``content_hash``, if known) and the path."""
    meta = dict(meta_fields) if isinstance(meta_fields, dict) else {}
    sha256, path = meta.get(META_SHA256), meta.get(META_PATH)
    return (
        meta,
        sha256 if isinstance(sha256, str) else content_hash or None,
        path if isinstance(path, str) else None,
    )


@dataclass(frozen=True)
class DatasetRef:
    """The dataset documents go into."""

    id: str
    name: str
    chunk_method: str
    created: bool = False
    embedding_model: str = ""


@dataclass(frozen=True)
class RemoteDocument:
    """A document as the target reports it.

    ``sha256`` is the content hash when the target knows it (from ``meta_fields`` or the
    stored file's own hash), else ``None``: :meth:`IngestTarget.content_sha256` finds it."""

    id: str
    name: str
    size: int
    run: DocumentRun
    chunk_method: str = ""
    chunk_count: int = 0
    sha256: str | None = None
    path: str | None = None
    meta_fields: dict[str, Any] = field(default_factory=dict)
    log: str = ""
    begun_at: float | None = None
    """When a worker took up its last parse (epoch seconds, by the server's clock; over HTTP to the second)."""
    duration: float = 0.0
    """How long that parse took, in seconds (once it finished)."""

    @property
    def finished_at(self) -> float | None:
        """When its last parse ended, by the server's clock, if it began."""
        return self.begun_at + self.duration if self.begun_at is not None else None

    @property
    def failure(self) -> str:
        """Why the last parse failed: the last ``[ERROR]`` line of the log without its time, or the last line."""
        lines = [line.strip() for line in self.log.splitlines() if line.strip()]
        errors = [line for line in lines if "[ERROR]" in line]
        last = (errors or lines or ["no reason given"])[-1]
        return last.split("[ERROR]", 1)[1].strip() if "[ERROR]" in last else last


@dataclass(frozen=True)
class OutgoingFile:
    """A file to upload under ``name`` (a document name: no folders), and the ``meta_fields`` its
    document should have: a target that can set them with the upload does (one write for the
    batch), one that cannot leaves them for :meth:`IngestTarget.annotate`."""

    path: Path
    name: str
    size: int
    meta_fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetSummary:
    """One dataset in ``ragloom status``."""

    id: str
    name: str
    documents: int
    chunks: int
    embedding_model: str
    chunk_method: str


@dataclass(frozen=True)
class WorkerLease:
    """A worker holding a task: who, on what, until when (epoch ms; ``None`` if unknown)."""

    worker: str
    task_id: str
    subject: str
    kind: str
    lease_expires_at: int | None = None


@dataclass(frozen=True)
class WorkerReport:
    """What is known about the workers: those holding tasks, and how many tasks wait.

    ``note`` says what the target cannot see (idle workers leave no trace in the database)."""

    leases: list[WorkerLease]
    queued: int | None
    note: str = ""


@dataclass(frozen=True)
class ModelReport:
    """The caller's default models and every model it can use, by kind."""

    defaults: dict[str, str]
    available: dict[str, list[str]]


class IngestTarget(Protocol):
    """A deployment documents are ingested into, acting for one tenant.

    Every method raises :class:`~ragloom.errors.RagloomError` (a
    :class:`~ragloom.errors.RemoteError` over HTTP) with a one-line message when it fails.
    """

    @property
    def description(self) -> str:
        """Where the target is, for messages: a URL or a data directory."""
        ...

    def dataset(self, name: str, *, chunk_method: str | None, embedding_model: str | None) -> DatasetRef:
        """The caller's dataset called ``name`` (case-insensitively), created with the given
        chunk method and embedding model when there is none."""
        ...

    def documents(self, dataset_id: str) -> list[RemoteDocument]:
        """Every document of the dataset."""
        ...

    def states(self, dataset_id: str, document_ids: Sequence[str]) -> list[RemoteDocument]:
        """The current state of those documents (ids of deleted ones are left out)."""
        ...

    def content_sha256(self, dataset_id: str, document_id: str) -> str:
        """The SHA-256 of the document's stored file (reading it if need be)."""
        ...

    def upload(self, dataset_id: str, files: Sequence[OutgoingFile]) -> list[RemoteDocument]:
        """Upload the files in one request, all or none; the documents in the same order."""
        ...

    def annotate(
        self, dataset_id: str, document_id: str, meta_fields: dict[str, Any], chunk_method: str | None
    ) -> None:
        """Replace the document's ``meta_fields`` and, if given, set its chunk method."""
        ...

    def delete(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        """Delete documents of the dataset."""
        ...

    def ready_to_parse(self, embedding_model: str = "") -> None:
        """Make sure something parses queued documents: a server's own workers do; the local
        target starts its worker pool (and takes back tasks of workers that died with an earlier run),
        whose workers load ``embedding_model`` while the files are uploaded."""
        ...

    def parse(self, dataset_id: str, document_ids: Sequence[str]) -> None:
        """Start parsing the documents (their earlier chunks are replaced)."""
        ...

    def datasets(self) -> list[DatasetSummary]:
        """The caller's datasets."""
        ...

    def runs(self, dataset_id: str) -> dict[DocumentRun, int]:
        """How many documents of the dataset are in each state."""
        ...

    def workers(self) -> WorkerReport:
        """The workers holding tasks and the number of queued tasks."""
        ...

    def models(self) -> ModelReport:
        """The caller's default models and the models it may use."""
        ...

    def close(self) -> None:
        """Release connections, stop workers this target started."""
        ...

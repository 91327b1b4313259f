"""One ``ragloom ingest`` run: files found by a walk go into a dataset, and are parsed.

The steps, for each batch of files (at most ``batch_files`` files or ``batch_bytes`` bytes):

1. Hash each file and decide what to do with it from what the dataset holds
   (:class:`~ragloom.client.resume.Inventory`): a file whose content is there already is not
   uploaded again; with ``parse``, its document is parsed if it never was (or failed, or was
   stopped) and waited for if it is being parsed.
2. Upload the new files in one request; if the request is refused, upload them one by one so
   that one bad file fails alone.
3. Record in each new document's ``meta_fields`` its file's hash and path (what makes the next
   run skip it) — the local target records them with the upload itself, in the same write; over
   HTTP they are set on each document after — and delete documents ingested earlier from the
   same path whose content changed.
4. With ``parse``, start parsing the batch's documents, so the server parses while the next
   batch uploads.

Then wait until every document this run parses has finished. The throughput it reports is
documents parsed and their chunks divided by the time parsing took: from the moment a worker took
up the first document this run parsed to the end of the last one, by the server's clock (the times
each document records; over HTTP they are given to the second). Uploading, and workers starting,
before that are not counted; the report's ``total_seconds`` is the whole run. The ingestion
benchmark (``benchmarks/ingestion.py``) divides the same counts by a narrower time: its pipeline
alone over documents uploaded before, with the model loaded, without the queue's claims and
outcomes or uploads running beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from ragloom.client.resume import Decision, Inventory, Planned, file_sha256
from ragloom.client.target import (
    META_PATH,
    META_SHA256,
    DatasetRef,
    DocumentRun,
    IngestTarget,
    OutgoingFile,
    RemoteDocument,
)
from ragloom.client.walk import FoundFile, SkippedFile, Walk
from ragloom.errors import RagloomError, RemoteError, RetCode

BATCH_FILES = 32
BATCH_BYTES = 32 * 1024 * 1024
POLL_SECONDS = 0.5


class FileOutcome(StrEnum):
    """What happened to one file in the upload phase."""

    UPLOADED = "uploaded"
    PRESENT = "already uploaded"
    DUPLICATE = "duplicate"
    FAILED = "failed"


@dataclass(frozen=True)
class Failure:
    """A file that could not be ingested: at which stage, and the message to show."""

    relative: str
    stage: str  # "read", "upload" or "parse"
    message: str


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest; ``chunk_method`` and ``embedding_model`` apply when the dataset is created
    (``chunk_method`` is also set on new documents of a dataset that has another)."""

    dataset: str
    parse: bool = False
    chunk_method: str | None = None
    embedding_model: str | None = None
    batch_files: int = BATCH_FILES
    batch_bytes: int = BATCH_BYTES
    poll_seconds: float = POLL_SECONDS


@dataclass
class IngestReport:
    """What a run did; ``parse_seconds`` is the parse phase's wall time (see the module docstring)."""

    dataset: DatasetRef | None = None
    found: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    uploaded: int = 0
    uploaded_bytes: int = 0
    present: int = 0
    duplicates: int = 0
    replaced: int = 0
    parsed: int = 0
    chunks: int = 0
    already_parsed: int = 0
    failures: list[Failure] = field(default_factory=list)
    upload_seconds: float = 0.0
    parse_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def throughput_line(self) -> str:
        """``Ingested N files (M chunks) in S s: X files/s, Y chunks/s`` over the parse phase."""
        if not self.parsed and not self.parse_seconds:
            return f"Nothing was left to parse ({self.already_parsed} documents were parsed before)."
        seconds = max(self.parse_seconds, 1e-9)
        return (
            f"Ingested {self.parsed} files ({self.chunks} chunks) in {self.parse_seconds:.1f} s: "
            f"{self.parsed / seconds:.2f} files/s, {self.chunks / seconds:.2f} chunks/s"
        )

    def upload_line(self) -> str:
        """``Uploaded N files (B MiB) in S s: X files/s``."""
        seconds = max(self.upload_seconds, 1e-9)
        return (
            f"Uploaded {self.uploaded} files ({self.uploaded_bytes / 1048576:.1f} MiB) in {self.upload_seconds:.1f} s: "
            f"{self.uploaded / seconds:.2f} files/s"
        )


class IngestObserver(Protocol):
    """Told what a run does as it happens (a progress display)."""

    def upload_started(self, files: int, total_bytes: int) -> None:
        """The upload phase begins over ``files`` files of ``total_bytes`` bytes."""

    def file_done(self, file: FoundFile, outcome: FileOutcome) -> None:
        """One file went through the upload phase."""

    def parse_progress(self, total: int, done: int, failed: int, chunks: int) -> None:
        """Of ``total`` documents this run parses so far, ``done`` finished well with ``chunks``
        chunks between them and ``failed`` did not."""

    def note(self, message: str) -> None:
        """Something worth a line of its own."""


def batches(files: Sequence[FoundFile], max_files: int, max_bytes: int) -> Iterator[list[FoundFile]]:
    """Consecutive groups of at most ``max_files`` files and ``max_bytes`` bytes (a larger file alone)."""
    batch: list[FoundFile] = []
    size = 0
    for file in files:
        if batch and (len(batch) >= max_files or size + file.size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(file)
        size += file.size
    if batch:
        yield batch


def _abort_on_unreachable(error: RagloomError) -> None:
    """A server that cannot be reached fails the whole run, not each file in turn."""
    if isinstance(error, RemoteError) and error.code is RetCode.CONNECTION_ERROR:
        raise error


class Ingestion:
    """One run of ``ragloom ingest`` against ``target``; see the module docstring."""

    def __init__(
        self,
        target: IngestTarget,
        options: IngestOptions,
        observer: IngestObserver,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._target = target
        self._options = options
        self._observer = observer
        self._clock = clock
        self._sleep = sleep
        self._report = IngestReport()
        self._pending: dict[str, str] = {}  # document id -> relative path of its file
        self._parse_started: float | None = None
        self._last_poll = 0.0
        self._wall_started = wall_clock()
        self._window: tuple[float, float] | None = None  # first parse began, last ended (server clock)

    def run(self, walk: Walk) -> IngestReport:
        report = self._report
        report.found, report.skipped = len(walk.files), list(walk.skipped)
        options = self._options
        dataset = self._target.dataset(
            options.dataset, chunk_method=options.chunk_method, embedding_model=options.embedding_model
        )
        report.dataset = dataset
        inventory = Inventory(self._target.documents(dataset.id))
        if options.parse:
            self._target.ready_to_parse(dataset.embedding_model)
        self._observer.upload_started(len(walk.files), sum(file.size for file in walk.files))
        started = self._clock()
        for batch in batches(walk.files, options.batch_files, options.batch_bytes):
            self._batch(dataset, inventory, batch)
            self._poll(wait=False)
        report.upload_seconds = self._clock() - started
        while self._pending:
            self._sleep(options.poll_seconds)
            self._poll(wait=True)
        report.total_seconds = self._clock() - started
        return report

    # ---- one batch --------------------------------------------------------------------------

    def _batch(self, dataset: DatasetRef, inventory: Inventory, batch: list[FoundFile]) -> None:
        plans = [plan for plan in (self._plan(dataset, inventory, file) for file in batch) if plan is not None]
        to_parse = [plan for plan in plans if plan.decision is Decision.PARSE]
        for plan in plans:
            if plan.decision is not Decision.UPLOAD:
                self._settled(plan)
        uploads = [plan for plan in plans if plan.decision is Decision.UPLOAD]
        for plan, document in self._upload(dataset, uploads):
            inventory.add(document)
            stale = [old.id for old in inventory.replaced_by(plan.file, plan.sha256) if old.id != document.id]
            if stale:
                self._target.delete(dataset.id, stale)
                inventory.forget(stale)
                self._report.replaced += len(stale)
                self._observer.note(f"{plan.file.relative} changed: replaced its earlier document")
            to_parse.append(Planned(plan.file, plan.sha256, Decision.PARSE, document))
        if self._options.parse and to_parse:
            self._start_parsing(dataset, to_parse)

    def _plan(self, dataset: DatasetRef, inventory: Inventory, file: FoundFile) -> Planned | None:
        """Hash ``file`` and decide; ``None`` (a failure recorded) when it cannot be read."""
        try:
            sha256 = file_sha256(file.path)
        except OSError as error:
            self._fail_file(file, "read", f"cannot be read: {error.strerror or error}")
            return None
        for candidate in inventory.candidates(file):
            # Uploaded by a run killed before it recorded the hash: learn it from the stored bytes.
            found = self._target.content_sha256(dataset.id, candidate.id)
            if found == sha256:
                meta = {**candidate.meta_fields, META_SHA256: found, META_PATH: file.relative}
                self._target.annotate(dataset.id, candidate.id, meta, None)
                candidate = replace(candidate, path=file.relative, meta_fields=meta)
            inventory.add(replace(candidate, sha256=found))
        return inventory.plan(file, sha256, parse=self._options.parse)

    def _settled(self, plan: Planned) -> None:
        """A file whose content the dataset holds already."""
        report = self._report
        if plan.decision is Decision.DUPLICATE:
            report.duplicates += 1
            report.skipped.append(SkippedFile(plan.file.relative, f"same content as {plan.duplicate_of}"))
            self._observer.file_done(plan.file, FileOutcome.DUPLICATE)
            return
        report.present += 1
        if plan.decision is Decision.DONE:
            report.already_parsed += 1
        elif plan.decision is Decision.WAIT and plan.document is not None:
            self._await(plan.document.id, plan.file.relative)
        self._observer.file_done(plan.file, FileOutcome.PRESENT)

    def _upload(self, dataset: DatasetRef, plans: list[Planned]) -> list[tuple[Planned, RemoteDocument]]:
        """Upload the files, the batch in one request or, refused, one by one; annotate each."""
        if not plans:
            return []
        try:
            documents = self._target.upload(dataset.id, [_outgoing(plan) for plan in plans])
            uploaded = list(zip(plans, documents, strict=True))
        except RagloomError as error:
            _abort_on_unreachable(error)
            if len(plans) == 1:
                self._fail_file(plans[0].file, "upload", error.message)
                return []
            return [pair for plan in plans for pair in self._upload(dataset, [plan])]
        annotated = []
        for plan, document in uploaded:
            chunk_method = self._chunk_method_for(dataset, document)
            meta = {**document.meta_fields, META_SHA256: plan.sha256, META_PATH: plan.file.relative}
            try:
                if chunk_method is not None or meta != document.meta_fields:  # not recorded with the upload
                    self._target.annotate(dataset.id, document.id, meta, chunk_method)
            except RagloomError as error:
                _abort_on_unreachable(error)
                self._fail_file(plan.file, "upload", f"uploaded, but its hash could not be recorded: {error.message}")
                continue
            self._report.uploaded += 1
            self._report.uploaded_bytes += plan.file.size
            self._observer.file_done(plan.file, FileOutcome.UPLOADED)
            annotated.append((plan, replace(document, sha256=plan.sha256, path=plan.file.relative, meta_fields=meta)))
        return annotated

    def _chunk_method_for(self, dataset: DatasetRef, document: RemoteDocument) -> str | None:
        """The chunk method to set on a new document: the one asked for, if the dataset's differs
        and the server gave the document the dataset's (pictures, slides and mail keep their own)."""
        wanted = self._options.chunk_method
        if wanted is None or wanted == dataset.chunk_method:
            return None
        return wanted if document.chunk_method == dataset.chunk_method else None

    def _start_parsing(self, dataset: DatasetRef, plans: list[Planned]) -> None:
        ids = [plan.document.id for plan in plans if plan.document is not None]
        try:
            self._target.parse(dataset.id, ids)
        except RagloomError as error:
            _abort_on_unreachable(error)
            for plan in plans:
                self._fail_file(plan.file, "parse", error.message)
            return
        for plan in plans:
            if plan.document is not None:
                self._await(plan.document.id, plan.file.relative)

    # ---- parsing ----------------------------------------------------------------------------

    def _await(self, document_id: str, relative: str) -> None:
        if self._parse_started is None:
            self._parse_started = self._clock()
        self._pending[document_id] = relative
        self._show_parsing()

    def _poll(self, *, wait: bool) -> None:
        """Look at the pending documents (at most every ``poll_seconds`` unless ``wait``)."""
        now = self._clock()
        if not self._pending or (not wait and now - self._last_poll < self._options.poll_seconds):
            return
        self._last_poll = now
        assert self._report.dataset is not None
        states = {doc.id: doc for doc in self._target.states(self._report.dataset.id, list(self._pending))}
        for document_id, relative in list(self._pending.items()):
            document = states.get(document_id)
            if document is not None and not document.run.finished:
                continue
            del self._pending[document_id]
            if document is None:
                self._report.failures.append(Failure(relative, "parse", "the document was deleted while parsing"))
            elif document.run is DocumentRun.DONE:
                self._report.parsed += 1
                self._report.chunks += document.chunk_count
            elif document.run is DocumentRun.CANCEL:
                self._report.failures.append(Failure(relative, "parse", "parsing was stopped"))
            else:
                self._report.failures.append(Failure(relative, "parse", document.failure))
            self._timed(document)
        self._show_parsing()

    def _timed(self, document: RemoteDocument | None) -> None:
        """Widen the parse window to a finished document's: the server's times when it gives
        them (from the start of the first parse of this run to the end of the last), else the
        client's clock from its first parse request."""
        begun, ended = (document.begun_at, document.finished_at) if document is not None else (None, None)
        if begun is not None and ended is not None:
            begun = max(begun, self._wall_started)  # a parse an earlier run saw begin counts from now
            self._window = (
                (min(self._window[0], begun), max(self._window[1], ended)) if self._window else (begun, ended)
            )
            self._report.parse_seconds = self._window[1] - self._window[0]
        elif self._window is None:
            assert self._parse_started is not None
            self._report.parse_seconds = self._clock() - self._parse_started

    def _show_parsing(self) -> None:
        report = self._report
        failed = sum(1 for failure in report.failures if failure.stage == "parse")
        total = report.parsed + failed + len(self._pending)
        self._observer.parse_progress(total, report.parsed, failed, report.chunks)

    def _fail_file(self, file: FoundFile, stage: str, message: str) -> None:
        self._report.failures.append(Failure(file.relative, stage, message))
        if stage != "parse":
            self._observer.file_done(file, FileOutcome.FAILED)


def _outgoing(plan: Planned) -> OutgoingFile:
    file = plan.file
    return OutgoingFile(file.path, file.name, file.size, {META_SHA256: plan.sha256, META_PATH: file.relative})

"""How ``ragloom ingest`` shows its progress and its summary.

On a terminal: two ``rich`` progress bars, one for the upload (files and bytes, rate, time
left) and one for parsing (documents done and failed, chunks, documents per second, time
left). Otherwise (a pipe, a log file): plain lines, one per file uploaded and one per change of
the parse counts at most every second. Either way the run ends with a summary table, the
failures with their messages, and the throughput line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from ragloom.client.ingestion import FileOutcome, IngestReport
from ragloom.client.walk import FoundFile

PLAIN_PARSE_INTERVAL_SECONDS = 1.0
SHOWN_ROWS = 50


class _DocumentRate(ProgressColumn):
    """Documents finished per second, since the bar started."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:.1f} docs/s", style="progress.data.speed")


class _Counts:
    """What the progress has seen, shared by both displays."""

    def __init__(self) -> None:
        self.files = 0
        self.files_done = 0
        self.outcomes: dict[FileOutcome, int] = dict.fromkeys(FileOutcome, 0)
        self.parse = (0, 0, 0, 0)  # total, done, failed, chunks

    def upload_line(self) -> str:
        return (
            f"{self.files_done}/{self.files} files: {self.outcomes[FileOutcome.UPLOADED]} uploaded, "
            f"{self.outcomes[FileOutcome.PRESENT]} already there, {self.outcomes[FileOutcome.FAILED]} failed"
        )

    def parse_line(self) -> str:
        _total, done, failed, chunks = self.parse
        return f"{done} done, {failed} failed, {chunks} chunks"


class ProgressDisplay:
    """An :class:`~ragloom.client.ingestion.IngestObserver` drawing bars on a terminal, lines elsewhere."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self._console = console
        self._clock = clock
        self._counts = _Counts()
        self._live = console.is_terminal
        self._progress: Progress | None = None
        self._upload: TaskID | None = None
        self._parsing: TaskID | None = None
        self._plain_parse_at = 0.0
        self._plain_parse_shown: tuple[int, int, int, int] | None = None
        self._parse_started: float | None = None

    def __enter__(self) -> ProgressDisplay:
        if self._live:
            self._progress = Progress(
                TextColumn("{task.description:<7}"),
                BarColumn(),
                TextColumn("{task.fields[detail]}"),
                console=self._console,
                transient=False,
            )
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
        elif self._plain_parse_shown is not None and self._plain_parse_shown != self._counts.parse:
            self._print_parse()

    # ---- the observer -----------------------------------------------------------------------

    def upload_started(self, files: int, total_bytes: int) -> None:
        self._counts.files = files
        if self._progress is not None:
            self._progress.columns = (
                TextColumn("{task.description:<7}"),
                BarColumn(),
                TextColumn("{task.fields[detail]}"),
                DownloadColumn(),
                TransferSpeedColumn(),
                _DocumentRate(),
                TimeRemainingColumn(),
            )
            self._upload = self._progress.add_task("upload", total=total_bytes, detail=self._counts.upload_line())
        else:
            self._line(f"{files} files to ingest ({total_bytes / 1048576:.1f} MiB)")

    def file_done(self, file: FoundFile, outcome: FileOutcome) -> None:
        counts = self._counts
        counts.files_done += 1
        counts.outcomes[outcome] += 1
        if self._progress is not None and self._upload is not None:
            self._progress.update(self._upload, advance=file.size, detail=counts.upload_line())
        else:
            self._line(f"[upload {counts.files_done}/{counts.files}] {file.relative}: {outcome.value}")

    def parse_progress(self, total: int, done: int, failed: int, chunks: int) -> None:
        self._counts.parse = (total, done, failed, chunks)
        if self._parse_started is None:
            self._parse_started = self._clock()
        if self._progress is not None:
            if self._parsing is None:
                self._parsing = self._progress.add_task("parse", total=total, detail="")
            self._progress.update(self._parsing, total=total, completed=done + failed, detail=self._counts.parse_line())
            return
        now = self._clock()
        changed = self._counts.parse != self._plain_parse_shown
        if changed and (now - self._plain_parse_at >= PLAIN_PARSE_INTERVAL_SECONDS or done + failed == total):
            self._plain_parse_at = now
            self._print_parse()

    def note(self, message: str) -> None:
        if self._progress is not None:
            self._progress.console.print(message, markup=False, highlight=False)
        else:
            self._line(message)

    def _line(self, text: str) -> None:
        """A plain line, flushed at once (a pipe's reader sees progress as it happens)."""
        self._console.print(text, markup=False, highlight=False)
        self._console.file.flush()

    def _print_parse(self) -> None:
        total, done, failed, _chunks = self._counts.parse
        self._plain_parse_shown = self._counts.parse
        elapsed = self._clock() - (self._parse_started or self._clock())
        finished = done + failed
        rate = finished / elapsed if elapsed > 0 else 0.0
        left = f", about {(total - finished) / rate:.0f} s left" if rate > 0 and finished < total else ""
        self._line(f"[parse {finished}/{total}] {self._counts.parse_line()}, {rate:.1f} docs/s{left}")


def summary_tables(report: IngestReport, *, parsing: bool) -> list[Table]:
    """The counts, then the failures and the skipped files (if any), as tables."""
    counts = Table(title=f"Ingest into {report.dataset.name if report.dataset else '?'}", show_header=False)
    counts.add_column("what")
    counts.add_column("files", justify="right")
    rows: list[tuple[str, int]] = [
        ("found", report.found),
        ("uploaded", report.uploaded),
        ("already uploaded", report.present),
        ("replaced (content changed)", report.replaced),
        ("skipped", len(report.skipped)),
    ]
    if parsing:
        rows += [("parsed now", report.parsed), ("parsed before", report.already_parsed), ("chunks", report.chunks)]
    rows.append(("failed", len(report.failures)))
    for label, value in rows:
        counts.add_row(label, str(value))
    tables = [counts]
    if report.failures:
        failures = Table(title="Failures")
        failures.add_column("file")
        failures.add_column("stage")
        failures.add_column("message")
        for failure in report.failures[:SHOWN_ROWS]:
            failures.add_row(failure.relative, failure.stage, failure.message)
        _note_hidden(failures, len(report.failures))
        tables.append(failures)
    if report.skipped:
        skipped = Table(title="Skipped")
        skipped.add_column("file")
        skipped.add_column("why")
        for item in report.skipped[:SHOWN_ROWS]:
            skipped.add_row(item.relative, item.reason)
        _note_hidden(skipped, len(report.skipped))
        tables.append(skipped)
    return tables


def _note_hidden(table: Table, count: int) -> None:
    if count > SHOWN_ROWS:
        table.add_row(f"... and {count - SHOWN_ROWS} more", "", *([""] * (len(table.columns) - 2)))

"""An ingest run against an in-memory target: resuming, failures, replacement, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragloom.client.ingestion import FileOutcome, Ingestion, IngestOptions, IngestReport, batches
from ragloom.client.target import DocumentRun
from ragloom.client.walk import FileFilter, FoundFile, walk
from tests.client.fake_target import FakeTarget, Killed


class Recorder:
    """An observer keeping what it was told."""

    def __init__(self) -> None:
        self.outcomes: list[tuple[str, FileOutcome]] = []
        self.parse: list[tuple[int, int, int, int]] = []
        self.notes: list[str] = []

    def upload_started(self, files: int, total_bytes: int) -> None:
        self.started = (files, total_bytes)

    def file_done(self, file: FoundFile, outcome: FileOutcome) -> None:
        self.outcomes.append((file.relative, outcome))

    def parse_progress(self, total: int, done: int, failed: int, chunks: int) -> None:
        self.parse.append((total, done, failed, chunks))

    def note(self, message: str) -> None:
        self.notes.append(message)


def folder(tmp_path: Path, count: int) -> Path:
    root = tmp_path / "docs"
    for number in range(count):
        (root / f"part{number % 2}").mkdir(parents=True, exist_ok=True)
        (root / f"part{number % 2}" / f"note{number:02d}.txt").write_text(f"note number {number}", encoding="utf-8")
    return root


def run(target: FakeTarget, root: Path, *, parse: bool = True, batch: int = 4) -> tuple[IngestReport, Recorder]:
    recorder = Recorder()
    options = IngestOptions(dataset="notes", parse=parse, batch_files=batch, poll_seconds=0)
    ingestion = Ingestion(target, options, recorder, sleep=lambda _seconds: None)
    return ingestion.run(walk([root], FileFilter(lambda name: name.endswith(".txt")))), recorder


def assert_each_file_once_and_parsed(target: FakeTarget, count: int) -> None:
    documents = list(target.stored.values())
    assert len(documents) == count
    assert len({document.meta_fields["ingest_sha256"] for document in documents}) == count
    assert len({document.name for document in documents}) == count
    assert {document.run for document in documents} == {DocumentRun.DONE}


def test_batches_hold_a_number_of_files_and_bytes() -> None:
    files = [FoundFile(Path(f"/{size}"), f"{size}", size) for size in (5, 5, 5, 20, 1)]
    assert [[file.size for file in batch] for batch in batches(files, 2, 12)] == [[5, 5], [5], [20], [1]]


def test_a_first_run_uploads_annotates_and_parses_everything(tmp_path: Path) -> None:
    target = FakeTarget()
    report, recorder = run(target, folder(tmp_path, 10))
    assert_each_file_once_and_parsed(target, 10)
    assert [len(batch) for batch in target.uploads] == [4, 4, 2]
    assert report.uploaded == 10
    assert (report.parsed, report.chunks, report.failures) == (10, 20, [])
    assert recorder.outcomes.count(("docs/part0/note00.txt", FileOutcome.UPLOADED)) == 1
    assert recorder.parse[-1] == (10, 10, 0, 20)
    assert {document.path for document in target.stored.values()} == {
        f"docs/part{number % 2}/note{number:02d}.txt" for number in range(10)
    }
    assert report.throughput_line().startswith("Ingested 10 files (20 chunks) in ")
    assert report.throughput_line().endswith(" files/s, " + report.throughput_line().rsplit(", ", 1)[1])


def test_a_target_that_records_the_hashes_with_the_upload_is_not_asked_again(tmp_path: Path) -> None:
    root = folder(tmp_path, 10)
    target = FakeTarget(meta_with_upload=True)
    report, _recorder = run(target, root)
    assert_each_file_once_and_parsed(target, 10)
    assert (report.uploaded, target.annotations) == (10, 0)
    again, _ = run(target, root)
    assert (again.uploaded, again.present, again.already_parsed, target.annotations) == (0, 10, 10, 0)


def test_a_run_killed_between_upload_and_annotation_resumes_without_duplicates(tmp_path: Path) -> None:
    root = folder(tmp_path, 10)
    target = FakeTarget(kill_at_annotation=6)
    with pytest.raises(Killed):
        run(target, root)
    assert len(target.stored) == 8  # two batches uploaded; the 6th document's hash was never recorded
    target.kill_at_annotation = None
    report, _recorder = run(target, root)
    assert_each_file_once_and_parsed(target, 10)
    assert len(target.downloads) == 3  # the three unannotated documents were hashed from their bytes
    assert (report.uploaded, report.present) == (2, 8)
    assert (report.already_parsed, report.parsed) == (4, 6)  # the first run parsed its first batch
    assert report.ok
    again, _ = run(target, root)
    assert (again.uploaded, again.present, again.already_parsed, again.parsed) == (0, 10, 10, 0)
    assert again.throughput_line() == "Nothing was left to parse (10 documents were parsed before)."


def test_a_refused_batch_is_uploaded_file_by_file_and_the_bad_one_fails_alone(tmp_path: Path) -> None:
    target = FakeTarget(refuse={"note03.txt"}, failing={"note05.txt"})
    report, recorder = run(target, folder(tmp_path, 6))
    assert len(target.stored) == 5
    assert [(failure.relative, failure.stage, failure.message) for failure in report.failures] == [
        ("docs/part1/note03.txt", "upload", "File note03.txt is over the limit."),
        ("docs/part1/note05.txt", "parse", "The file is corrupt"),
    ]
    assert ("docs/part1/note03.txt", FileOutcome.FAILED) in recorder.outcomes
    assert not report.ok
    assert report.parsed == 4


def test_a_changed_file_replaces_its_document_and_uploading_only_leaves_parsing(tmp_path: Path) -> None:
    root = folder(tmp_path, 3)
    target = FakeTarget()
    first, _ = run(target, root, parse=False)
    assert first.upload_line().startswith("Uploaded 3 files (0.0 MiB) in ")
    assert {document.run for document in target.stored.values()} == {DocumentRun.UNSTART}
    (root / "part0" / "note00.txt").write_text("rewritten", encoding="utf-8")
    second, recorder = run(target, root)
    assert (second.uploaded, second.replaced, second.present) == (1, 1, 2)
    assert_each_file_once_and_parsed(target, 3)
    assert recorder.notes == ["docs/part0/note00.txt changed: replaced its earlier document"]

"""The HTTP target against the real API in-process: uploads, hashes, resuming, status."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ragloom.client.http_target import HttpTarget
from ragloom.client.ingestion import Ingestion, IngestOptions
from ragloom.client.status import gather_status
from ragloom.client.target import DocumentRun
from ragloom.client.walk import FileFilter, walk
from ragloom.services.container import Services
from tests.client.test_ingestion import Recorder


def http_target(client: TestClient, headers: dict[str, str]) -> HttpTarget:
    client.base_url = client.base_url.join("/api/v1")
    client.headers.update(headers)
    return HttpTarget(str(client.base_url), "", client=client)


def test_an_upload_whose_hash_was_not_recorded_is_found_by_its_bytes(
    client: TestClient, headers: dict[str, str], tmp_path: Path
) -> None:
    target = http_target(client, headers)
    docs = tmp_path / "docs"
    docs.mkdir()
    for number in range(3):
        (docs / f"n{number}.txt").write_text(f"note {number}", encoding="utf-8")
    dataset = target.dataset("notes", chunk_method="naive", embedding_model=None)
    assert dataset.created
    assert target.dataset("NOTES", chunk_method=None, embedding_model=None).id == dataset.id
    # as a run killed right after its upload leaves it: a document with no ingest_* metadata
    first = target.upload(dataset.id, [_outgoing(docs / "n0.txt")])[0]
    assert first.sha256 is not None  # the upload answer has content_hash; the listing does not
    assert target.documents(dataset.id)[0].sha256 is None

    options = IngestOptions(dataset="notes", batch_files=2)
    report = Ingestion(target, options, Recorder()).run(walk([docs], FileFilter(lambda name: True)))
    assert (report.uploaded, report.present, report.failures) == (2, 1, [])
    documents = target.documents(dataset.id)
    assert sorted(document.name for document in documents) == ["n0.txt", "n1.txt", "n2.txt"]
    assert {document.path for document in documents} == {"docs/n0.txt", "docs/n1.txt", "docs/n2.txt"}
    assert all(document.sha256 == document.meta_fields["ingest_sha256"] for document in documents)
    assert target.content_sha256(dataset.id, first.id) == first.sha256

    status = gather_status(target)
    assert [(item.dataset.name, item.dataset.documents, item.runs) for item in status.datasets] == [
        ("notes", 3, {DocumentRun.UNSTART: 3})
    ]
    assert status.workers.leases == []
    assert status.workers.note
    assert status.models.defaults["embd_id"] == "multilingual-e5-small@Builtin"
    assert "multilingual-e5-small@Builtin" in status.models.available["embedding"]


def test_states_of_running_and_finished_documents(
    client: TestClient, headers: dict[str, str], services: Services, tmp_path: Path
) -> None:
    target = http_target(client, headers)
    (tmp_path / "a.txt").write_text("alpha", encoding="utf-8")
    (tmp_path / "b.txt").write_text("beta", encoding="utf-8")
    dataset = target.dataset("states", chunk_method=None, embedding_model=None)
    a, b = target.upload(dataset.id, [_outgoing(tmp_path / "a.txt"), _outgoing(tmp_path / "b.txt")])
    target.parse(dataset.id, [a.id, b.id])
    claimed = services.ledger.claim("host:1:token")
    assert claimed is not None
    services.ledger.fail(claimed.lease, "The file is corrupt")
    states = {document.id: document for document in target.states(dataset.id, [a.id, b.id, "gone"])}
    assert {key: document.run for key, document in states.items()} == {
        a.id: DocumentRun.FAIL,
        b.id: DocumentRun.RUNNING,
    }
    assert states[a.id].failure == "The file is corrupt"
    assert target.workers().queued is None  # only a worker's heartbeat carries the count
    assert services.ledger.claim("host:2:token") is not None
    workers = target.workers()
    assert workers.queued == 0
    assert [(lease.worker, lease.kind, lease.subject) for lease in workers.leases] == [("host:2:token", "parse", b.id)]


def _outgoing(path: Path):  # type: ignore[no-untyped-def]
    from ragloom.client.target import OutgoingFile

    return OutgoingFile(path, path.name, path.stat().st_size)

"""The start-up sweep removes files no document points to, and only those."""

import io

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller


def test_sweep_removes_only_orphans(services: Services, caller: Caller) -> None:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    (kept,) = services.documents.upload(caller, dataset_id, [IncomingFile("a.txt", io.BytesIO(b"a"), 1)])
    services.blobs.put(f"{caller.tenant_id}/{dataset_id}/crashed-upload", b"orphan")
    assert services.sweep() == 1
    assert list(services.blobs.iter_keys()) == [kept.location]
    assert services.sweep() == 0


def test_sweep_removes_partial_files_of_interrupted_writes(services: Services, caller: Caller) -> None:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    (kept,) = services.documents.upload(caller, dataset_id, [IncomingFile("a.txt", io.BytesIO(b"a"), 1)])
    root = services.settings.blob_path
    folder = root / caller.tenant_id / dataset_id
    (folder / ".partial-upload1").write_bytes(b"half a file")
    (root / "gone" / "dataset").mkdir(parents=True)
    (root / "gone" / "dataset" / ".partial-upload2").write_bytes(b"")
    assert services.sweep() == 0  # no orphan blob; the partial files are not blobs
    assert [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()] == [kept.location]
    assert not (root / "gone").exists()
    assert services.blobs.get(kept.location) == b"a"

"""The start-up sweep removes files no document points to, and only those."""

import io

from ragloom.services.chunks import NewChunk
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller
from ragloom.storage.blobs import LocalBlobStore

FAST_MODEL = "universal-sentence-encoder-multilingual@Builtin"


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
    assert isinstance(services.blobs, LocalBlobStore)
    root = services.blobs.root
    folder = root / caller.tenant_id / dataset_id
    (folder / ".partial-upload1").write_bytes(b"half a file")
    (root / "gone" / "dataset").mkdir(parents=True)
    (root / "gone" / "dataset" / ".partial-upload2").write_bytes(b"")
    assert services.sweep() == 0  # no orphan blob; the partial files are not blobs
    assert [path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()] == [kept.location]
    assert not (root / "gone").exists()
    assert services.blobs.get(kept.location) == b"a"


def test_sweep_keeps_the_chunk_images_of_existing_datasets(services: Services, caller: Caller) -> None:
    kept = services.datasets.create(caller, NewDataset(name="kept", embedding_model=FAST_MODEL)).record.id
    dropped = services.datasets.create(caller, NewDataset(name="dropped", embedding_model=FAST_MODEL)).record.id
    for dataset_id in (kept, dropped):
        (document,) = services.documents.upload(caller, dataset_id, [IncomingFile("a.txt", io.BytesIO(b"a"), 1)])
        services.chunks.add(caller, dataset_id, document.id, NewChunk(content="A picture.", image=b"\x89PNG"))
    services.datasets.delete(caller, [dropped], delete_all=False)
    assert services.sweep() == 1  # the deleted dataset's image
    (image,) = [key for key in services.blobs.iter_keys() if "/images/" in key]
    assert image.startswith(f"{caller.tenant_id}/{kept}/images/")
    assert services.blobs.get(image) == b"\x89PNG"


def test_a_sweep_with_a_grace_keeps_what_others_may_be_writing(services: Services, caller: Caller) -> None:
    """Servers sharing the stores sweep with a grace: a fresh orphan may be an upload whose row
    another server is about to commit; an old one is debris."""
    import os
    import time

    from ragloom.services.blob_cleanup import SHARED_GRACE_SECONDS, sweep_orphans

    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    fresh, old = f"{caller.tenant_id}/{dataset_id}/in-flight", f"{caller.tenant_id}/{dataset_id}/crashed"
    services.blobs.put(fresh, b"being committed elsewhere")
    services.blobs.put(old, b"left by a crash")
    assert isinstance(services.blobs, LocalBlobStore)
    hours_ago = time.time() - 2 * SHARED_GRACE_SECONDS
    os.utime(services.blobs.root / old, (hours_ago, hours_ago))
    assert sweep_orphans(services.store, services.blobs, grace_seconds=SHARED_GRACE_SECONDS) == 1
    assert sorted(services.blobs.iter_keys()) == [fresh]

"""Document rules, tested on the service without HTTP."""

from __future__ import annotations

import io
from unittest import mock

import pytest

from ragloom.errors import ArgumentError, AuthorizationError, DataError, UnsupportedFileTypeError
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.documents import DocumentListing, IncomingFile
from ragloom.services.tenants import Caller


def incoming(name: str, data: bytes = b"data") -> IncomingFile:
    return IncomingFile(name=name, stream=io.BytesIO(data), size=len(data))


@pytest.fixture
def dataset_id(services: Services, caller: Caller) -> str:
    return services.datasets.create(caller, NewDataset(name="kb")).record.id


def stored_state(services: Services, dataset_id: str) -> tuple[int, int]:
    with services.store.reading() as tx:
        rows = len(tx.documents.of_dataset(dataset_id))
    return rows, len(list(services.blobs.iter_keys()))


def test_upload_stores_bytes_and_renames_duplicates(services: Services, caller: Caller, dataset_id: str) -> None:
    documents = services.documents.upload(caller, dataset_id, [incoming("a.txt", b"1"), incoming("a.txt", b"22")])
    documents += services.documents.upload(caller, dataset_id, [incoming("a.txt", b"333")])
    assert [d.name for d in documents] == ["a.txt", "a(1).txt", "a(2).txt"]
    assert [d.size for d in documents] == [1, 2, 3]
    assert [services.blobs.get(d.location) for d in documents] == [b"1", b"22", b"333"]


def test_concurrent_uploads_of_one_name_get_distinct_names(services: Services, caller: Caller, dataset_id: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def send(index: int) -> str:
        return services.documents.upload(caller, dataset_id, [incoming("same.txt", str(index).encode())])[0].name

    with ThreadPoolExecutor(8) as pool:
        names = list(pool.map(send, range(20)))
    assert sorted(names) == sorted(["same.txt"] + [f"same({n}).txt" for n in range(1, 20)])
    assert stored_state(services, dataset_id) == (20, 20)


def test_upload_is_all_or_nothing(services: Services, caller: Caller, dataset_id: str) -> None:
    with pytest.raises(UnsupportedFileTypeError, match=r"^x.exe: This type of file has not been supported yet!$"):
        services.documents.upload(caller, dataset_id, [incoming("ok.txt"), incoming("x.exe")])
    with pytest.raises(ArgumentError, match="must not be a path"):
        services.documents.upload(caller, dataset_id, [incoming("ok.txt"), incoming("../../x.txt")])
    assert stored_state(services, dataset_id) == (0, 0)


def test_a_failed_commit_removes_the_files_already_written(services: Services, caller: Caller, dataset_id: str) -> None:
    with (
        mock.patch.object(services.documents, "_insert", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError, match="database gone"),
    ):
        services.documents.upload(caller, dataset_id, [incoming("a.txt"), incoming("b.txt")])
    assert stored_state(services, dataset_id) == (0, 0)


def test_upload_targets(services: Services, caller: Caller, other_caller: Caller, dataset_id: str) -> None:
    with pytest.raises(AuthorizationError, match="No authorization."):
        services.documents.upload(other_caller, dataset_id, [incoming("a.txt")])
    with pytest.raises(DataError, match=f"Can't find the dataset with ID {'0' * 32}!"):
        services.documents.upload(caller, "0" * 32, [incoming("a.txt")])


def test_list_filters(services: Services, caller: Caller, dataset_id: str) -> None:
    documents = services.documents.upload(caller, dataset_id, [incoming("a.pdf"), incoming("b.txt"), incoming("c.png")])
    services.documents.update(caller, dataset_id, documents[0].id, {"meta_fields": {"author": "alice", "year": 2020}})
    services.documents.update(caller, dataset_id, documents[1].id, {"meta_fields": {"author": "bob"}})

    def names(**filters: object) -> list[str]:
        views, _ = services.documents.list_page(
            caller, dataset_id, DocumentListing(orderby="name", desc=False, **filters)
        )
        return [view.record.name for view in views]

    assert names() == ["a.pdf", "b.txt", "c.png"]
    assert names(suffixes=("pdf", "png")) == ["a.pdf", "c.png"]
    assert names(types=("visual",)) == ["c.png"]
    assert names(keywords="B.T") == ["b.txt"]
    assert names(
        metadata_condition='{"conditions":[{"name":"author","comparison_operator":"is","value":"ALICE"}]}'
    ) == ["a.pdf"]
    assert names(metadata='{"author": ["bob", "carol"]}') == ["b.txt"]
    assert names(return_empty_metadata=True) == ["c.png"]
    assert names(runs=("UNSTART", "3")) == ["a.pdf", "b.txt", "c.png"]
    assert names(runs=("DONE",)) == []
    with pytest.raises(DataError, match="Invalid filter run status conditions: BOGUS"):
        names(runs=("BOGUS",))
    with pytest.raises(DataError, match="Invalid filter conditions: x, y types"):
        names(types=("x", "y"))


def test_list_by_ids_refuses_documents_outside_the_dataset(
    services: Services, caller: Caller, other_caller: Caller, dataset_id: str
) -> None:
    first, second, third = services.documents.upload(
        caller, dataset_id, [incoming("a.txt"), incoming("b.txt"), incoming("c.txt")]
    )
    other_dataset = services.datasets.create(caller, NewDataset(name="other")).record.id
    (elsewhere,) = services.documents.upload(caller, other_dataset, [incoming("x.txt")])
    foreign_dataset = services.datasets.create(other_caller, NewDataset(name="kb")).record.id
    (theirs,) = services.documents.upload(other_caller, foreign_dataset, [incoming("y.txt")])

    listing = DocumentListing(document_ids=(third.id, first.id), orderby="name", desc=False)
    views, total = services.documents.list_page(caller, dataset_id, listing)
    assert ([view.record.name for view in views], total) == (["a.txt", "c.txt"], 2)
    with pytest.raises(DataError, match=rf"^You don't own the document {elsewhere.id}, {theirs.id}\.$"):
        services.documents.list_page(
            caller, dataset_id, DocumentListing(document_ids=(second.id, elsewhere.id, theirs.id))
        )
    with pytest.raises(DataError, match=rf"^You don't own the document {theirs.id}\.$"):
        services.documents.aggregate(caller, dataset_id, DocumentListing(document_ids=(theirs.id,)))


def test_update_rules(services: Services, caller: Caller, dataset_id: str) -> None:
    first, second = services.documents.upload(caller, dataset_id, [incoming("a.txt"), incoming("b.txt")])
    with pytest.raises(DataError, match="Duplicated document name in the same dataset."):
        services.documents.update(caller, dataset_id, first.id, {"name": "b.txt"})
    assert services.documents.update(caller, dataset_id, first.id, {"name": "B.txt"}).name == "B.txt"
    with pytest.raises(ArgumentError, match="The extension of file can't be changed"):
        services.documents.update(caller, dataset_id, first.id, {"name": "a.pdf"})
    with pytest.raises(DataError, match="Can't change `chunk_count`."):
        services.documents.update(caller, dataset_id, first.id, {"chunk_count": 5})
    updated = services.documents.update(caller, dataset_id, second.id, {"chunk_method": "qa", "enabled": 0})
    assert (updated.chunk_method, updated.status) == ("qa", "0")
    assert updated.parser_config["raptor"] == {"use_raptor": False}


def test_changing_chunk_method_resets_parse_state(services: Services, caller: Caller, dataset_id: str) -> None:
    (document,) = services.documents.upload(caller, dataset_id, [incoming("a.txt")])
    with services.store.writing() as tx:
        tx.documents.set_fields(document.id, {"run": "3", "progress": 1.0, "chunk_count": 7, "token_count": 70})
    reset = services.documents.update(caller, dataset_id, document.id, {"chunk_method": "book"})
    assert (reset.run, reset.progress, reset.chunk_count, reset.token_count) == ("0", 0.0, 0, 0)
    same = services.documents.update(caller, dataset_id, document.id, {"chunk_method": "BOOK"})
    assert same.chunk_method == "BOOK"


def test_download_and_empty_files(services: Services, caller: Caller, other_caller: Caller, dataset_id: str) -> None:
    full, empty = services.documents.upload(caller, dataset_id, [incoming("a.md", b"# hi"), incoming("e.txt", b"")])
    download = services.documents.download(caller, dataset_id, full.id)
    assert (download.name, download.content_type, b"".join(download.chunks)) == ("a.md", "text/markdown", b"# hi")
    with pytest.raises(DataError, match="This file is empty."):
        services.documents.download(caller, dataset_id, empty.id)
    with pytest.raises(DataError, match=f"You do not own the dataset {dataset_id}."):
        services.documents.download(other_caller, dataset_id, full.id)
    with pytest.raises(DataError, match=f"The dataset not own the document {full.id}."):
        services.documents.download(other_caller, None, full.id)
    with pytest.raises(DataError, match="Document not found!"):
        services.documents.download(other_caller, None, full.id, preview=True)


def test_delete(services: Services, caller: Caller, dataset_id: str) -> None:
    documents = services.documents.upload(caller, dataset_id, [incoming("a.txt"), incoming("b.txt")])
    with pytest.raises(DataError, match="do not belong to dataset .* or Document not found: nope"):
        services.documents.delete(caller, dataset_id, [documents[0].id, "nope"], delete_all=False)
    assert stored_state(services, dataset_id) == (2, 2)
    assert services.documents.delete(caller, dataset_id, [documents[0].id], delete_all=False) == 1
    assert services.documents.delete(caller, dataset_id, None, delete_all=True) == 1
    assert stored_state(services, dataset_id) == (0, 0)

"""Documents' metadata across a dataset, on the service: selection, edits, views, ownership."""

from __future__ import annotations

import io
from typing import Any

import pytest

from ragloom.errors import ArgumentError, DataError
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.document_metadata import MetadataEdit, dataset_not_owned
from ragloom.services.documents import IncomingFile
from ragloom.services.metadata_edits import MetadataDelete, MetadataUpdate
from ragloom.services.tenants import Caller

AUTHORS = ["alice", "bob", "alice"]


@pytest.fixture
def dataset(services: Services, caller: Caller) -> tuple[str, list[str]]:
    dataset_id = services.datasets.create(caller, NewDataset(name="kb")).record.id
    files = [IncomingFile(f"{n}.txt", io.BytesIO(b"x"), 1) for n in range(len(AUTHORS))]
    documents = services.documents.upload(caller, dataset_id, files)
    for document, author in zip(documents, AUTHORS, strict=True):
        services.documents.update(caller, dataset_id, document.id, {"meta_fields": {"author": author, "n": 1}})
    return dataset_id, [document.id for document in documents]


def metas(services: Services, document_ids: list[str]) -> list[dict[str, Any]]:
    with services.store.reading() as tx:
        by_id = {document.id: document.meta_fields for document in tx.documents.many(document_ids)}
    return [by_id[document_id] for document_id in document_ids]


def author_is(name: str) -> dict[str, Any]:
    return {"conditions": [{"name": "author", "comparison_operator": "is", "value": name}]}


def test_named_documents_are_edited_and_counted(
    services: Services, caller: Caller, dataset: tuple[str, list[str]]
) -> None:
    dataset_id, (a, b, c) = dataset
    edit = MetadataEdit(document_ids=[a, b, a], updates=[MetadataUpdate("author", "carol", "alice", match_given=True)])
    outcome = services.document_metadata.edit(caller, dataset_id, edit, dataset_not_owned(dataset_id))
    assert (outcome.updated, outcome.matched) == (1, 2)
    assert [meta["author"] for meta in metas(services, [a, b, c])] == ["carol", "bob", "alice"]


def test_the_condition_narrows_the_named_documents_or_chooses_alone(
    services: Services, caller: Caller, dataset: tuple[str, list[str]]
) -> None:
    dataset_id, (a, b, c) = dataset
    refusal = dataset_not_owned(dataset_id)
    deletes = [MetadataDelete("n")]
    both = MetadataEdit(document_ids=[a, b], metadata_condition=author_is("alice"), deletes=deletes)
    assert services.document_metadata.edit(caller, dataset_id, both, refusal).matched == 1
    assert [("n" in meta) for meta in metas(services, [a, b, c])] == [False, True, True]
    alone = MetadataEdit(metadata_condition=author_is("alice"), deletes=deletes)
    outcome = services.document_metadata.edit(caller, dataset_id, alone, refusal)
    assert (outcome.updated, outcome.matched) == (1, 2)
    assert [("n" in meta) for meta in metas(services, [a, b, c])] == [False, True, False]
    nobody = MetadataEdit(metadata_condition=author_is("zed"), deletes=deletes)
    assert services.document_metadata.edit(caller, dataset_id, nobody, refusal).matched == 0


def test_an_empty_selector_changes_nothing(services: Services, caller: Caller, dataset: tuple[str, list[str]]) -> None:
    dataset_id, document_ids = dataset
    before = metas(services, document_ids)
    edit = MetadataEdit(updates=[MetadataUpdate("author", "x")])
    outcome = services.document_metadata.edit(caller, dataset_id, edit, dataset_not_owned(dataset_id))
    assert (outcome.updated, outcome.matched) == (0, 0)
    assert metas(services, document_ids) == before


def test_documents_of_other_datasets_are_refused_and_nothing_changes(
    services: Services, caller: Caller, other_caller: Caller, dataset: tuple[str, list[str]]
) -> None:
    dataset_id, (a, _b, _c) = dataset
    other = services.datasets.create(caller, NewDataset(name="other")).record.id
    (elsewhere,) = services.documents.upload(caller, other, [IncomingFile("z.txt", io.BytesIO(b"z"), 1)])
    edit = MetadataEdit(document_ids=[a, elsewhere.id, "nope"], updates=[MetadataUpdate("author", "x")])
    with pytest.raises(
        DataError, match=f"^These documents do not belong to dataset {dataset_id}: {elsewhere.id}, nope$"
    ):
        services.document_metadata.edit(caller, dataset_id, edit, dataset_not_owned(dataset_id))
    assert metas(services, [a])[0]["author"] == "alice"
    with pytest.raises(DataError, match=f"^You don't own the dataset {dataset_id}.$"):
        services.document_metadata.edit(
            other_caller,
            dataset_id,
            MetadataEdit(document_ids=[a]),
            dataset_not_owned(dataset_id, trailing_space=False),
        )
    assert metas(services, [a])[0]["author"] == "alice"


def test_summary_and_flattened_views(
    services: Services, caller: Caller, other_caller: Caller, dataset: tuple[str, list[str]]
) -> None:
    dataset_id, (a, b, c) = dataset
    assert services.document_metadata.summary(caller, dataset_id, None) == {
        "author": {"type": "string", "values": [["alice", 2], ["bob", 1]]},
        "n": {"type": "number", "values": [["1", 3]]},
    }
    assert services.document_metadata.summary(caller, dataset_id, [b, "nope"])["author"]["values"] == [["bob", 1]]
    flat = services.document_metadata.flattened(caller, [dataset_id, dataset_id])
    assert flat["author"] == {"alice": [a, c], "bob": [b]}
    with pytest.raises(DataError, match=f"^You don't own the dataset {dataset_id}. $"):
        services.document_metadata.summary(other_caller, dataset_id, None)
    with pytest.raises(DataError, match=f"^No authorization for dataset '{dataset_id}'$"):
        services.document_metadata.flattened(other_caller, [dataset_id])


def test_a_documents_auto_metadata_config(
    services: Services, caller: Caller, other_caller: Caller, dataset: tuple[str, list[str]]
) -> None:
    dataset_id, (a, _b, _c) = dataset
    fields = [{"key": "author", "type": "string"}]
    document = services.document_metadata.set_document_config(caller, dataset_id, a, fields)
    assert document.parser_config["metadata"] == fields
    assert document.parser_config["chunk_token_num"] == 512  # the rest of the config stays
    with pytest.raises(DataError, match="^You don't own the dataset.$"):
        services.document_metadata.set_document_config(other_caller, dataset_id, a, [])
    with pytest.raises(DataError, match=f"^Document nope not found in dataset {dataset_id}$"):
        services.document_metadata.set_document_config(caller, dataset_id, "nope", [])
    with pytest.raises(ArgumentError, match="^metadata is required$"):
        services.document_metadata.set_document_config(caller, dataset_id, a, None)
    with services.store.reading() as tx:
        stored = tx.documents.get(a)
    assert stored is not None
    assert stored.parser_config["metadata"] == fields

"""Dataset rules, tested on the service without HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from ragloom.errors import DataError
from ragloom.services.container import Services
from ragloom.services.datasets import DatasetChanges, DatasetListing, NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.tenants import Caller


def upload(services: Services, caller: Caller, dataset_id: str, name: str, data: bytes = b"x") -> str:
    import io

    files = [IncomingFile(name=name, stream=io.BytesIO(data), size=len(data))]
    return services.documents.upload(caller, dataset_id, files)[0].id


def test_create_uses_tenant_default_model_and_method_defaults(services: Services, caller: Caller) -> None:
    view = services.datasets.create(caller, NewDataset(name="kb"))
    assert view.record.embedding_model == "multilingual-e5-small@Builtin"
    assert view.record.chunk_method == "naive"
    assert view.record.parser_config["chunk_token_num"] == 512
    assert view.counts.document_count == 0


def test_duplicate_names_are_renamed_case_insensitively(services: Services, caller: Caller) -> None:
    names = [services.datasets.create(caller, NewDataset(name=n)).record.name for n in ("kb", "KB", "Kb", "kb(1)")]
    assert names == ["kb", "KB(1)", "Kb(2)", "kb(3)"]


def test_concurrent_creates_get_distinct_names(services: Services, caller: Caller) -> None:
    with ThreadPoolExecutor(8) as pool:
        names = list(
            pool.map(lambda _: services.datasets.create(caller, NewDataset(name="same")).record.name, range(24))
        )
    assert sorted(names) == sorted(["same"] + [f"same({n})" for n in range(1, 24)])


def test_same_name_in_two_tenants_is_not_a_duplicate(services: Services, caller: Caller, other_caller: Caller) -> None:
    assert services.datasets.create(caller, NewDataset(name="kb")).record.name == "kb"
    assert services.datasets.create(other_caller, NewDataset(name="kb")).record.name == "kb"


def test_name_byte_limit(services: Services, caller: Caller) -> None:
    with pytest.raises(DataError, match="Dataset name length is 129 which is large than 128"):
        services.datasets.create(caller, NewDataset(name="é" * 64 + "a"))


def test_unknown_embedding_model(services: Services, caller: Caller) -> None:
    with pytest.raises(DataError, match="Unsupported model: <x@Nowhere>"):
        services.datasets.create(caller, NewDataset(name="kb", embedding_model="x@Nowhere"))


def test_update_rename_conflict_is_refused(services: Services, caller: Caller) -> None:
    services.datasets.create(caller, NewDataset(name="one"))
    two = services.datasets.create(caller, NewDataset(name="two"))
    with pytest.raises(DataError, match="Dataset name 'ONE' already exists"):
        services.datasets.update(caller, two.record.id, DatasetChanges({"name": "ONE"}))
    renamed = services.datasets.update(caller, two.record.id, DatasetChanges({"name": "Two"}))
    assert renamed.record.name == "Two"


def test_update_nothing_is_refused(services: Services, caller: Caller) -> None:
    dataset = services.datasets.create(caller, NewDataset(name="kb"))
    with pytest.raises(DataError, match="No properties were modified"):
        services.datasets.update(caller, dataset.record.id, DatasetChanges({}))


def test_changing_chunk_method_installs_its_defaults(services: Services, caller: Caller) -> None:
    dataset = services.datasets.create(caller, NewDataset(name="kb"))
    updated = services.datasets.update(caller, dataset.record.id, DatasetChanges({"chunk_method": "qa"}))
    assert updated.record.chunk_method == "qa"
    assert updated.record.parser_config["raptor"] == {"use_raptor": False}


def test_parser_config_update_deep_merges(services: Services, caller: Caller) -> None:
    dataset = services.datasets.create(caller, NewDataset(name="kb"))
    changes = DatasetChanges({"parser_config": {"chunk_token_num": 64, "raptor": {"max_token": 100}}})
    config = services.datasets.update(caller, dataset.record.id, changes).record.parser_config
    assert config["chunk_token_num"] == 64
    assert config["raptor"]["max_token"] == 100
    assert config["raptor"]["use_raptor"] is True


def test_embedding_model_is_fixed_once_chunks_exist(services: Services, caller: Caller) -> None:
    dataset = services.datasets.create(caller, NewDataset(name="kb"))
    other_model = "universal-sentence-encoder-multilingual@Builtin"
    changed = services.datasets.update(caller, dataset.record.id, DatasetChanges({"embedding_model": other_model}))
    assert changed.record.embedding_model == other_model
    document_id = upload(services, caller, dataset.record.id, "a.txt")
    with services.store.writing() as tx:
        tx.documents.set_fields(document_id, {"chunk_count": 3})
    with pytest.raises(DataError, match=r"When chunk_num \(3\) > 0, embedding_model must remain"):
        services.datasets.update(
            caller, dataset.record.id, DatasetChanges({"embedding_model": "multilingual-e5-small@Builtin"})
        )
    unchanged = services.datasets.update(caller, dataset.record.id, DatasetChanges({"embedding_model": ""}))
    assert unchanged.record.embedding_model == other_model


def test_counts_come_from_documents(services: Services, caller: Caller) -> None:
    dataset = services.datasets.create(caller, NewDataset(name="kb"))
    first = upload(services, caller, dataset.record.id, "a.txt", b"12345")
    upload(services, caller, dataset.record.id, "b.txt", b"123")
    with services.store.writing() as tx:
        tx.documents.set_fields(first, {"chunk_count": 4, "token_count": 40, "run": "3"})
    view = services.datasets.get(caller, dataset.record.id)
    assert (view.counts.document_count, view.counts.chunk_count, view.counts.token_num) == (2, 4, 40)
    assert view.counts.size == 8
    assert view.counts.runs == {"3": 1, "0": 1}


def test_list_filters_and_pages(services: Services, caller: Caller, other_caller: Caller) -> None:
    for name in ("alpha", "beta", "alphabet"):
        services.datasets.create(caller, NewDataset(name=name))
    services.datasets.create(other_caller, NewDataset(name="alpha-foreign"))
    views, total = services.datasets.list_page(caller, DatasetListing(page_size=2, orderby="create_time", desc=False))
    assert total == 3
    assert [v.record.name for v in views] == ["alpha", "beta"]
    views, _ = services.datasets.list_page(caller, DatasetListing(name_contains="ALPHA"))
    assert sorted(v.record.name for v in views) == ["alpha", "alphabet"]
    views, _ = services.datasets.list_page(caller, DatasetListing(name="BETA"))
    assert [v.record.name for v in views] == ["beta"]
    with pytest.raises(DataError, match="lacks permission for dataset 'alpha-foreign'"):
        services.datasets.list_page(caller, DatasetListing(name="alpha-foreign"))


def test_list_by_ids_names_every_dataset_the_caller_does_not_own(
    services: Services, caller: Caller, other_caller: Caller
) -> None:
    mine = [services.datasets.create(caller, NewDataset(name=name)).record.id for name in ("a", "b", "c")]
    theirs = services.datasets.create(other_caller, NewDataset(name="theirs")).record.id
    missing = "0" * 32
    views, total = services.datasets.list_page(caller, DatasetListing(dataset_ids=(mine[2], mine[0]), desc=False))
    assert ([v.record.name for v in views], total) == (["a", "c"], 2)
    views, total = services.datasets.list_page(caller, DatasetListing(dataset_ids=tuple(mine), page_size=1, page=3))
    assert ([v.record.name for v in views], total) == (["a"], 3)
    with pytest.raises(
        DataError, match=rf"^User '{caller.tenant_id}' lacks permission for datasets: '{theirs}, {missing}'$"
    ):
        services.datasets.list_page(caller, DatasetListing(dataset_ids=(mine[0], theirs, missing)))


def test_delete_is_all_or_nothing_and_removes_files(services: Services, caller: Caller, other_caller: Caller) -> None:
    mine = services.datasets.create(caller, NewDataset(name="mine")).record.id
    theirs = services.datasets.create(other_caller, NewDataset(name="theirs")).record.id
    upload(services, caller, mine, "a.txt")
    with pytest.raises(DataError, match=f"lacks permission for datasets: '{theirs}'"):
        services.datasets.delete(caller, [mine, theirs], delete_all=False)
    assert services.datasets.get(caller, mine)
    assert services.datasets.delete(caller, None, delete_all=False) == 0
    assert len(list(services.blobs.iter_keys())) == 1
    assert services.datasets.delete(caller, None, delete_all=True) == 1
    assert list(services.blobs.iter_keys()) == []
    assert services.datasets.get(other_caller, theirs)

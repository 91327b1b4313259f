"""The retrieval test on the service: its defaults, its filter form, and that it ranks as retrieval does."""

from __future__ import annotations

import io
from typing import Any

import pytest

from ragloom.errors import DataError
from ragloom.services.chunks import NewChunk
from ragloom.services.container import Services
from ragloom.services.dataset_search import metadata_condition_of
from ragloom.services.datasets import DatasetChanges, NewDataset
from ragloom.services.documents import IncomingFile
from ragloom.services.retrieval import Retrieval, RetrievalQuery
from ragloom.services.tenants import Caller
from ragloom.testing.chunk_index import chunk

TEXTS = {
    "apples.txt": ["Apples are red fruit.", "Apple trees grow in orchards."],
    "bananas.txt": ["Bananas are yellow fruit.", "Cherries are small red fruit."],
}


@pytest.fixture
def dataset(services: Services, caller: Caller) -> tuple[str, dict[str, str]]:
    dataset_id = services.datasets.create(caller, NewDataset(name="fruit")).record.id
    documents = {}
    for name, texts in TEXTS.items():
        (document,) = services.documents.upload(caller, dataset_id, [IncomingFile(name, io.BytesIO(b"x"), 1)])
        services.documents.update(caller, dataset_id, document.id, {"meta_fields": {"colour": name[:-4]}})
        for text in texts:
            services.chunks.add(caller, dataset_id, document.id, NewChunk(content=text))
        documents[name] = document.id
    return dataset_id, documents


def search(
    services: Services, caller: Caller, meta_data_filter: Any = None, search_id: str | None = None, **fields: Any
) -> Retrieval:
    """The retrieval test of ``fields`` (a ``RetrievalQuery`` at the test's threshold of 0.0)."""
    query = RetrievalQuery(**{"similarity_threshold": 0.0, **fields})
    return services.dataset_search.search(caller, query, meta_data_filter=meta_data_filter, search_id=search_id)


def ids(services: Services, caller: Caller, **fields: Any) -> list[str]:
    return [hit.record.id for hit in search(services, caller, **fields).hits]


def manual(*conditions: tuple[str, str, str], logic: str = "and") -> dict[str, Any]:
    return {"method": "manual", "logic": logic, "manual": [{"key": k, "op": o, "value": v} for k, o, v in conditions]}


def test_ranks_as_retrieval_with_its_own_defaults(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, _documents = dataset
    result = search(services, caller, dataset_ids=[dataset_id], question="red fruit")
    query = RetrievalQuery(dataset_ids=[dataset_id], question="red fruit", similarity_threshold=0.0)
    expected = services.retrieval.retrieve(caller, query)
    assert [(h.record.id, h.similarity) for h in result.hits] == [(h.record.id, h.similarity) for h in expected.hits]
    assert result.total == expected.total == 4  # threshold 0.0: every chunk counts
    assert result.labels is None  # no tag dataset named
    page = search(services, caller, dataset_ids=[dataset_id], question="red fruit", page=2, page_size=3)
    assert ([hit.record.id for hit in page.hits], page.total) == ([expected.hits[3].record.id], 4)


def test_top_k_is_held_to_its_range(services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]) -> None:
    dataset_id, _documents = dataset
    assert len(ids(services, caller, dataset_ids=[dataset_id], question="fruit", top_k=10**9)) == 4
    assert ids(services, caller, dataset_ids=[dataset_id], question="fruit", top_k=0)


def test_a_manual_metadata_filter_narrows_with_doc_ids(
    services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, documents = dataset
    apples, bananas = documents["apples.txt"], documents["bananas.txt"]
    question = {"dataset_ids": [dataset_id], "question": "red fruit"}
    narrowed = search(services, caller, meta_data_filter=manual(("colour", "=", "apples")), **question)
    assert {hit.record.document_id for hit in narrowed.hits} == {apples}
    both = manual(("colour", "=", "apples"))
    assert ids(services, caller, **question, document_ids=[bananas], meta_data_filter=both) == []
    either = manual(("colour", "=", "apples"), ("colour", "=", "bananas"), logic="or")
    assert len(ids(services, caller, **question, document_ids=[bananas], meta_data_filter=either)) == 2
    assert len(ids(services, caller, **question, meta_data_filter={"method": "disabled"})) == 4


def test_refusals(
    services: Services, caller: Caller, other_caller: Caller, dataset: tuple[str, dict[str, str]]
) -> None:
    dataset_id, _documents = dataset
    with pytest.raises(DataError, match="^`question` is required.$"):
        search(services, caller, dataset_ids=[dataset_id], question="  ")
    limit = services.settings.limits.max_question_length
    with pytest.raises(DataError, match="^The question is too long"):
        search(services, caller, dataset_ids=[dataset_id], question="x" * (limit + 1))
    with pytest.raises(DataError, match="^`search_id`"):
        search(services, caller, dataset_ids=[dataset_id], question="a", search_id="s")
    with pytest.raises(DataError, match="method 'auto' has a chat model write the filter"):
        search(services, caller, dataset_ids=[dataset_id], question="a", meta_data_filter={"method": "auto"})
    with pytest.raises(DataError, match=f"^You don't own the dataset {dataset_id}.$"):
        search(services, other_caller, dataset_ids=[dataset_id], question="fruit")


def test_labels_are_the_questions_tags(services: Services, caller: Caller, dataset: tuple[str, dict[str, str]]) -> None:
    dataset_id, _documents = dataset
    tag_dataset = services.datasets.create(caller, NewDataset(name="tags", chunk_method="tag")).record.id
    (row,) = services.documents.upload(caller, tag_dataset, [IncomingFile("tags.csv", io.BytesIO(b"x"), 1)])
    services.index.upsert(
        [chunk("t1", "red fruit apples", dataset_id=tag_dataset, document_id=row.id, tag_keywords=["produce"])]
    )
    services.datasets.update(caller, dataset_id, DatasetChanges({"parser_config": {"tag_kb_ids": [tag_dataset]}}))
    result = search(services, caller, dataset_ids=[dataset_id], question="red apples")
    assert result.labels is not None
    assert list(result.labels) == ["produce"]


@pytest.mark.parametrize(
    ("given", "condition"),
    [
        (None, None),
        ({}, None),
        ({"method": "disabled", "manual": [{"key": "a", "op": "=", "value": "1"}]}, None),
        (
            {"method": "manual", "manual": [{"key": "a", "op": "≥", "value": "1"}]},
            {"logic": "and", "conditions": [{"name": "a", "comparison_operator": "≥", "value": "1"}]},
        ),
    ],
)
def test_filter_conversion(given: dict[str, Any] | None, condition: dict[str, Any] | None) -> None:
    assert metadata_condition_of(given) == condition


def test_a_manual_filter_must_list_conditions() -> None:
    with pytest.raises(DataError, match="must be a list of conditions"):
        metadata_condition_of({"method": "manual", "manual": "author=bob"})

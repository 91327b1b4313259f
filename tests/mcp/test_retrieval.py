"""``retrieve`` without a transport: the route's parameters, hits and refusals, through the same service."""

from __future__ import annotations

from typing import Any

import pytest

from ragloom.errors import RagloomError
from ragloom.mcp.retrieval import RETRIEVE
from ragloom.services.container import Services
from ragloom.services.tenants import Caller
from tests.search_support import FACT, OTHER, searchable_dataset

QUESTION = "Are bananas rich in potassium?"


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.fixture
def dataset(services: Services, caller: Caller) -> tuple[str, str]:
    return searchable_dataset(services, caller, "fruit")


def retrieve(services: Services, caller: Caller, **arguments: Any) -> dict[str, Any]:
    data: dict[str, Any] = RETRIEVE.run(services, caller, arguments).data
    return data


def test_the_best_chunk_comes_first_with_its_document_and_scores(
    services: Services, caller: Caller, dataset: tuple[str, str]
) -> None:
    dataset_id, document_id = dataset
    outcome = RETRIEVE.run(services, caller, {"dataset_ids": [dataset_id], "question": QUESTION})
    chunks = outcome.data["chunks"]
    assert chunks[0]["content"] == FACT
    assert chunks[0]["document_id"] == document_id
    assert chunks[0]["document_keyword"] == "notes.txt"
    assert chunks[0]["dataset_id"] == dataset_id
    assert chunks[0]["similarity"] > 0.2
    assert "content_ltks" not in chunks[0]
    assert "highlight" not in chunks[0]
    assert outcome.data["total"] == len(chunks)
    assert outcome.data["doc_aggs"] == [{"doc_name": "notes.txt", "doc_id": document_id, "count": len(chunks)}]
    assert outcome.text.startswith(f"{len(chunks)} chunk(s) on this page")
    assert f"[1] notes.txt (chunk {chunks[0]['id']}" in outcome.text
    assert FACT in outcome.text


def test_every_parameter_reaches_the_search(services: Services, caller: Caller, dataset: tuple[str, str]) -> None:
    dataset_id, document_id = dataset
    question = {"dataset_ids": [dataset_id], "question": QUESTION}
    everything = retrieve(services, caller, **question, similarity_threshold=0.0, vector_similarity_weight=0.5)
    assert everything["total"] == 2
    assert {chunk["content"] for chunk in everything["chunks"]} == {FACT, OTHER}
    assert retrieve(services, caller, **question, similarity_threshold=0.99)["total"] == 0
    paged = retrieve(services, caller, **question, similarity_threshold=0.0, page=2, page_size=1)
    assert paged["total"] == 2
    assert [chunk["content"] for chunk in paged["chunks"]] == [OTHER]
    highlighted = retrieve(services, caller, **question, highlight=True)
    assert "<em>" in highlighted["chunks"][0]["highlight"]
    assert retrieve(services, caller, **question, document_ids=[document_id])["chunks"][0]["content"] == FACT
    services.documents.update(caller, dataset_id, document_id, {"meta_fields": {"topic": "fruit"}})
    with_metadata = retrieve(services, caller, **question, reference_metadata={"include": True, "fields": ["topic"]})
    assert with_metadata["chunks"][0]["document_metadata"] == {"topic": "fruit"}
    condition: dict[str, Any] = {
        "logic": "and",
        "conditions": [{"name": "topic", "comparison_operator": "is", "value": "cars"}],
    }
    assert retrieve(services, caller, **question, metadata_condition=condition)["total"] == 0
    condition["conditions"][0]["value"] = "fruit"
    assert retrieve(services, caller, **question, metadata_condition=condition)["total"] >= 1


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        ({"question": QUESTION}, 102, "`dataset_ids` is required."),
        ({"dataset_ids": "fruit", "question": QUESTION}, 102, "`dataset_ids` should be a list"),
        ({"dataset_ids": ["DATASET"]}, 102, "`question` is required."),
        ({"dataset_ids": ["DATASET"], "question": "  "}, 102, "`question` is required."),
        ({"dataset_ids": ["0123456789abcdef0123456789abcdef"], "question": QUESTION}, 102, "You don't own the dataset"),
        ({"dataset_ids": ["DATASET"], "question": QUESTION, "top_k": 0}, 102, "`top_k` must be greater than 0"),
        ({"dataset_ids": ["DATASET"], "question": QUESTION, "page_size": 101}, 100, "page_size must be less than"),
        ({"dataset_ids": ["DATASET"], "question": QUESTION, "page": "two"}, 100, "invalid literal for int()"),
        (
            {"dataset_ids": ["DATASET"], "question": QUESTION, "highlight": "maybe"},
            102,
            "`highlight` should be a boolean",
        ),
        ({"dataset_ids": ["DATASET"], "question": QUESTION, "document_ids": ["nope"]}, 102, "don't own the document"),
    ],
)
def test_bad_arguments_are_refused_in_ragflows_words(
    services: Services, caller: Caller, dataset: tuple[str, str], arguments: dict[str, Any], code: int, message: str
) -> None:
    if arguments.get("dataset_ids") == ["DATASET"]:
        arguments = {**arguments, "dataset_ids": [dataset[0]]}
    with pytest.raises(RagloomError) as refused:
        RETRIEVE.run(services, caller, arguments)
    assert message in refused.value.message
    assert refused.value.code == code


def test_another_tenants_dataset_is_refused_and_nothing_of_it_shown(
    services: Services, caller: Caller, other_caller: Caller, dataset: tuple[str, str]
) -> None:
    with pytest.raises(RagloomError) as refused:
        RETRIEVE.run(services, other_caller, {"dataset_ids": [dataset[0]], "question": QUESTION})
    assert refused.value.message == f"You don't own the dataset {dataset[0]}."
    assert FACT not in str(refused.value.data)

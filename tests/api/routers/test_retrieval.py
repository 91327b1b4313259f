"""``POST /retrieval`` held to the limits: integers and numbers checked before they are used,
pages of 0 or less are the defaults, questions no longer than the limit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.integers import INT64_MAX, MAX_PAGE
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller
from ragloom.settings import LimitSettings, Settings

QUESTION = 500


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"limits": LimitSettings(max_question_length=QUESTION)})


@pytest.fixture
def dataset_id(client: TestClient, headers: dict[str, str], services: Services, caller: Caller) -> str:
    dataset = services.datasets.create(caller, NewDataset(name="fruit")).record.id
    document = services.documents.create_empty(caller, dataset, "fruit.txt").id
    for text in ("Apples are red fruit.", "Bananas are yellow fruit.", "Cherries are small red fruit."):
        path = f"/api/v1/datasets/{dataset}/documents/{document}/chunks"
        assert client.post(path, json={"content": text}, headers=headers).json()["code"] == 0
    return dataset


def retrieve(client: TestClient, headers: dict[str, str], dataset_id: str, **body: Any) -> dict[str, Any]:
    payload = {"dataset_ids": [dataset_id], "question": "red fruit", "similarity_threshold": 0, **body}
    answer: dict[str, Any] = client.post("/api/v1/retrieval", json=payload, headers=headers).json()
    return answer


def test_pages_of_zero_or_less_are_the_first_page_of_the_default_size(
    client: TestClient, headers: dict[str, str], dataset_id: str
) -> None:
    ranked = [hit["id"] for hit in retrieve(client, headers, dataset_id)["data"]["chunks"]]
    assert len(ranked) == 3
    for page, page_size in ((0, 30), (-2, 30), (1, 0), (1, -1), (0, -(10**9))):
        answer = retrieve(client, headers, dataset_id, page=page, page_size=page_size)["data"]
        assert ([hit["id"] for hit in answer["chunks"]], answer["total"]) == (ranked, 3), (page, page_size)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"page": MAX_PAGE + 1}, f"`page` must be at most {MAX_PAGE}."),
        ({"page": 1e30}, f"`page` must be at most {MAX_PAGE}."),
        ({"top_k": 1e300}, f"`top_k` must be at most {INT64_MAX}."),
        ({"top_k": str(10**30)}, f"`top_k` must be at most {INT64_MAX}."),
        ({"similarity_threshold": "nan"}, "`similarity_threshold` must be a finite number."),
        ({"vector_similarity_weight": "-inf"}, "`vector_similarity_weight` must be a finite number."),
    ],
)
def test_numbers_that_cannot_be_used_are_refused(
    client: TestClient, headers: dict[str, str], dataset_id: str, body: dict[str, Any], message: str
) -> None:
    assert retrieve(client, headers, dataset_id, **body) == {"code": 101, "message": message}


def test_integers_beyond_64_bits_are_refused_as_the_body_is_read(
    client: TestClient, headers: dict[str, str], dataset_id: str
) -> None:
    for key in ("page", "page_size", "top_k"):
        raw = f'{{"dataset_ids": ["{dataset_id}"], "question": "red", "{key}": {INT64_MAX + 1}}}'
        answer = client.post("/api/v1/retrieval", content=raw, headers={**headers, "Content-Type": "application/json"})
        assert answer.json()["code"] == 101
        assert answer.json()["message"].startswith("Integers must lie between")


def test_a_question_at_the_limit_is_searched_and_one_character_more_refused(
    client: TestClient, headers: dict[str, str], dataset_id: str
) -> None:
    assert retrieve(client, headers, dataset_id, question="red " * (QUESTION // 4))["code"] == 0
    assert retrieve(client, headers, dataset_id, question="x" * (QUESTION + 1)) == {
        "code": 102,
        "message": f"The question is too long: {QUESTION + 1} characters, at most {QUESTION}.",
    }

"""``POST /datasets/search`` and ``POST /datasets/{id}/search`` through raw HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.routers.conftest import Fruit


def search(client: TestClient, headers: dict[str, str], path: str, body: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client.post(f"/api/v1/datasets{path}", json=body, headers=headers).json()
    return answer


def test_one_dataset_answers_chunks_total_and_labels(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    response = client.post(f"{fruit.path}/search", json={"question": "red fruit", "size": 2}, headers=headers)
    assert "total" in response.headers["Server-Timing"]
    answer = response.json()
    assert set(answer) == {"code", "data"}
    data = answer["data"]
    assert set(data) == {"chunks", "doc_aggs", "total", "labels"}
    assert (data["total"], len(data["chunks"]), data["labels"]) == (4, 2, None)
    first = data["chunks"][0]
    assert first["content_with_weight"] == "Apples are red fruit."
    assert first["kb_id"] == fruit.dataset_id
    assert first["doc_id"] == fruit.documents["apples.txt"]
    assert first["docnm_kwd"] == "apples.txt"
    assert first["tag_kwd"] == ["fruit", "red"]
    assert "vector" not in first
    assert "highlight" not in first
    assert first["similarity"] >= data["chunks"][1]["similarity"]
    assert sum(doc["count"] for doc in data["doc_aggs"]) == 4


def test_it_ranks_as_retrieval_does(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    body = {"question": "small red cherries", "vector_similarity_weight": 0.5}
    tested = search(client, headers, f"/{fruit.dataset_id}/search", body)["data"]["chunks"]
    retrieved = client.post(
        "/api/v1/retrieval",
        json={"dataset_ids": [fruit.dataset_id], "similarity_threshold": 0.0, **body},
        headers=headers,
    ).json()["data"]["chunks"]
    assert [(c["chunk_id"], c["similarity"]) for c in tested] == [(c["id"], c["similarity"]) for c in retrieved]


def test_across_datasets_with_filters_and_highlight(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    body = {
        "dataset_ids": [fruit.dataset_id],
        "question": "red fruit",
        "doc_ids": [fruit.documents["apples.txt"], fruit.documents["bananas.txt"]],
        "meta_data_filter": {"method": "manual", "manual": [{"key": "colour", "op": "=", "value": "bananas"}]},
        "highlight": True,
    }
    data = search(client, headers, "/search", body)["data"]
    assert {chunk["doc_id"] for chunk in data["chunks"]} == {fruit.documents["bananas.txt"]}
    assert "<em>red</em>" in data["chunks"][0]["highlight"]


@pytest.mark.parametrize(
    ("path", "body", "answer"),
    [
        ("/{ds}/search", {}, {"code": 102, "message": "`question` is required."}),
        ("/{ds}/search", {"question": "  "}, {"code": 102, "message": "`question` is required."}),
        (
            "/search",
            {"question": "a", "dataset_ids": ["nope"]},
            {"code": 102, "message": "You don't own the dataset nope."},
        ),
        (
            "/search",
            {"question": "a"},
            {"code": 101, "message": "Field: <dataset_ids> - Message: <Field required> - Value: <{'question': 'a'}>"},
        ),
        (
            "/search",
            {"question": "a", "dataset_ids": []},
            {
                "code": 101,
                "message": "Field: <dataset_ids> - Message: <List should have at least 1 item after validation, not 0>"
                " - Value: <[]>",
            },
        ),
        (
            "/{ds}/search",
            {"question": "a", "size": 101},
            {
                "code": 101,
                "message": "Field: <size> - Message: <Input should be less than or equal to 100> - Value: <101>",
            },
        ),
        (
            "/{ds}/search",
            {"question": "a", "page": "1"},
            {"code": 101, "message": "Field: <page> - Message: <Input should be a valid integer> - Value: <1>"},
        ),
        (
            "/{ds}/search",
            {"question": "a", "similarity_threshold": 2},
            {
                "code": 101,
                "message": "Field: <similarity_threshold> - Message: <Input should be less than or equal to 1>"
                " - Value: <2>",
            },
        ),
        (
            "/{ds}/search",
            {"question": "a", "nonsense": 1},
            {"code": 101, "message": "Field: <nonsense> - Message: <Extra inputs are not permitted> - Value: <1>"},
        ),
        (
            "/{ds}/search",
            {"question": "a", "doc_ids": ["nope"]},
            {"code": 102, "message": "The datasets don't own the document nope"},
        ),
    ],
)
def test_validation(
    client: TestClient, headers: dict[str, str], fruit: Fruit, path: str, body: Any, answer: dict[str, Any]
) -> None:
    assert search(client, headers, path.format(ds=fruit.dataset_id), body) == answer


def test_the_body_must_be_json(client: TestClient, headers: dict[str, str], fruit: Fruit) -> None:
    response = client.post(f"{fruit.path}/search", content=b"question=a", headers=headers)
    assert response.json() == {
        "code": 101,
        "message": "Unsupported content type: Expected application/json, got None",
    }


def test_another_tenants_dataset_is_refused(client: TestClient, other_headers: dict[str, str], fruit: Fruit) -> None:
    refused = {"code": 102, "message": f"You don't own the dataset {fruit.dataset_id}."}
    assert search(client, other_headers, f"/{fruit.dataset_id}/search", {"question": "fruit"}) == refused
    body = {"question": "fruit", "dataset_ids": [fruit.dataset_id]}
    assert search(client, other_headers, "/search", body) == refused

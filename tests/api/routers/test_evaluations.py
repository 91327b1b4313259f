"""``/evaluations`` through the in-process API: every refusal in the envelope with a clear message
and nothing stored, lists paged and ordered, and another tenant's evaluations out of reach."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller
from ragloom.settings import LimitSettings, Settings

PATH = "/api/v1/evaluations"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"limits": LimitSettings(max_question_length=500)})


@pytest.fixture
def dataset(services: Services, caller: Caller) -> tuple[str, str]:
    """The caller's dataset with one (empty) document ``fruit.txt``: its id and the document's."""
    dataset_id = services.datasets.create(caller, NewDataset(name="fruit")).record.id
    return dataset_id, services.documents.create_empty(caller, dataset_id, "fruit.txt").id


def body(dataset_id: str, **extra: Any) -> dict[str, Any]:
    return {"dataset_id": dataset_id, "questions": [{"question": "red fruit", "documents": ["fruit.txt"]}], **extra}


def create(client: TestClient, headers: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = client.post(PATH, json=payload, headers=headers).json()
    return answer


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = client.get(PATH, params=params, headers=headers).json()
    assert answer["code"] == 0, answer
    data: dict[str, Any] = answer["data"]
    return data


def refusals(dataset_id: str, document_id: str) -> list[tuple[dict[str, Any], int, str]]:
    question = {"question": "q", "documents": ["fruit.txt"]}
    return [
        ({"questions": [question]}, 101, "`dataset_id` is required"),
        ({"dataset_id": dataset_id}, 101, "`questions` is required"),
        (body(dataset_id, page=2), 101, "An evaluation does not take `page`; it takes "),
        ({"dataset_id": dataset_id, "questions": [question] * 1001}, 101, "1001 questions, at most 1000"),
        ({"dataset_id": dataset_id, "questions": [{"question": "x" * 501, "documents": ["a"]}]}, 101, "too long"),
        ({"dataset_id": dataset_id, "questions": [{"question": "q", "documents": []}]}, 101, "names no document"),
        (
            {"dataset_id": dataset_id, "questions": [{"question": "q", "documents": {"fruit.txt": 0}}]},
            101,
            "greater than 0",
        ),
        ({"dataset_id": dataset_id, "questions": [{"question": "", "documents": ["a"]}]}, 101, "non-empty string"),
        ({"dataset_id": dataset_id, "questions": [{"question": "q"}]}, 101, "questions[0].documents must be"),
        ({"dataset_id": dataset_id, "questions": [{**question, "answer": "x"}]}, 101, "does not take `answer`"),
        (body(dataset_id, k=[0]), 101, "`k` must be a list of whole numbers from 1 to 1000"),
        (body(dataset_id, k=list(range(1, 10))), 101, "9 values, at most 8"),
        (body(dataset_id, runs=[{"name": str(n)} for n in range(5)]), 101, "5 runs, at most 4"),
        (body(dataset_id, runs=[{"name": "a"}, {"name": "a"}]), 101, "Two runs are named 'a'"),
        (body(dataset_id, runs=[{"name": "a", "page_size": 5}]), 101, "runs[0] does not take `page_size`"),
        (body(dataset_id, runs=[{}]), 101, "`runs[0].name` must be a non-empty string"),
        (body(dataset_id, highlight=True), 101, "`highlight` is always off"),
        # retrieval's own checks and words, prefixed with the run
        (body(dataset_id, top_k=0), 102, "Run 'default': `top_k` must be greater than 0"),
        (body(dataset_id, runs=[{"name": "b", "vector_similarity_weight": "x"}]), 100, "Run 'b': ValueError"),
        (body(dataset_id, document_ids=["nope"]), 102, "Run 'default': The datasets don't own the document nope"),
        (body(dataset_id, rerank_id="nothing@Nowhere"), 102, "nothing@Nowhere"),
        (body("not-a-dataset"), 102, "You don't own the dataset not-a-dataset."),
        (
            {
                "dataset_id": dataset_id,
                "questions": [{"question": "q", "documents": ["fruit.txt", document_id, "x.pdf"]}],
            },
            102,
            f"The dataset {dataset_id} has no document with the id or name: x.pdf.",
        ),
    ]


def test_every_bad_request_is_refused_clearly_and_stores_nothing(
    client: TestClient, headers: dict[str, str], dataset: tuple[str, str]
) -> None:
    for payload, code, message in refusals(*dataset):
        answer = create(client, headers, payload)
        assert (answer["code"], message in answer["message"]) == (code, True), (payload, answer)
        assert "Traceback" not in answer["message"]
    assert listed(client, headers) == {"evaluations": [], "total": 0}


def test_created_evaluations_are_listed_paged_and_ordered(
    client: TestClient, headers: dict[str, str], dataset: tuple[str, str]
) -> None:
    dataset_id, document_id = dataset
    names = ["b", "a", "c"]
    for name in names:
        answer = create(client, headers, body(dataset_id, name=name, k=[5], similarity_threshold=0.5))
        assert answer["code"] == 0, answer
    created = answer["data"]
    assert created["status"] == "queued"
    assert created["k"] == [5]
    assert created["chunk_depth"] == 10
    assert created["runs"] == [
        {"name": "default", "parameters": created["runs"][0]["parameters"], "questions_done": 0, "metrics": None}
    ]
    assert created["runs"][0]["parameters"]["similarity_threshold"] == 0.5
    assert [item["name"] for item in listed(client, headers)["evaluations"]] == ["c", "a", "b"]
    by_name = listed(client, headers, orderby="name", desc="false")
    assert [item["name"] for item in by_name["evaluations"]] == ["a", "b", "c"]
    assert by_name["total"] == 3
    page = listed(client, headers, page=2, page_size=2)
    assert [item["name"] for item in page["evaluations"]] == ["b"]
    assert page["total"] == 3
    assert listed(client, headers, dataset_id="other")["total"] == 0
    refused = client.get(PATH, params={"orderby": "status"}, headers=headers).json()
    assert (refused["code"], refused["message"]) == (101, "`orderby` must be one of create_time, update_time, name.")
    assert client.get(PATH, params={"page_size": 101}, headers=headers).json()["code"] != 0
    one = client.get(f"{PATH}/{created['id']}", headers=headers).json()["data"]
    assert one["questions"] == [
        {
            "question": "red fruit",
            "relevant": [{"document_id": document_id, "document_name": "fruit.txt", "relevance": 1.0}],
            "runs": {},
        }
    ]


def test_cancel_and_delete(client: TestClient, headers: dict[str, str], dataset: tuple[str, str]) -> None:
    dataset_id, _ = dataset
    first = create(client, headers, body(dataset_id))["data"]["id"]
    second = create(client, headers, body(dataset_id))["data"]["id"]
    cancelled = client.post(f"{PATH}/{first}/cancel", headers=headers).json()
    assert cancelled["code"] == 0
    assert cancelled["data"]["status"] == "cancelled"
    again = client.post(f"{PATH}/{first}/cancel", headers=headers).json()
    assert again["code"] == 102
    assert "only a queued or running one can be cancelled" in again["message"]
    missing = client.request("DELETE", PATH, json={"ids": [first, "nope"]}, headers=headers).json()
    assert (missing["code"], missing["message"]) == (102, "No evaluation nope; nothing was deleted.")
    assert listed(client, headers)["total"] == 2
    for bad in ({}, {"ids": []}, {"ids": "x"}):
        refused = client.request("DELETE", PATH, json=bad, headers=headers).json()
        assert refused["code"] == 101
        assert "`ids` is required" in refused["message"]
    deleted = client.request("DELETE", PATH, json={"ids": [first, second]}, headers=headers).json()
    assert deleted["code"] == 0
    assert deleted["data"] == {"deleted": 2}
    assert client.get(f"{PATH}/{first}", headers=headers).json()["code"] == 102


def test_another_tenant_sees_and_touches_nothing(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], dataset: tuple[str, str]
) -> None:
    dataset_id, _ = dataset
    refused = create(client, other_headers, body(dataset_id))
    assert refused["code"] == 102
    assert refused["message"] == f"You don't own the dataset {dataset_id}."
    mine = create(client, headers, body(dataset_id))["data"]["id"]
    assert listed(client, other_headers) == {"evaluations": [], "total": 0}
    for method, path, payload in (
        ("GET", f"{PATH}/{mine}", None),
        ("POST", f"{PATH}/{mine}/cancel", None),
        ("DELETE", PATH, {"ids": [mine]}),
    ):
        answer = client.request(method, path, json=payload, headers=other_headers).json()
        assert (answer["code"], f"No evaluation {mine}" in answer["message"]) == (102, True), (method, answer)
    assert client.get(f"{PATH}/{mine}", headers=headers).json()["data"]["status"] == "queued"

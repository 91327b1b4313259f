"""``POST /retrieval`` embeds the question only when the vector can change the answer, and once.

The embedding model is the scripted server's (``tests/openai_server.py``), so every embedding
the server asks for is one request there, counted by the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services import retrieval
from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller
from tests.conftest import SCRIPTED_EMBEDDING_MODEL
from tests.openai_server import OpenAIStyleServer

FRUIT = [
    "Apples are red fruit.",
    "Bananas are yellow fruit.",
    "Cherries are small red fruit.",
    "Plums grow on trees in orchards.",
]


@pytest.fixture
def services(scripted_services: Services) -> Services:
    return scripted_services


@pytest.fixture
def dataset_id(client: TestClient, headers: dict[str, str], services: Services, caller: Caller) -> str:
    dataset = services.datasets.create(caller, NewDataset(name="fruit", embedding_model=SCRIPTED_EMBEDDING_MODEL))
    document = services.documents.create_empty(caller, dataset.record.id, "fruit.txt").id
    for text in FRUIT:
        path = f"/api/v1/datasets/{dataset.record.id}/documents/{document}/chunks"
        assert client.post(path, json={"content": text}, headers=headers).json()["code"] == 0
    return dataset.record.id


def embeddings_asked(server: OpenAIStyleServer) -> int:
    return sum(1 for path in server.paths if path.endswith("/embeddings"))


def retrieve(client: TestClient, headers: dict[str, str], dataset_id: str, **body: Any) -> dict[str, Any]:
    payload = {"dataset_ids": [dataset_id], "question": "red fruit", **body}
    answer = client.post("/api/v1/retrieval", json=payload, headers=headers).json()
    assert answer["code"] == 0, answer
    data: dict[str, Any] = answer["data"]
    return data


def without_vector_similarity(data: dict[str, Any]) -> dict[str, Any]:
    chunks = [{key: value for key, value in hit.items() if key != "vector_similarity"} for hit in data["chunks"]]
    return {**data, "chunks": chunks}


def test_keyword_only_retrieval_embeds_nothing_and_answers_as_with_the_vector(
    client: TestClient,
    headers: dict[str, str],
    dataset_id: str,
    chat_server: OpenAIStyleServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = embeddings_asked(chat_server)
    keyword_only = retrieve(client, headers, dataset_id, vector_similarity_weight=0, question="small red cherries")
    assert embeddings_asked(chat_server) == before
    assert keyword_only["total"] >= 1
    assert all(hit["vector_similarity"] == 0 for hit in keyword_only["chunks"])

    monkeypatch.setattr(retrieval, "_needs_vector", lambda query, datasets: True)
    with_vector = retrieve(client, headers, dataset_id, vector_similarity_weight=0, question="small red cherries")
    assert embeddings_asked(chat_server) == before + 1
    assert any(hit["vector_similarity"] != 0 for hit in with_vector["chunks"])
    assert without_vector_similarity(keyword_only) == without_vector_similarity(with_vector)


@pytest.mark.parametrize(
    "body",
    [
        {"vector_similarity_weight": 0.3},
        {"vector_similarity_weight": 0, "similarity_threshold": 0},  # chunks found by vector alone are kept
        {"vector_similarity_weight": 0, "toc_enhance": True},  # a lift that may reach chunks found by vector
    ],
    ids=["hybrid", "threshold-0", "toc_enhance"],
)
def test_the_question_is_embedded_when_the_vector_can_change_the_answer(
    client: TestClient,
    headers: dict[str, str],
    dataset_id: str,
    chat_server: OpenAIStyleServer,
    monkeypatch: pytest.MonkeyPatch,
    body: dict[str, Any],
) -> None:
    before = embeddings_asked(chat_server)
    answer = retrieve(client, headers, dataset_id, **body)
    assert embeddings_asked(chat_server) == before + 1
    monkeypatch.setattr(retrieval, "_needs_vector", lambda query, datasets: True)
    assert retrieve(client, headers, dataset_id, **body) == answer


def test_keyword_only_candidates_are_the_top_k_by_text(
    client: TestClient, headers: dict[str, str], dataset_id: str, chat_server: OpenAIStyleServer
) -> None:
    before = embeddings_asked(chat_server)
    answer = retrieve(client, headers, dataset_id, vector_similarity_weight=0, top_k=1, similarity_threshold=0.01)
    assert embeddings_asked(chat_server) == before
    assert answer["total"] == 1  # of the three chunks holding "red" or "fruit", the best by text


def test_a_question_asked_again_is_not_embedded_again(
    client: TestClient, headers: dict[str, str], dataset_id: str, chat_server: OpenAIStyleServer
) -> None:
    before = embeddings_asked(chat_server)
    first = retrieve(client, headers, dataset_id, question="yellow bananas")
    assert retrieve(client, headers, dataset_id, question="yellow bananas") == first
    assert embeddings_asked(chat_server) == before + 1
    retrieve(client, headers, dataset_id, question="orchards")
    assert embeddings_asked(chat_server) == before + 2

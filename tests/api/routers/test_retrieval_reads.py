"""``POST /retrieval`` reads the metadata store once: the API key and the datasets in one
statement, the documents' names from the chunk index. Nothing is cached, so what another
process (another API server on the same database) changes — a revoked key, a deleted dataset,
a renamed document — shows in the very next answer. On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import event

from ragloom.services.container import Services
from ragloom.services.datasets import NewDataset
from ragloom.services.tenants import Caller, IssuedKey
from ragloom.settings import DatabaseSettings, PostgresDatabaseSettings, Settings

UNAUTHORIZED = {"code": 401, "message": "<Unauthorized '401: Unauthorized'>", "data": None}
TEXTS = ("Apples are red fruit.", "Bananas are yellow fruit.", "Cherries are small red fruit.")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "sqlite":
        return settings
    url = request.getfixturevalue("postgres_url")
    database = DatabaseSettings(backend="postgresql", postgresql=PostgresDatabaseSettings(url=SecretStr(url)))
    return settings.model_copy(update={"database": database})


@pytest.fixture
def other_process(settings: Settings, services: Services) -> Iterator[Services]:
    """A second server's services on the same stores (built after ``services``, which migrated)."""
    built = Services.build(settings)
    yield built
    built.close()


@pytest.fixture
def fruit(client: TestClient, headers: dict[str, str], services: Services, caller: Caller) -> tuple[str, str]:
    """A dataset of the caller's and its one document, three chunks in it."""
    dataset = services.datasets.create(caller, NewDataset(name="fruit")).record.id
    document = services.documents.create_empty(caller, dataset, "fruit.txt").id
    for text in TEXTS:
        path = f"/api/v1/datasets/{dataset}/documents/{document}/chunks"
        assert client.post(path, json={"content": text}, headers=headers).json()["code"] == 0
    return dataset, document


def retrieve(client: TestClient, headers: dict[str, str], dataset_id: str, **body: Any) -> dict[str, Any]:
    payload = {"dataset_ids": [dataset_id], "question": "red fruit", "similarity_threshold": 0, **body}
    answer: dict[str, Any] = client.post("/api/v1/retrieval", json=payload, headers=headers).json()
    return answer


class Statements:
    """The statements run on the metadata store's engine while counting (transaction control aside)."""

    def __init__(self, services: Services) -> None:
        self.engine = services.store.engine
        self.seen: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.split(None, 1)[0].upper() not in {"BEGIN", "COMMIT", "ROLLBACK"}:
            self.seen.append(statement)

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def test_a_retrieval_reads_the_metadata_store_once(
    client: TestClient, headers: dict[str, str], services: Services, fruit: tuple[str, str]
) -> None:
    dataset_id, document_id = fruit
    retrieve(client, headers, dataset_id)  # the key's last use is written at most once a minute
    with Statements(services) as statements:
        answer = retrieve(client, headers, dataset_id)
    assert answer["code"] == 0
    assert answer["data"]["total"] == 3
    assert answer["data"]["doc_aggs"] == [{"doc_name": "fruit.txt", "doc_id": document_id, "count": 3}]
    assert len(statements.seen) == 1, statements.seen
    assert statements.seen[0].lstrip().upper().startswith("SELECT")


def test_a_renamed_document_is_named_anew_in_the_next_answer(
    client: TestClient, headers: dict[str, str], other_process: Services, caller: Caller, fruit: tuple[str, str]
) -> None:
    dataset_id, document_id = fruit
    assert retrieve(client, headers, dataset_id)["data"]["doc_aggs"][0]["doc_name"] == "fruit.txt"
    other_process.documents.update(caller, dataset_id, document_id, {"name": "berries.txt"})
    data = retrieve(client, headers, dataset_id)["data"]
    assert data["doc_aggs"] == [{"doc_name": "berries.txt", "doc_id": document_id, "count": 3}]
    assert {chunk["document_keyword"] for chunk in data["chunks"]} == {"berries.txt"}


def test_a_key_revoked_by_another_server_is_refused_at_once(
    client: TestClient, headers: dict[str, str], other_process: Services, issued: IssuedKey, fruit: tuple[str, str]
) -> None:
    dataset_id, _ = fruit
    assert retrieve(client, headers, dataset_id)["code"] == 0
    other_process.tenants.revoke(issued.id)
    answer = client.post(
        "/api/v1/retrieval", json={"dataset_ids": [dataset_id], "question": "red fruit"}, headers=headers
    )
    assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED)


def test_a_dataset_deleted_by_another_server_is_not_searched(
    client: TestClient, headers: dict[str, str], other_process: Services, caller: Caller, fruit: tuple[str, str]
) -> None:
    dataset_id, _ = fruit
    assert retrieve(client, headers, dataset_id)["code"] == 0
    other_process.datasets.delete(caller, [dataset_id], False)
    assert retrieve(client, headers, dataset_id) == {"code": 102, "message": f"You don't own the dataset {dataset_id}."}


def test_another_tenants_key_gets_the_refusal_a_missing_dataset_gets(
    client: TestClient, headers: dict[str, str], other_headers: dict[str, str], fruit: tuple[str, str]
) -> None:
    dataset_id, _ = fruit
    refused = {"code": 102, "message": f"You don't own the dataset {dataset_id}."}
    assert retrieve(client, other_headers, dataset_id) == refused
    both = {"dataset_ids": ["nope", dataset_id], "question": "red"}
    answer = client.post("/api/v1/retrieval", json=both, headers=headers).json()
    assert answer == {"code": 102, "message": "You don't own the dataset nope."}


def test_a_wrong_key_is_refused_before_the_input_is_judged(client: TestClient, settings: Settings) -> None:
    too_long = "/api/v1/retrieval?x=" + "y" * (settings.limits.max_string_length + 1)
    bodies = [
        {"dataset_ids": ["x"], "question": "red"},
        {"question": "red"},  # a body the route refuses
        {"dataset_ids": ["x"], "question": "red", "page": "not a number"},
    ]
    for authorization in (None, "Bearer ragflow-not-a-real-key", "Bearer "):
        headers = {} if authorization is None else {"Authorization": authorization}
        for body in bodies:
            for path in ("/api/v1/retrieval", too_long):
                answer = client.post(path, json=body, headers=headers)
                assert (answer.status_code, answer.json()) == (401, UNAUTHORIZED), (authorization, body, path)


def test_a_right_key_gets_the_inputs_refusal(client: TestClient, settings: Settings, headers: dict[str, str]) -> None:
    assert client.post("/api/v1/retrieval", json={"question": "red"}, headers=headers).json() == {
        "code": 102,
        "message": "`dataset_ids` is required.",
    }
    too_long = "/api/v1/retrieval?x=" + "y" * (settings.limits.max_string_length + 1)
    refused = client.post(too_long, json={"dataset_ids": ["x"], "question": "red"}, headers=headers).json()
    assert refused["code"] == 101

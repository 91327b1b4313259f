"""Dataset routes through raw HTTP: the list's filters and the model refusals, as RAGFlow's tests
expect them (``test_list_datasets.py``, ``test_create_dataset.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ragloom.services.tenants import Caller

API = "/api/v1/datasets"


@pytest.fixture
def dataset_ids(client: TestClient, headers: dict[str, str]) -> list[str]:
    """Three datasets, ``dataset_0`` to ``dataset_2``."""
    return [client.post(API, json={"name": f"dataset_{n}"}, headers=headers).json()["data"]["id"] for n in range(3)]


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.get(API, params=params, headers=headers).json()
    return body


def test_an_empty_name_lists_every_dataset(client: TestClient, headers: dict[str, str], dataset_ids: list[str]) -> None:
    answer = listed(client, headers, name="")
    assert answer["code"] == 0
    assert sorted(dataset["id"] for dataset in answer["data"]) == sorted(dataset_ids)
    assert answer["total_datasets"] == 3


def test_a_name_of_another_dataset_than_the_id_lists_nothing(
    client: TestClient, headers: dict[str, str], caller: Caller, dataset_ids: list[str]
) -> None:
    assert listed(client, headers, id=dataset_ids[0], name="dataset_1") == {"code": 0, "data": [], "total_datasets": 0}
    assert [item["id"] for item in listed(client, headers, id=dataset_ids[0], name="DATASET_0")["data"]] == [
        dataset_ids[0]
    ]
    assert listed(client, headers, id=dataset_ids[0], name="wrong_name") == {
        "code": 102,
        "message": f"User '{caller.tenant_id}' lacks permission for dataset 'wrong_name'",
    }


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("embedding-3@unknown", "Unsupported model: <embedding-3@unknown>"),
        ("nope@Builtin", "Unsupported model: <nope@Builtin>"),
        ("text-embedding-3-small@OpenAI", "Unauthorized model: <text-embedding-3-small@OpenAI>"),
    ],
)
def test_a_model_that_cannot_be_used_is_named_between_angle_brackets(
    client: TestClient, headers: dict[str, str], model: str, message: str
) -> None:
    created = client.post(API, json={"name": "kb", "embedding_model": model}, headers=headers).json()
    assert created == {"code": 102, "message": message}
    kept = client.post(API, json={"name": "kb"}, headers=headers).json()["data"]["id"]
    updated = client.put(f"{API}/{kept}", json={"embedding_model": model}, headers=headers).json()
    assert updated == {"code": 102, "message": message}
    assert [dataset["name"] for dataset in listed(client, headers)["data"]] == ["kb"]
